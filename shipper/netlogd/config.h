/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlogd's configuration: /etc/netlog/netlogd.conf, `key = value` lines,
 * overridden by --key=value options. See netlogd.conf(5).
 */
#ifndef NETLOG_CONFIG_H
#define NETLOG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "upload.h"

#define CONFIG_PATH "/etc/netlog/netlogd.conf"
/* Room for any message of config_load() and config_set(). */
#define CONFIG_ERR_LEN 512

/*
 * One [sink NAME] section, or the sink the top-level keys describe (named
 * after its type) when there is no section.
 */
struct sink_config {
	char *name;
	const struct sink_type *type;
	void *opts;			/* the type's options, its keys */
	enum compress_codec codec;
	uint64_t retry_min_ms, retry_max_ms, retry_cap_ms, timeout_ms;
	unsigned int set;		/* which of those the section set */
	unsigned int line;		/* of its [sink] header; 0: implicit */
};

/* Durations are in milliseconds. Unset strings are NULL. */
struct netlogd_config {
	uint64_t poll_period_ms;
	char *nodes;			/* node map file */
	char *nodes_command;		/* command that refreshes it */
	uint64_t nodes_refresh_ms;
	uint64_t nodes_timeout_ms;	/* nodes_command is killed after it */
	char *routes;			/* prefixes, separated by commas or blanks */
	bool log_exit_flows;
	char *sink;			/* the implicit sink's type */
	bool sink_set;			/* sink = given: no [sink] sections */
	char *file_path;
	char *server;
	char *collection;
	char *private_id;		/* lowercase */
	char *private_id_file;		/* the logtail sink's, from a file */
	char *domain_id;		/* lowercase */
	char *spool_dir;
	uint64_t spool_cap;		/* bytes */
	uint64_t retry_min_ms;
	uint64_t retry_max_ms;
	uint64_t retry_cap_ms;
	uint64_t upload_timeout_ms;
	enum compress_codec compression;	/* of the logtail sink */
	char *netns;
	char *status_file;
	char *metrics_textfile;		/* Prometheus text, for node-exporter */
	char *metrics_listen;		/* loopback address:port of /metrics */

	struct sink_config *sinks;	/* after config_check(): at least one */
	size_t nsinks;
	char *secret_key;		/* an inline secret key the file set */
};

/* The defaults. 0 or -ENOMEM; config_free() in both cases. */
int config_init(struct netlogd_config *cfg);

/*
 * Reads @path over @cfg: `key = value` lines, then `[sink NAME]` sections
 * whose first key is `type` and whose other keys are the common ones
 * (compression, retry_min, retry_max, retry_cap, upload_timeout) and the
 * type's. On a bad line, returns -EINVAL with @err set to
 * "<path>:<line>: <key>: <reason>"; -errno with "<path>: <cause>" when the
 * file cannot be read (-ENOENT when it does not exist). A file with an
 * inline secret (private_id) that fails config_secret_mode_check() is
 * refused (-EPERM), and so is a secret file (header_file,
 * private_id_file, any *_file key of a sink type) at its key.
 */
int config_load(struct netlogd_config *cfg, const char *path, char *err,
		size_t errlen);

/*
 * Sets one key, with the validation of the file: 0, or -EINVAL with @err
 * "<key>: <reason>: '<value>'". '-' in @key stands for '_', so a daemon can
 * pass --private-id=... through.
 */
int config_set(struct netlogd_config *cfg, const char *key, const char *value,
	       char *err, size_t errlen);

/*
 * config_set() for netlogd's command line: a secret (private_id) is refused
 * there (-EPERM, @err names the key to use instead, private_id_file):
 * every user can read a process's arguments.
 */
int config_set_arg(struct netlogd_config *cfg, const char *key,
		   const char *value, char *err, size_t errlen);

/*
 * Why a file of @st may not hold a secret for a process of @euid and
 * @egid, or NULL when it may: readable or writable by others (mode & 007);
 * owned by a user other than root and @euid; group bits for a group other
 * than root's and @egid. systemd's LoadCredential= copies (0400 with an ACL
 * for the service's user, which stat shows as 0440, owned by root) pass.
 */
const char *config_secret_mode_check(const struct stat *st, uid_t euid,
				     gid_t egid);

/*
 * Checks what single keys cannot (the logtail sink needs private_id,
 * retry_min is at most retry_max) and makes the implicit sink when no
 * [sink] section was given. 0 or -EINVAL with @err.
 */
int config_check(struct netlogd_config *cfg, char *err, size_t errlen);

/*
 * Sink @i's uploader configuration; the strings stay owned by @cfg.
 * rejected_dir is not set.
 */
void config_upload(const struct netlogd_config *cfg, size_t i,
		   struct upload_config *up);

/*
 * For callers without a file (tests): a new sink @name of @type, and
 * one of its keys set with the file's validation. 0 or -EINVAL with @err.
 */
int config_sink_add(struct netlogd_config *cfg, const char *name,
		    const char *type, char *err, size_t errlen);
int config_sink_set(struct netlogd_config *cfg, struct sink_config *sc,
		    const char *key, const char *value, char *err,
		    size_t errlen);

void config_free(struct netlogd_config *cfg);

#endif /* NETLOG_CONFIG_H */

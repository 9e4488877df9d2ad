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

#include "upload.h"

#define CONFIG_PATH "/etc/netlog/netlogd.conf"
/* Room for any message of config_load() and config_set(). */
#define CONFIG_ERR_LEN 512

/* Durations are in milliseconds. Unset strings are NULL. */
struct netlogd_config {
	uint64_t poll_period_ms;
	char *nodes;			/* node map file */
	char *nodes_command;		/* command that refreshes it */
	uint64_t nodes_refresh_ms;
	uint64_t nodes_timeout_ms;	/* nodes_command is killed after it */
	char *routes;			/* prefixes, separated by commas or blanks */
	bool log_exit_flows;
	enum upload_sink sink;
	char *file_path;
	char *server;
	char *collection;
	char *private_id;		/* lowercase */
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
};

/* The defaults. 0 or -ENOMEM; config_free() in both cases. */
int config_init(struct netlogd_config *cfg);

/*
 * Reads @path over @cfg. On a bad line, returns -EINVAL with @err set to
 * "<path>:<line>: <key>: <reason>"; -errno with "<path>: <cause>" when the
 * file cannot be read (-ENOENT when it does not exist).
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
 * Checks what single keys cannot: the logtail sink needs private_id,
 * retry_min is at most retry_max. 0 or -EINVAL with @err.
 */
int config_check(const struct netlogd_config *cfg, char *err, size_t errlen);

/* The uploader's view; the strings stay owned by @cfg. */
void config_upload(const struct netlogd_config *cfg, struct upload_config *up);

void config_free(struct netlogd_config *cfg);

#endif /* NETLOG_CONFIG_H */

// SPDX-License-Identifier: GPL-2.0
/* netlogd.conf: a table of keys, each with its parser. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "addr.h"
#include "routes.h"
#include "array.h"

enum key_type {
	T_DURATION,	/* "500ms", "30s", "5m", "1h"; a bare number is seconds */
	T_SIZE,		/* bytes, with an optional K, M or G (powers of 1024) */
	T_BOOL,
	T_PATH,		/* a non-empty string */
	T_OPTIONAL,	/* a string; empty means unset */
	T_SINK,
	T_COMPRESSION,
	T_HEX64,	/* 64 hex digits; empty means unset */
	T_SERVER,
	T_COLLECTION,
	T_ROUTES,
	T_LISTEN,	/* a loopback address:port; empty means unset */
};

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	uint64_t min;		/* durations and sizes */
	const char *min_why;
};

#define KEY(name, type) \
	{ #name, type, offsetof(struct netlogd_config, name), 0, NULL }
#define MS(name, min, why) \
	{ #name, T_DURATION, offsetof(struct netlogd_config, name##_ms), min, why }

static const struct key keys[] = {
	MS(poll_period, 100, "must be at least 100ms"),
	KEY(nodes, T_OPTIONAL),
	KEY(nodes_command, T_OPTIONAL),
	MS(nodes_refresh, 1000, "must be at least 1s"),
	MS(nodes_timeout, 100, "must be at least 100ms"),
	KEY(routes, T_ROUTES),
	KEY(log_exit_flows, T_BOOL),
	KEY(sink, T_SINK),
	KEY(file_path, T_PATH),
	KEY(server, T_SERVER),
	KEY(collection, T_COLLECTION),
	KEY(private_id, T_HEX64),
	KEY(domain_id, T_HEX64),
	KEY(spool_dir, T_PATH),
	{ "spool_cap", T_SIZE, offsetof(struct netlogd_config, spool_cap),
	  64 << 10, "must be at least 64K" },
	MS(retry_min, 1, "must be positive"),
	MS(retry_max, 1, "must be positive"),
	MS(retry_cap, 1, "must be positive"),
	MS(upload_timeout, 1, "must be positive"),
	KEY(compression, T_COMPRESSION),
	KEY(netns, T_OPTIONAL),
	KEY(status_file, T_OPTIONAL),
	KEY(metrics_textfile, T_OPTIONAL),
	KEY(metrics_listen, T_LISTEN),
};

static const struct {
	const char *key, *value;
} defaults[] = {
	{ "poll_period", "5s" },
	{ "nodes_refresh", "60s" },
	{ "nodes_timeout", "10s" },
	{ "log_exit_flows", "false" },
	{ "sink", "file" },
	{ "file_path", "/var/log/netlog/flows.jsonl" },
	{ "server", UPLOAD_SERVER },
	{ "collection", UPLOAD_COLLECTION },
	{ "spool_dir", "/var/lib/netlog/spool" },
	{ "spool_cap", "64M" },
	{ "retry_min", "30s" },
	{ "retry_max", "60s" },
	{ "retry_cap", "5m" },
	{ "upload_timeout", "45s" },
	{ "compression", "zstd" },
};

/* A decimal number at the start of @s: 0, or -EINVAL. */
static int parse_number(const char *s, uint64_t *n, const char **end)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*n = strtoull(s, &e, 10);
	if (errno)
		return -EINVAL;
	*end = e;
	return 0;
}

static int parse_duration(const char *s, uint64_t *ms, const char **why)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 },
		{ "h", 3600000 },
	};
	const char *end;
	uint64_t n;
	size_t i;

	*why = "must be a duration such as 500ms, 30s, 5m or 1h";
	if (parse_number(s, &n, &end))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (n > UINT64_MAX / units[i].ms) {
			*why = "is too large";
			return -EINVAL;
		}
		*ms = n * units[i].ms;
		return 0;
	}
	return -EINVAL;
}

static int parse_size(const char *s, uint64_t *bytes, const char **why)
{
	const char *end;
	unsigned int shift;
	uint64_t n;

	*why = "must be a size in bytes with an optional K, M or G";
	if (parse_number(s, &n, &end))
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		shift = 0;
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (n > UINT64_MAX >> shift) {
		*why = "is too large";
		return -EINVAL;
	}
	*bytes = n << shift;
	return 0;
}

static int parse_bool(const char *s, bool *b, const char **why)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = false;
			return 0;
		}
	}
	*why = "must be true or false";
	return -EINVAL;
}

static int set_string(char **field, const char *value)
{
	char *copy = NULL;

	if (*value) {
		copy = strdup(value);
		if (!copy)
			return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* A duration or a size, at least the key's minimum. */
static int set_number(uint64_t *field, const struct key *k, const char *value,
		      const char **why)
{
	uint64_t n;
	int ret;

	ret = k->type == T_DURATION ? parse_duration(value, &n, why) :
				      parse_size(value, &n, why);
	if (ret)
		return ret;
	if (n < k->min) {
		*why = k->min_why;
		return -EINVAL;
	}
	*field = n;
	return 0;
}

static int set_sink(enum upload_sink *sink, const char *value,
		    const char **why)
{
	if (!strcmp(value, "file")) {
		*sink = UPLOAD_SINK_FILE;
	} else if (!strcmp(value, "stdout")) {
		*sink = UPLOAD_SINK_STDOUT;
	} else if (!strcmp(value, "logtail")) {
		*sink = UPLOAD_SINK_LOGTAIL;
	} else {
		*why = "must be file, stdout or logtail";
		return -EINVAL;
	}
	return 0;
}

/* A logtail ID, kept in lowercase: the text form logtail uses. */
static int set_hex64(char **field, const char *value, const char **why)
{
	char *p;
	int ret;

	if (*value && !upload_log_id_valid(value)) {
		*why = "must be 64 hex digits";
		return -EINVAL;
	}
	ret = set_string(field, value);
	for (p = *field; !ret && p && *p; p++)
		*p = tolower((unsigned char)*p);
	return ret;
}

static int set_server(char **field, const char *value, const char **why)
{
	if ((strncmp(value, "https://", 8) && strncmp(value, "http://", 7)) ||
	    strpbrk(value, " \t?#") ||
	    !value[strncmp(value, "https://", 8) ? 7 : 8]) {
		*why = "must be an http:// or https:// URL without a query";
		return -EINVAL;
	}
	return set_string(field, value);
}

static int set_collection(char **field, const char *value, const char **why)
{
	if (!*value || strspn(value, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
		       strlen(value)) {
		*why = "must be a host-like name such as tailtraffic.log.tailscale.io";
		return -EINVAL;
	}
	return set_string(field, value);
}

/*
 * /metrics is for a scraper on this host (or a proxy that adds TLS and
 * authentication): 127.0.0.0/8 or ::1, never a public address.
 */
static int set_listen(char **field, const char *value, const char **why)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	struct addr a;
	uint16_t port;

	if (*value && (addrport_parse(&a, &port, value) ||
		       (a.len == 4 && a.bytes[0] != 127) ||
		       (a.len == 16 && memcmp(a.bytes, v6_loopback, 16)))) {
		*why = "must be a loopback address and port such as 127.0.0.1:9586 or [::1]:9586";
		return -EINVAL;
	}
	return set_string(field, value);
}

/*
 * Sets @k from @value, or says why not: a fixed reason in @why, or for a
 * list of routes a message in @msg (then @why stays NULL).
 */
static int set_key(struct netlogd_config *cfg, const struct key *k,
		   const char *value, const char **why, char *msg,
		   size_t msglen)
{
	void *field = (char *)cfg + k->offset;
	int ret;

	switch (k->type) {
	case T_DURATION:
	case T_SIZE:
		return set_number(field, k, value, why);
	case T_BOOL:
		return parse_bool(value, field, why);
	case T_PATH:
		if (!*value) {
			*why = "must not be empty";
			return -EINVAL;
		}
		return set_string(field, value);
	case T_OPTIONAL:
		return set_string(field, value);
	case T_SINK:
		return set_sink(&cfg->sink, value, why);
	case T_COMPRESSION:
		if (compress_parse(value, &cfg->compression)) {
			*why = "must be zstd, gzip or none";
			return -EINVAL;
		}
		return 0;
	case T_HEX64:
		return set_hex64(field, value, why);
	case T_SERVER:
		return set_server(field, value, why);
	case T_COLLECTION:
		return set_collection(field, value, why);
	case T_LISTEN:
		return set_listen(field, value, why);
	case T_ROUTES:
		/* The parser netlogd runs with at start-up, not a second one. */
		ret = routes_parse_list(value, NULL, NULL, msg, msglen);
		if (ret)
			return ret;
		return set_string(field, value);
	}
	return -EINVAL;
}

static const struct key *find_key(const char *name)
{
	char norm[32];
	size_t i;

	if (strlen(name) >= sizeof(norm))
		return NULL;
	for (i = 0; name[i]; i++)
		norm[i] = name[i] == '-' ? '_' : name[i];
	norm[i] = '\0';
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].name, norm))
			return &keys[i];
	return NULL;
}

int config_set(struct netlogd_config *cfg, const char *key, const char *value,
	       char *err, size_t errlen)
{
	const struct key *k = find_key(key);
	const char *why = NULL;
	char msg[256] = "";
	int ret;

	if (!k) {
		snprintf(err, errlen, "%s: unknown key", key);
		return -EINVAL;
	}
	ret = set_key(cfg, k, value, &why, msg, sizeof(msg));
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: %s", k->name, strerror(ENOMEM));
	else if (ret && !why)
		snprintf(err, errlen, "%s", msg);
	else if (ret)
		snprintf(err, errlen, "%s: %s: '%s'", k->name, why, value);
	return ret;
}

int config_init(struct netlogd_config *cfg)
{
	char err[CONFIG_ERR_LEN];
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < ARRAY_SIZE(defaults); i++)
		if (config_set(cfg, defaults[i].key, defaults[i].value, err,
			       sizeof(err)))
			return -ENOMEM;
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_load(struct netlogd_config *cfg, const char *path, char *err,
		size_t errlen)
{
	char *line = NULL, msg[CONFIG_ERR_LEN];
	unsigned int lineno = 0;
	size_t size = 0;
	int ret = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while (getline(&line, &size, f) >= 0) {
		char *key, *value, *eq;

		lineno++;
		key = trim(line);
		if (!*key || *key == '#' || *key == ';')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected 'key = value': '%s'",
				 path, lineno, key);
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		ret = config_set(cfg, key, value, msg, sizeof(msg));
		if (ret) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			break;
		}
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: %s", path, strerror(EIO));
	}
	free(line);
	fclose(f);
	return ret;
}

int config_check(const struct netlogd_config *cfg, char *err, size_t errlen)
{
	if (cfg->sink == UPLOAD_SINK_LOGTAIL && !cfg->private_id) {
		snprintf(err, errlen, "private_id: the logtail sink needs one");
		return -EINVAL;
	}
	if (cfg->retry_min_ms > cfg->retry_max_ms) {
		snprintf(err, errlen, "retry_min: must be at most retry_max (%" PRIu64
			 "ms > %" PRIu64 "ms)", cfg->retry_min_ms, cfg->retry_max_ms);
		return -EINVAL;
	}
	return 0;
}

void config_upload(const struct netlogd_config *cfg, struct upload_config *up)
{
	memset(up, 0, sizeof(*up));
	up->sink = cfg->sink;
	up->file_path = cfg->file_path;
	up->server = cfg->server;
	up->collection = cfg->collection;
	up->private_id = cfg->private_id;
	up->domain_id = cfg->domain_id;
	up->codec = cfg->compression;
	up->timeout_ms = cfg->upload_timeout_ms;
	up->retry_min_ms = cfg->retry_min_ms;
	up->retry_max_ms = cfg->retry_max_ms;
	up->retry_cap_ms = cfg->retry_cap_ms;
}

void config_free(struct netlogd_config *cfg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		enum key_type t = keys[i].type;

		if (t == T_PATH || t == T_OPTIONAL || t == T_HEX64 ||
		    t == T_SERVER || t == T_COLLECTION || t == T_ROUTES ||
		    t == T_LISTEN) {
			char **field = (char **)((char *)cfg + keys[i].offset);

			free(*field);
			*field = NULL;
		}
	}
}

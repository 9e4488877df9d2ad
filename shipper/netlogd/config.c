// SPDX-License-Identifier: GPL-2.0
/* netlogd.conf: a table of keys, each with its parser. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"
#include "sink-types.h"
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
	KEY(private_id_file, T_OPTIONAL),
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

static int set_sink(struct netlogd_config *cfg, const char *value,
		    const char **why)
{
	if (!sink_type_find(value)) {
		*why = "must be file, stdout or logtail";
		return -EINVAL;
	}
	cfg->sink_set = true;
	return set_string(&cfg->sink, value);
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
		return set_sink(cfg, value, why);
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

int config_set_arg(struct netlogd_config *cfg, const char *key,
		   const char *value, char *err, size_t errlen)
{
	const struct key *k = find_key(key);

	if (k && k->type == T_HEX64 && !strcmp(k->name, "private_id")) {
		snprintf(err, errlen, "%s: secrets come from files, never from the command line (others can read it in /proc): use private_id_file",
			 k->name);
		return -EPERM;
	}
	return config_set(cfg, key, value, err, errlen);
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
	cfg->sink_set = false;
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

const char *config_secret_mode_check(const struct stat *st, uid_t euid,
				     gid_t egid)
{
	if (st->st_mode & 007)
		return "readable or writable by others: chmod o-rwx it";
	if (st->st_uid && st->st_uid != euid)
		return "owned by another user: chown it to root or netlogd's user";
	if ((st->st_mode & 070) && st->st_gid && st->st_gid != egid)
		return "open to a group other than root's or netlogd's: chmod g-rwx it";
	return NULL;
}

/* @path, open as @fd, may hold a secret: 0, or -EPERM with @msg. */
static int secret_mode(int fd, const char *path, char *msg, size_t msglen)
{
	const char *why;
	struct stat st;

	if (fstat(fd, &st)) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	why = config_secret_mode_check(&st, geteuid(), getegid());
	if (!why)
		return 0;
	snprintf(msg, msglen, "%s: mode %04o, owner %u, group %u: %s", path,
		 (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_uid,
		 (unsigned int)st.st_gid, why);
	return -EPERM;
}

/*
 * A secret from a file: one line, its newline cut. The file must pass
 * config_secret_mode_check(): a token readable by others is a token given
 * away.
 */
static int read_secret(const char *path, char **secret, char *msg,
		       size_t msglen)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (secret_mode(fileno(f), path, msg, msglen)) {
		fclose(f);
		return -EINVAL;
	}
	n = getline(&line, &size, f);
	fclose(f);
	if (n <= 0) {
		free(line);
		snprintf(msg, msglen, "%s: empty", path);
		return -EINVAL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	free(*secret);
	*secret = line;
	return 0;
}

/* One of the type's keys, checked as its kind says. */
static int set_type_key(struct sink_config *sc, const struct sink_key *k,
			const char *value, const char **why, char *msg,
			size_t msglen)
{
	char **field = (char **)((char *)sc->opts + k->offset);

	switch (k->kind) {
	case SINK_KEY_PATH:
		break;
	case SINK_KEY_URL:
		if (!strncmp(value, "https://", 8) ||
		    !strncmp(value, "http://", 7))
			break;
		*why = "must be an http:// or https:// URL";
		return -EINVAL;
	case SINK_KEY_SERVER:
		return set_server(field, value, why);
	case SINK_KEY_HEX64:
		return set_hex64(field, value, why);
	case SINK_KEY_NAME:
		return set_collection(field, value, why);
	case SINK_KEY_SECRET_FILE:
		if (read_secret(value, (char **)((char *)sc->opts +
						 k->secret_offset), msg, msglen))
			return -EINVAL;
		break;
	}
	if (!*value || strpbrk(value, " \t")) {
		*why = "must be a value without blanks";
		return -EINVAL;
	}
	return set_string(field, value);
}

/* compression, retry_*, upload_timeout: bit of sc->set, or -1. */
static int common_key(const char *key)
{
	static const char *const names[] = {
		"compression", "retry_min", "retry_max", "retry_cap",
		"upload_timeout",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(key, names[i]))
			return i;
	return -1;
}

static int set_common(struct sink_config *sc, int bit, const char *key,
		      const char *value, const char **why)
{
	uint64_t *ms[] = { NULL, &sc->retry_min_ms, &sc->retry_max_ms,
			   &sc->retry_cap_ms, &sc->timeout_ms };
	int ret;

	if (!bit) {
		ret = compress_parse(value, &sc->codec);
		if (ret)
			*why = "must be zstd, gzip or none";
		else if (sc->type->codecs &&
			 !(sc->type->codecs & 1u << sc->codec))
			ret = (*why = sc->type->codecs_why, -EINVAL);
	} else {
		ret = set_number(ms[bit], find_key(key), value, why);
	}
	if (!ret)
		sc->set |= 1u << bit;
	return ret;
}

static int sink_type_set(struct sink_config *sc, const char *value,
			 const char **why)
{
	static char names[128];

	if (sc->type) {
		*why = "is given twice";
		return -EINVAL;
	}
	sc->type = sink_type_find(value);
	if (!sc->type) {
		snprintf(names, sizeof(names), "must be %s", sink_type_names());
		*why = names;
		return -EINVAL;
	}
	sc->codec = sc->type->codec;
	sc->opts = calloc(1, sc->type->opts_size);
	return sc->opts ? 0 : -ENOMEM;
}

/* The type's key @key, or NULL. */
static const struct sink_key *type_key(const struct sink_type *t,
				       const char *key)
{
	size_t i;

	for (i = 0; t && i < t->nkeys; i++)
		if (!strcmp(t->keys[i].name, key))
			return &t->keys[i];
	return NULL;
}

int config_sink_set(struct netlogd_config *cfg, struct sink_config *sc,
		    const char *key, const char *value, char *err,
		    size_t errlen)
{
	const struct sink_key *k = type_key(sc->type, key);
	int bit = common_key(key), ret;
	const char *why = NULL;
	char msg[256] = "";

	if (!strcmp(key, "type"))
		ret = sink_type_set(sc, value, &why);
	else if (!sc->type)
		ret = (why = "the section's first key must be type", -EINVAL);
	else if (bit >= 0)
		ret = set_common(sc, bit, key, value, &why);
	else if (k)
		ret = set_type_key(sc, k, value, &why, msg, sizeof(msg));
	else
		ret = (why = "unknown key for this sink type", -EINVAL);
	if (!ret && k && k->secret && !cfg->secret_key)
		cfg->secret_key = strdup(key);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: %s", key, strerror(ENOMEM));
	else if (ret && why)
		snprintf(err, errlen, "%s: %s: '%s'", key, why, value);
	else if (ret)
		snprintf(err, errlen, "%s: %s", key, msg);
	return ret;
}

int config_sink_add(struct netlogd_config *cfg, const char *name,
		    const char *type, char *err, size_t errlen)
{
	struct sink_config *sc;
	size_t i;

	if (!spool_cursor_name_valid(name)) {
		snprintf(err, errlen, "sink '%s': a name is 1 to %d of A-Z a-z 0-9 _ -",
			 name, SPOOL_CURSOR_NAME_MAX);
		return -EINVAL;
	}
	for (i = 0; i < cfg->nsinks; i++)
		if (!strcmp(cfg->sinks[i].name, name)) {
			snprintf(err, errlen, "sink '%s': defined twice", name);
			return -EINVAL;
		}
	sc = realloc(cfg->sinks, (cfg->nsinks + 1) * sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	cfg->sinks = sc;
	sc = &sc[cfg->nsinks];
	memset(sc, 0, sizeof(*sc));
	sc->name = strdup(name);
	if (!sc->name)
		return -ENOMEM;
	cfg->nsinks++;
	return type ? config_sink_set(cfg, sc, "type", type, err, errlen) : 0;
}

/* "[sink NAME]": a new section. */
static int section(struct netlogd_config *cfg, char *line, char *err,
		   size_t errlen)
{
	char *end = line + strlen(line) - 1, *name;

	if (*end != ']' || strncmp(line, "[sink", 5) ||
	    !isspace((unsigned char)line[5])) {
		snprintf(err, errlen, "expected '[sink NAME]': '%s'", line);
		return -EINVAL;
	}
	*end = '\0';
	name = trim(line + 5);
	return config_sink_add(cfg, name, NULL, err, errlen);
}

/* One line of the file, in the section @in (NULL: top level). */
static int config_line(struct netlogd_config *cfg, char *line,
		       struct sink_config **in, char *err, size_t errlen)
{
	char *key = trim(line), *value, *eq;
	int ret;

	if (!*key || *key == '#' || *key == ';')
		return 0;
	if (*key == '[') {
		ret = section(cfg, key, err, errlen);
		*in = ret ? NULL : &cfg->sinks[cfg->nsinks - 1];
		return ret;
	}
	eq = strchr(key, '=');
	if (!eq) {
		snprintf(err, errlen, "expected 'key = value': '%s'", key);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	if (*in)
		return config_sink_set(cfg, *in, key, value, err, errlen);
	ret = config_set(cfg, key, value, err, errlen);
	if (!ret && !strcmp(key, "private_id") && *value && !cfg->secret_key)
		cfg->secret_key = strdup(key);
	return ret;
}

/* A file holding an inline secret follows the rule of secret files. */
static int check_secret_file(const struct netlogd_config *cfg, FILE *f,
			     const char *path, char *err, size_t errlen)
{
	char msg[CONFIG_ERR_LEN - 64];

	if (!cfg->secret_key || !secret_mode(fileno(f), path, msg, sizeof(msg)))
		return 0;
	snprintf(err, errlen, "%s (it holds %s; or move the secret to a file)",
		 msg, cfg->secret_key);
	return -EPERM;
}

int config_load(struct netlogd_config *cfg, const char *path, char *err,
		size_t errlen)
{
	char *line = NULL, msg[CONFIG_ERR_LEN];
	struct sink_config *in = NULL;
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
		lineno++;
		ret = config_line(cfg, line, &in, msg, sizeof(msg));
		if (ret) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			break;
		}
		if (in && !in->line)
			in->line = lineno;
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: %s", path, strerror(EIO));
	}
	if (!ret)
		ret = check_secret_file(cfg, f, path, err, errlen);
	free(line);
	fclose(f);
	return ret;
}

/* A sink's options: every string its keys set. */
static void free_sink(struct sink_config *sc)
{
	size_t i;

	for (i = 0; sc->type && sc->opts && i < sc->type->nkeys; i++) {
		const struct sink_key *k = &sc->type->keys[i];

		free(*(char **)((char *)sc->opts + k->offset));
		if (k->kind == SINK_KEY_SECRET_FILE)
			free(*(char **)((char *)sc->opts + k->secret_offset));
	}
	free(sc->opts);
	free(sc->name);
}

/* The implicit sink: the top-level keys, as before sections existed. */
static int implicit_sink(struct netlogd_config *cfg, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t offset;
	} legacy[] = {
		{ "path", offsetof(struct netlogd_config, file_path) },
		{ "server", offsetof(struct netlogd_config, server) },
		{ "collection", offsetof(struct netlogd_config, collection) },
		{ "private_id", offsetof(struct netlogd_config, private_id) },
		{ "private_id_file",
		  offsetof(struct netlogd_config, private_id_file) },
		{ "domain_id", offsetof(struct netlogd_config, domain_id) },
	};
	struct sink_config *sc;
	size_t i;
	int ret;

	ret = config_sink_add(cfg, cfg->sink, cfg->sink, err, errlen);
	sc = ret ? NULL : &cfg->sinks[cfg->nsinks - 1];
	for (i = 0; sc && !ret && i < ARRAY_SIZE(legacy); i++) {
		const char *v = *(char **)((char *)cfg + legacy[i].offset);

		if (v && type_key(sc->type, legacy[i].key))
			ret = config_sink_set(cfg, sc, legacy[i].key, v, err,
					      errlen);
	}
	if (sc && !ret)
		sc->codec = cfg->compression;
	return ret;
}

/* A section's unset common keys from the top level; the type's check. */
static int finish_sink(const struct netlogd_config *cfg, struct sink_config *sc,
		       char *err, size_t errlen)
{
	char msg[CONFIG_ERR_LEN];

	if (!sc->type) {
		snprintf(err, errlen, "sink %s: no type", sc->name);
		return -EINVAL;
	}
	if (!(sc->set & 2))
		sc->retry_min_ms = cfg->retry_min_ms;
	if (!(sc->set & 4))
		sc->retry_max_ms = cfg->retry_max_ms;
	if (!(sc->set & 8))
		sc->retry_cap_ms = cfg->retry_cap_ms;
	if (!(sc->set & 16))
		sc->timeout_ms = cfg->upload_timeout_ms;
	if (sc->type->check && sc->type->check(sc->opts, msg, sizeof(msg))) {
		snprintf(err, errlen, "sink %s: %s", sc->name, msg);
		return -EINVAL;
	}
	if (sc->retry_min_ms > sc->retry_max_ms) {
		snprintf(err, errlen, "sink %s: retry_min: must be at most retry_max (%" PRIu64
			 "ms > %" PRIu64 "ms)", sc->name, sc->retry_min_ms,
			 sc->retry_max_ms);
		return -EINVAL;
	}
	return 0;
}

int config_check(struct netlogd_config *cfg, char *err, size_t errlen)
{
	size_t i;
	int ret;

	/* checked again after a change: the implicit sink is made anew */
	if (cfg->nsinks == 1 && !cfg->sinks[0].line) {
		free_sink(&cfg->sinks[0]);
		cfg->nsinks = 0;
	}
	if (cfg->retry_min_ms > cfg->retry_max_ms) {
		snprintf(err, errlen, "retry_min: must be at most retry_max (%" PRIu64
			 "ms > %" PRIu64 "ms)", cfg->retry_min_ms, cfg->retry_max_ms);
		return -EINVAL;
	}
	if (cfg->nsinks && cfg->sink_set) {
		snprintf(err, errlen, "sink: a top-level sink and [sink] sections cannot be combined; make it a section");
		return -EINVAL;
	}
	if (!cfg->nsinks) {
		if (!strcmp(cfg->sink, "logtail") && !cfg->private_id &&
		    !cfg->private_id_file) {
			snprintf(err, errlen, "private_id: the logtail sink needs one");
			return -EINVAL;
		}
		ret = implicit_sink(cfg, err, errlen);
		if (ret)
			return ret;
	}
	for (i = 0; i < cfg->nsinks; i++) {
		ret = finish_sink(cfg, &cfg->sinks[i], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

void config_upload(const struct netlogd_config *cfg, size_t i,
		   struct upload_config *up)
{
	const struct sink_config *sc = &cfg->sinks[i];

	memset(up, 0, sizeof(*up));
	up->name = sc->name;
	up->type = sc->type;
	up->opts = sc->opts;
	up->codec = sc->codec;
	up->timeout_ms = sc->timeout_ms;
	up->retry_min_ms = sc->retry_min_ms;
	up->retry_max_ms = sc->retry_max_ms;
	up->retry_cap_ms = sc->retry_cap_ms;
}

void config_free(struct netlogd_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nsinks; i++)
		free_sink(&cfg->sinks[i]);
	free(cfg->sinks);
	cfg->sinks = NULL;
	cfg->nsinks = 0;
	free(cfg->secret_key);
	cfg->secret_key = NULL;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		enum key_type t = keys[i].type;

		if (t == T_PATH || t == T_OPTIONAL || t == T_HEX64 ||
		    t == T_SERVER || t == T_COLLECTION || t == T_ROUTES ||
		    t == T_LISTEN || t == T_SINK) {
			char **field = (char **)((char *)cfg + keys[i].offset);

			free(*field);
			*field = NULL;
		}
	}
}

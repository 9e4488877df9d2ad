// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of netlogd's configuration: the documented example is the
 * defaults, every key read from a file and overridden on the command line,
 * routes checked as netlogd builds them, and each error naming the line,
 * the key and the cause.
 *
 *   test-config <netlogd.conf>
 */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check.h"
#include "tmpdir.h"
#include "config.h"
#include "sink-types.h"
#include "routes.h"
#include "upload.h"
#include "array.h"

#define PRIV "4a6f1e0b8c2d3e4f5061728394a5b6c7d8e9f001122334455667788990aabbcc"
#define DOM "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void write_conf(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	/* a file with a secret must not be readable by others */
	if (f)
		fchmod(fileno(f), 0600);

	if (!f || fputs(text, f) < 0 || fclose(f))
		die(p);
}

/* The documented example sets every key to its default. */
static void test_config_defaults_match_example(const char *example)
{
	struct netlogd_config cfg, ex;
	char err[CONFIG_ERR_LEN] = "";

	CHECK_EQ(config_init(&cfg), 0);
	CHECK_EQ(cfg.poll_period_ms, 5000);
	CHECK_EQ(cfg.nodes_refresh_ms, 60000);
	CHECK_EQ(cfg.nodes_timeout_ms, 10000);
	CHECK(cfg.nodes == NULL && cfg.nodes_command == NULL);
	CHECK(cfg.routes == NULL);
	CHECK_EQ(cfg.log_exit_flows, false);
	CHECK_STR(cfg.sink, "file");
	CHECK_STR(cfg.file_path, "/var/log/netlog/flows.jsonl");
	CHECK_STR(cfg.server, "https://log.tailscale.com");
	CHECK_STR(cfg.collection, "tailtraffic.log.tailscale.io");
	CHECK(cfg.private_id == NULL && cfg.domain_id == NULL);
	CHECK_STR(cfg.spool_dir, "/var/lib/netlog/spool");
	CHECK_EQ(cfg.spool_cap, 64 << 20);
	CHECK_EQ(cfg.retry_min_ms, 30000);
	CHECK_EQ(cfg.retry_max_ms, 60000);
	CHECK_EQ(cfg.retry_cap_ms, 300000);
	CHECK_EQ(cfg.upload_timeout_ms, 45000);
	CHECK_EQ(cfg.compression, COMPRESS_ZSTD);
	CHECK(cfg.netns == NULL && cfg.status_file == NULL);
	CHECK(cfg.metrics_textfile == NULL && cfg.metrics_listen == NULL);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), 0);

	CHECK_EQ(config_init(&ex), 0);
	CHECK_EQ(config_load(&ex, example, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "%s\n", err);
	CHECK(!memcmp(&cfg, &ex, offsetof(struct netlogd_config, nodes)));
	CHECK_EQ(ex.nodes_refresh_ms, cfg.nodes_refresh_ms);
	CHECK_EQ(ex.nodes_timeout_ms, cfg.nodes_timeout_ms);
	CHECK_STR(ex.sink, cfg.sink);
	CHECK_STR(ex.file_path, cfg.file_path);
	CHECK_STR(ex.server, cfg.server);
	CHECK_STR(ex.collection, cfg.collection);
	CHECK_STR(ex.spool_dir, cfg.spool_dir);
	CHECK_EQ(ex.spool_cap, cfg.spool_cap);
	CHECK_EQ(ex.retry_min_ms, cfg.retry_min_ms);
	CHECK_EQ(ex.retry_max_ms, cfg.retry_max_ms);
	CHECK_EQ(ex.retry_cap_ms, cfg.retry_cap_ms);
	CHECK_EQ(ex.upload_timeout_ms, cfg.upload_timeout_ms);
	CHECK_EQ(ex.compression, cfg.compression);
	CHECK_EQ(ex.log_exit_flows, cfg.log_exit_flows);
	config_free(&cfg);
	config_free(&ex);
}

static void test_config_file_values(void)
{
	struct routes *rt = NULL;
	struct netlogd_config cfg;
	struct upload_config up;
	char err[CONFIG_ERR_LEN] = "";
	const char *p = path("values.conf");

	write_conf(p,
		   "# a comment\n"
		   "   ; another\n"
		   "\n"
		   "poll_period = 500ms\n"
		   "nodes=/etc/netlog/nodes.json\n"
		   "nodes_command = tailscale status --json | jq .\n"
		   "nodes_refresh = 2m\n"
		   "routes = 10.0.0.0/8, fd00::/8 192.168.1.0/24\n"
		   "log_exit_flows = yes\n"
		   "sink = logtail\n"
		   "server = http://127.0.0.1:8080/\n"
		   "collection = test.example\n"
		   "private_id = " "4A6F1E0B8C2D3E4F5061728394A5B6C7D8E9F001122334455667788990AABBCC" "\n"
		   "domain_id = " DOM "\n"
		   "spool_cap = 1G\n"
		   "retry_min = 1\n"
		   "retry_max = 2s\n"
		   "retry_cap = 1h\n"
		   "upload_timeout = 750ms\n"
		   "compression = none\n"
		   "netns = /run/netns/gw\n"
		   "status_file = /run/netlog/status.json\n"
		   "metrics_textfile = /var/lib/prometheus/node-exporter/netlogd.prom\n"
		   "metrics_listen = [::1]:9586\n"
		   "domain_id =\n");
	CHECK_EQ(config_init(&cfg), 0);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(cfg.poll_period_ms, 500);
	CHECK_STR(cfg.nodes, "/etc/netlog/nodes.json");
	CHECK_STR(cfg.nodes_command, "tailscale status --json | jq .");
	CHECK_EQ(cfg.nodes_refresh_ms, 120000);
	CHECK_STR(cfg.routes, "10.0.0.0/8, fd00::/8 192.168.1.0/24");
	CHECK_EQ(cfg.log_exit_flows, true);
	CHECK_STR(cfg.sink, "logtail");
	CHECK_STR(cfg.private_id, PRIV);	/* lowercased */
	CHECK(cfg.domain_id == NULL);		/* emptied by the last line */
	CHECK_EQ(cfg.spool_cap, 1ULL << 30);
	CHECK_EQ(cfg.retry_min_ms, 1000);
	CHECK_EQ(cfg.retry_max_ms, 2000);
	CHECK_EQ(cfg.retry_cap_ms, 3600000);
	CHECK_EQ(cfg.upload_timeout_ms, 750);
	CHECK_EQ(cfg.compression, COMPRESS_NONE);
	CHECK_STR(cfg.netns, "/run/netns/gw");
	CHECK_STR(cfg.status_file, "/run/netlog/status.json");
	CHECK_STR(cfg.metrics_textfile,
		  "/var/lib/prometheus/node-exporter/netlogd.prom");
	CHECK_STR(cfg.metrics_listen, "[::1]:9586");
	CHECK_EQ(config_set(&cfg, "metrics-listen", "127.0.0.2:9586", err,
			    sizeof(err)), 0);
	CHECK_STR(cfg.metrics_listen, "127.0.0.2:9586");
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), 0);
	/* What the check let through, netlogd starts with. */
	CHECK_EQ(routes_build(&rt, NULL, cfg.routes, err, sizeof(err)), 0);
	routes_free(rt);
	CHECK_EQ(cfg.nsinks, 1);
	config_upload(&cfg, 0, &up);
	CHECK_EQ(up.timeout_ms, 750);
	CHECK_EQ(up.codec, COMPRESS_NONE);
	CHECK_STR(up.name, "logtail");
	CHECK(up.type == sink_type_find("logtail") && up.opts);
	CHECK_EQ(config_set(&cfg, "compression", "gzip", err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.nsinks, 1);
	config_upload(&cfg, 0, &up);
	CHECK_EQ(up.codec, COMPRESS_GZIP);

	/* command-line overrides, with dashes */
	CHECK_EQ(config_set(&cfg, "retry-min", "3s", err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "retry_min: must be at most retry_max (3000ms > 2000ms)");
	CHECK_EQ(config_set(&cfg, "private-id", "", err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "private_id: the logtail sink needs one");
	config_free(&cfg);
}

/*
 * The routes that the configuration check accepts are exactly those netlogd
 * builds at start-up, with the same message for those it refuses.
 */
static void test_config_routes_agree_with_netlogd(void)
{
	static const char *const lists[] = {
		"10.0.0.0/8, fd00::/8",		/* netlogd.conf's example */
		"10.0.0.0/8 fd00::/8",
		"10.0.0.0/8\tfd00::/8 ,192.168.0.0/16",
		" 10.0.0.0/8 ",
		"10.0.0.0/08",
		"10.0.0.0/8,,fd00::/8",
		"10.0.0.0/8 ,",
		",10.0.0.0/8",
		"10.0.0.0/8 fd00::/129",
		"10.0.0.0",
	};
	char cfg_err[CONFIG_ERR_LEN], rt_err[CONFIG_ERR_LEN];
	struct netlogd_config cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		struct routes *rt = NULL;
		int want, got;

		CHECK_EQ(config_init(&cfg), 0);
		cfg_err[0] = rt_err[0] = '\0';
		got = config_set(&cfg, "routes", lists[i], cfg_err,
				 sizeof(cfg_err));
		want = routes_build(&rt, NULL, lists[i], rt_err, sizeof(rt_err));
		if (got != want)
			fprintf(stderr, "routes '%s': config %d, netlogd %d\n",
				lists[i], got, want);
		CHECK_EQ(got, want);
		CHECK_STR(cfg_err, rt_err);
		routes_free(rt);
		config_free(&cfg);
	}
	/* The example, blank-separated and with a leading zero, exactly. */
	CHECK_EQ(config_init(&cfg), 0);
	CHECK_EQ(config_set(&cfg, "routes", "10.0.0.0/8 fd00::/8", cfg_err,
			    sizeof(cfg_err)), 0);
	CHECK_EQ(config_set(&cfg, "routes", "10.0.0.0/08", cfg_err,
			    sizeof(cfg_err)), -EINVAL);
	CHECK_STR(cfg_err, "routes: bad prefix '10.0.0.0/08': bad prefix length");
	config_free(&cfg);
}

/* @text in @p does not load: -EINVAL, "<p><want>". */
static void load_fails(const char *p, const char *text, const char *want)
{
	char err[CONFIG_ERR_LEN] = "", full[CONFIG_ERR_LEN];
	struct netlogd_config cfg;

	write_conf(p, text);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), -EINVAL);
	snprintf(full, sizeof(full), "%s%s", p, want);
	CHECK_STR(err, full);
	config_free(&cfg);
}

static void test_config_errors_name_line_key_and_cause(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "sink = file\n\n# x\nprivate_id = abc\n",
		  ":4: private_id: must be 64 hex digits: 'abc'" },
		{ "colour = blue\n", ":1: colour: unknown key" },
		{ "\npoll_period\n", ":2: expected 'key = value': 'poll_period'" },
		{ "poll_period = 5x\n",
		  ":1: poll_period: must be a duration such as 500ms, 30s, 5m or 1h: '5x'" },
		{ "poll_period = 10ms\n",
		  ":1: poll_period: must be at least 100ms: '10ms'" },
		{ "poll_period = -5s\n",
		  ":1: poll_period: must be a duration such as 500ms, 30s, 5m or 1h: '-5s'" },
		{ "retry_max = 0\n", ":1: retry_max: must be positive: '0'" },
		{ "spool_cap = 10K\n", ":1: spool_cap: must be at least 64K: '10K'" },
		{ "spool_cap = 5T\n",
		  ":1: spool_cap: must be a size in bytes with an optional K, M or G: '5T'" },
		{ "spool_cap = 99999999999999999999\n",
		  ":1: spool_cap: must be a size in bytes with an optional K, M or G: '99999999999999999999'" },
		{ "spool_cap = 99999999999G\n", ":1: spool_cap: is too large: '99999999999G'" },
		{ "sink = ipfix\n", ":1: sink: must be file, stdout or logtail: 'ipfix'" },
		{ "compression = lz4\n", ":1: compression: must be zstd, gzip or none: 'lz4'" },
		{ "compression = ZSTD\n", ":1: compression: must be zstd, gzip or none: 'ZSTD'" },
		{ "log_exit_flows = maybe\n", ":1: log_exit_flows: must be true or false: 'maybe'" },
		{ "server = log.tailscale.com\n",
		  ":1: server: must be an http:// or https:// URL without a query: 'log.tailscale.com'" },
		{ "collection = a/b\n",
		  ":1: collection: must be a host-like name such as tailtraffic.log.tailscale.io: 'a/b'" },
		{ "routes = 10.0.0.0/33\n",
		  ":1: routes: bad prefix '10.0.0.0/33': prefix length out of range for IPv4 (0-32)" },
		{ "routes = 10.0.0.1\n",
		  ":1: routes: bad prefix '10.0.0.1': missing '/length'" },
		{ "spool_dir =\n", ":1: spool_dir: must not be empty: ''" },
		{ "metrics_listen = 0.0.0.0:9586\n",
		  ":1: metrics_listen: must be a loopback address and port such as 127.0.0.1:9586 or [::1]:9586: '0.0.0.0:9586'" },
		{ "metrics_listen = [::]:9586\n",
		  ":1: metrics_listen: must be a loopback address and port such as 127.0.0.1:9586 or [::1]:9586: '[::]:9586'" },
		{ "metrics_listen = 192.168.1.1:9586\n",
		  ":1: metrics_listen: must be a loopback address and port such as 127.0.0.1:9586 or [::1]:9586: '192.168.1.1:9586'" },
		{ "metrics_listen = localhost:9586\n",
		  ":1: metrics_listen: must be a loopback address and port such as 127.0.0.1:9586 or [::1]:9586: 'localhost:9586'" },
		{ "metrics_listen = 127.0.0.1\n",
		  ":1: metrics_listen: must be a loopback address and port such as 127.0.0.1:9586 or [::1]:9586: '127.0.0.1'" },
	};
	char err[CONFIG_ERR_LEN], want[CONFIG_ERR_LEN];
	const char *p = path("bad.conf");
	struct netlogd_config cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		load_fails(p, cases[i].text, cases[i].want);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, path("missing.conf"), err, sizeof(err)),
		 -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory",
		 path("missing.conf"));
	CHECK_STR(err, want);
	CHECK_EQ(config_set(&cfg, "upload_timeout", "0s", err, sizeof(err)),
		 -EINVAL);
	CHECK_STR(err, "upload_timeout: must be positive: '0s'");
	CHECK_EQ(config_set(&cfg, "bogus", "1", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "bogus: unknown key");
	config_free(&cfg);
}

static void write_mode(const char *p, const char *text, mode_t mode)
{
	write_conf(p, text);
	if (chmod(p, mode))
		die(p);
}

/*
 * Every mistake in a [sink] section or with a secret, each with its exact
 * message: the file, the line, the key or the section, the cause.
 */
static void test_config_section_and_secret_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[sink a]\nurl = http://x/\n",
		  ":2: url: the section's first key must be type: 'http://x/'" },
		{ "[sink a]\ntype = file\nurl = http://x/\n",
		  ":3: url: unknown key for this sink type: 'http://x/'" },
		{ "[sink a]\ntype = file\ntype = file\n",
		  ":3: type: is given twice: 'file'" },
		{ "[sinks a]\n", ":1: expected '[sink NAME]': '[sinks a]'" },
		{ "[sink]\n", ":1: expected '[sink NAME]': '[sink]'" },
		{ "[sink a\n", ":1: expected '[sink NAME]': '[sink a'" },
		{ "[sink a/b]\n",
		  ":1: sink 'a/b': a name is 1 to 32 of A-Z a-z 0-9 _ -" },
		{ "[sink a]\ntype = file\n[sink a]\n",
		  ":3: sink 'a': defined twice" },
		{ "[sink a]\ntype = http\nurl = ftp://x/\n",
		  ":3: url: must be an http:// or https:// URL: 'ftp://x/'" },
		{ "[sink a]\ntype = logtail\nprivate_id = 12\n",
		  ":3: private_id: must be 64 hex digits: '12'" },
		{ "[sink a]\ntype = file\nretry_min = 0\n",
		  ":3: retry_min: must be positive: '0'" },
		{ "[sink a]\ntype = file\ncompression = lz4\n",
		  ":3: compression: must be zstd, gzip or none: 'lz4'" },
	};
	char err[CONFIG_ERR_LEN], want[CONFIG_ERR_LEN];
	const char *p = path("sect.conf");
	struct netlogd_config cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		load_fails(p, cases[i].text, cases[i].want);
	/* unknown type: the message lists what sink-types.c has */
	write_conf(p, "[sink a]\ntype = nosuch\n");
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: type: must be %s: 'nosuch'", p,
		 sink_type_names());
	CHECK_STR(err, want);
	config_free(&cfg);

	/* checked once the file is read: no type, a top-level sink, a need */
	static const struct {
		const char *text, *want;
	} late[] = {
		{ "[sink a]\n", "sink a: no type" },
		{ "sink = file\n[sink a]\ntype = file\n",
		  "sink: a top-level sink and [sink] sections cannot be combined; make it a section" },
		{ "[sink a]\ntype = http\n", "sink a: url: the http sink needs one" },
		{ "[sink a]\ntype = logtail\n",
		  "sink a: private_id: the logtail sink needs one" },
		{ "[sink a]\ntype = file\n", "sink a: path: the file sink needs one" },
		{ "[sink a]\ntype = file\npath = /x\nretry_min = 2s\nretry_max = 1s\n",
		  "sink a: retry_min: must be at most retry_max (2000ms > 1000ms)" },
	};
	for (i = 0; i < ARRAY_SIZE(late); i++) {
		write_conf(p, late[i].text);
		config_init(&cfg);
		err[0] = '\0';
		CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), 0);
		CHECK_EQ(config_check(&cfg, err, sizeof(err)), -EINVAL);
		CHECK_STR(err, late[i].want);
		config_free(&cfg);
	}
}

/* The rule of secret files, and of a configuration holding a secret. */
static void test_config_secret_mode_rule(void)
{
	static const struct {
		mode_t mode;
		uid_t uid;
		gid_t gid;
		const char *why;
	} cases[] = {
		{ 0600, 100, 200, NULL },	/* netlogd's own */
		{ 0400, 0, 0, NULL },		/* root's, netlogd may read */
		{ 0440, 0, 0, NULL },		/* LoadCredential=: 0400 + ACL */
		{ 0400, 100, 0, NULL },		/* LoadCredential= without ACLs */
		{ 0640, 0, 200, NULL },		/* group netlog */
		{ 0600, 0, 4, NULL },		/* a group without bits */
		{ 0640, 0, 4, "open to a group other than root's or netlogd's: chmod g-rwx it" },
		{ 0604, 100, 200, "readable or writable by others: chmod o-rwx it" },
		{ 0602, 0, 0, "readable or writable by others: chmod o-rwx it" },
		{ 0600, 1000, 200, "owned by another user: chown it to root or netlogd's user" },
	};
	struct stat st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why;

		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFREG | cases[i].mode;
		st.st_uid = cases[i].uid;
		st.st_gid = cases[i].gid;
		why = config_secret_mode_check(&st, 100, 200);
		if (!cases[i].why)
			CHECK(why == NULL);
		else
			CHECK_STR(why, cases[i].why);
	}
}

/* Secrets in files, checked as netlogd (root here) reads them. */
static void test_config_secret_files(void)
{
	char err[CONFIG_ERR_LEN], want[CONFIG_ERR_LEN], text[512];
	const char *p = path("secret.conf"), *tok = path("token");
	struct netlogd_config cfg;

	write_mode(tok, "Authorization: Bearer s3cret\n", 0644);
	snprintf(text, sizeof(text), "[sink h]\ntype = http\nurl = http://127.0.0.1:1/\nheader_file = %s\n",
		 tok);
	write_conf(p, text);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: header_file: %s: mode 0644, owner 0, group 0: readable or writable by others: chmod o-rwx it",
		 p, tok);
	CHECK_STR(err, want);
	config_free(&cfg);

	/* group adm (4) may not read it; root's group may (a credential) */
	if (chown(tok, 0, 4) || chmod(tok, 0640))
		die(tok);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: header_file: %s: mode 0640, owner 0, group 4: open to a group other than root's or netlogd's: chmod g-rwx it",
		 p, tok);
	CHECK_STR(err, want);
	config_free(&cfg);
	if (chown(tok, 1000, 0) || chmod(tok, 0400))
		die(tok);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: header_file: %s: mode 0400, owner 1000, group 0: owned by another user: chown it to root or netlogd's user",
		 p, tok);
	CHECK_STR(err, want);
	config_free(&cfg);
	if (chown(tok, 0, 0) || chmod(tok, 0440))
		die(tok);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);

	write_mode(tok, "Authorization Bearer\n", 0600);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "sink h: header_file: %s: must hold one 'Name: value' line",
		 tok);
	CHECK_STR(err, want);
	config_free(&cfg);

	/* an inline secret: the configuration itself follows the rule */
	write_mode(p, "[sink lt]\ntype = logtail\nprivate_id = " PRIV "\n", 0604);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), -EPERM);
	snprintf(want, sizeof(want), "%s: mode 0604, owner 0, group 0: readable or writable by others: chmod o-rwx it (it holds private_id; or move the secret to a file)",
		 p);
	CHECK_STR(err, want);
	config_free(&cfg);
	write_mode(p, "sink = logtail\nprivate_id = " PRIV "\n", 0644);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), -EPERM);
	snprintf(want, sizeof(want), "%s: mode 0644, owner 0, group 0: readable or writable by others: chmod o-rwx it (it holds private_id; or move the secret to a file)",
		 p);
	CHECK_STR(err, want);
	config_free(&cfg);
	/* /etc/netlog/netlogd.conf 0600 root, as systemd hands it over */
	if (chmod(p, 0440))
		die(p);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);
	/* without the secret, the file may be world-readable */
	write_mode(p, "sink = file\n", 0644);
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), 0);
	config_free(&cfg);
}

/* A secret on the command line is refused, with the key to use instead. */
static void test_config_no_secret_on_command_line(void)
{
	const char *idf = path("private_id");
	char err[CONFIG_ERR_LEN];
	struct netlogd_config cfg;
	struct upload_config up;

	config_init(&cfg);
	CHECK_EQ(config_set_arg(&cfg, "private-id", PRIV, err, sizeof(err)),
		 -EPERM);
	CHECK_STR(err, "private_id: secrets come from files, never from the command line (others can read it in /proc): use private_id_file");
	CHECK_EQ(config_set_arg(&cfg, "private_id", PRIV, err, sizeof(err)),
		 -EPERM);
	CHECK_STR(err, "private_id: secrets come from files, never from the command line (others can read it in /proc): use private_id_file");
	CHECK(cfg.private_id == NULL);
	write_mode(idf, PRIV "\n", 0400);
	CHECK_EQ(config_set_arg(&cfg, "sink", "logtail", err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "private_id: the logtail sink needs one");
	CHECK_EQ(config_set_arg(&cfg, "private-id-file", idf, err,
				sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.nsinks, 1);
	config_upload(&cfg, 0, &up);
	CHECK_STR(up.name, "logtail");
	config_free(&cfg);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "Usage: %s <netlogd.conf>\n", argv[0]);
		return 2;
	}
	snprintf(root, sizeof(root), "/tmp/test-config.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp");
	test_config_defaults_match_example(argv[1]);
	test_config_file_values();
	test_config_routes_agree_with_netlogd();
	test_config_errors_name_line_key_and_cause();
	test_config_section_and_secret_errors();
	test_config_secret_mode_rule();
	test_config_secret_files();
	test_config_no_secret_on_command_line();
	if (failures) {
		fprintf(stderr, "test-config: %d failures; files in %s\n",
			failures, root);
		return 1;
	}
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	printf("test-config: all passed\n");
	return 0;
}

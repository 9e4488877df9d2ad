// SPDX-License-Identifier: GPL-2.0
/*
 * netlogd: ships the kernel's flow windows as Tailscale network flow logs.
 *
 *   netlogd [-v] [-c FILE] [--KEY=VALUE...]  the daemon (see netlogd.conf(5))
 *   netlogd --replay FLOWS.json --nodes NODES.json [--routes P,...]
 *           [--log-exit-flows]             what a recorded window would ship
 *   netlogd --print-schema clickhouse [--table NAME]
 *                                          the table the clickhouse sink fills
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "config.h"
#include "daemon.h"
#include "replay.h"
#include "sink-clickhouse.h"

#define DEFAULT_CONFIG "/etc/netlog/netlogd.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: netlogd [-v] [-c FILE] [--KEY=VALUE...]\n"
		"       netlogd --replay FLOWS.json --nodes NODES.json\n"
		"               [--routes PREFIX[,PREFIX...]] [--log-exit-flows]\n"
		"       netlogd --print-schema clickhouse [--table NAME]\n\n"
		"The daemon drains netlog.ko's windows, builds Tailscale flow log\n"
		"messages, spools and uploads them. -c names the configuration\n"
		"(default " DEFAULT_CONFIG ", if present); --KEY=VALUE overrides\n"
		"any key of netlogd.conf(5), e.g. --sink=stdout --poll-period=1s.\n"
		"-v (--verbose) also logs debug lines: each window drained, each\n"
		"upload attempt.\n\n"
		"--replay prints the messages that the window in FLOWS.json\n"
		"(netlogctl flows --json) would be shipped as, one a line.\n"
		"  --nodes           node map: tailscale status --json, or netlog's own\n"
		"  --routes          extra prefixes routed through the tunnel\n"
		"  --log-exit-flows  do not anonymize exit traffic\n\n"
		"--print-schema clickhouse prints the CREATE TABLE of the rows the\n"
		"clickhouse sink inserts (--table: its name, default netlog_flows).\n");
}

static int schema_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "print-schema", required_argument, NULL, 's' },
		{ "table", required_argument, NULL, 't' },
		{ 0 }
	};
	const char *type = NULL, *table = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's') {
			type = optarg;
		} else if (c == 't') {
			table = optarg;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !type || strcmp(type, "clickhouse")) {
		log_err("--print-schema: %s '%s'", optind < argc ?
			"unexpected argument" : "no schema for the sink type",
			optind < argc ? argv[optind] : type ? type : "");
		return 2;
	}
	if (clickhouse_schema(stdout, table)) {
		log_err("--table: must be a name of A-Z a-z 0-9 _, not starting with a digit: '%s'",
			table);
		return 2;
	}
	return 0;
}

static int replay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "replay", required_argument, NULL, 'r' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "routes", required_argument, NULL, 'R' },
		{ "log-exit-flows", no_argument, NULL, 'x' },
		{ 0 }
	};
	struct replay_opts o = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.flows = optarg;
			break;
		case 'n':
			o.nodes = optarg;
			break;
		case 'R':
			o.routes = optarg;
			break;
		case 'x':
			o.log_exit_flows = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !o.nodes) {
		log_err("%s", optind < argc ?
			"unexpected argument" : "--replay needs --nodes");
		usage(stderr);
		return 2;
	}
	return replay_run(&o, stdout) ? 1 : 0;
}

/* How much -v, -vv or --verbose at @arg raises the verbosity: 0 if none. */
static int verbose_arg(const char *arg)
{
	size_t n;

	if (!strcmp(arg, "--verbose"))
		return 1;
	if (arg[0] != '-')
		return 0;
	n = strspn(arg + 1, "v");
	return n && !arg[1 + n] ? n : 0;
}

/*
 * The first pass over the arguments: -c FILE into *@path, and the
 * verbosity that -v sets, returned.
 */
static int first_pass(int argc, char **argv, const char **path)
{
	int i, verbosity = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			*path = argv[++i];
		else if (verbose_arg(argv[i]))
			verbosity += verbose_arg(argv[i]);
		else if (!strncmp(argv[i], "--", 2) && !strchr(argv[i], '='))
			i++;	/* --KEY VALUE: a value "-v" is not a flag */
	}
	return verbosity;
}

/* Every --KEY=VALUE (or --KEY VALUE) over the file: 0, or exit status 2. */
static int apply_overrides(struct netlogd_config *cfg, int argc, char **argv)
{
	char key[64], err[512];
	const char *val, *eq;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c")) {
			i++;
			continue;
		}
		if (verbose_arg(argv[i]))
			continue;
		if (strncmp(argv[i], "--", 2) || !argv[i][2]) {
			log_err("unexpected argument '%s'", argv[i]);
			usage(stderr);
			return 2;
		}
		eq = strchr(argv[i], '=');
		if (eq) {
			snprintf(key, sizeof(key), "%.*s",
				 (int)(eq - argv[i] - 2), argv[i] + 2);
			val = eq + 1;
		} else if (i + 1 < argc) {
			snprintf(key, sizeof(key), "%s", argv[i] + 2);
			val = argv[++i];
		} else {
			log_err("option '%s' needs a value", argv[i]);
			return 2;
		}
		if (config_set_arg(cfg, key, val, err, sizeof(err))) {
			log_err("--%s: %s", key, err);
			return 2;
		}
	}
	return 0;
}

/* -v and -c FILE, then every --KEY=VALUE (or --KEY VALUE) over the file. */
static int daemon_main(int argc, char **argv)
{
	const char *path = NULL;
	struct netlogd_config cfg;
	char err[512];
	sigset_t mask;
	int ret;

	/*
	 * Held from the start, so that a SIGTERM while netlogd starts is
	 * handled by the main loop (a final drain), not fatal.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	config_init(&cfg);
	log_init("netlogd", first_pass(argc, argv, &path));
	if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
		path = DEFAULT_CONFIG;
	if (path && config_load(&cfg, path, err, sizeof(err))) {
		log_err("%s", err);
		config_free(&cfg);
		return 1;
	}
	ret = apply_overrides(&cfg, argc, argv);
	if (ret) {
		config_free(&cfg);
		return ret;
	}
	if (config_check(&cfg, err, sizeof(err))) {
		log_err("%s", err);
		config_free(&cfg);
		return 1;
	}
	ret = daemon_run(&cfg);
	config_free(&cfg);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i;

	log_init("netlogd", 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--replay") ||
		    !strncmp(argv[i], "--replay=", 9))
			return replay_main(argc, argv);
		if (!strcmp(argv[i], "--print-schema") ||
		    !strncmp(argv[i], "--print-schema=", 15))
			return schema_main(argc, argv);
	}
	return daemon_main(argc, argv);
}

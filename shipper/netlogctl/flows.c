// SPDX-License-Identifier: GPL-2.0
/*
 * netlogctl flows and dump: read the live window (a peek) or drain a closed
 * one, print it, and only once it is out acknowledge it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlog.h>

#include "ctl.h"
#include "log.h"
#include "window.h"
#include "window-json.h"
#include "window-text.h"
#include "nl.h"

/* A peek walks live tables and may be interrupted by their changes. */

enum output {
	OUT_HUMAN,
	OUT_JSON,
	OUT_DUMP,
};

static void usage(FILE *f, const char *cmd)
{
	if (!strcmp(cmd, "dump")) {
		fprintf(f,
			"Usage: %s dump [--drain]\n\n"
			"Prints one tab-separated line per flow of the live window:\n"
			"  kind proto local remote tx-pkts tx-bytes rx-pkts rx-bytes\n"
			"  --drain  close the window, print it, then acknowledge it\n",
			PROG_NAME);
		return;
	}
	fprintf(f,
		"Usage: %s flows [--drain] [--json]\n\n"
		"Prints the flows of the live window without changing it.\n"
		"  --drain  close the window, print it, then acknowledge it\n"
		"  --json   one JSON object on one line\n",
		PROG_NAME);
}

static int run(const char *cmd, bool drain, enum output out)
{
	struct window w;
	struct genl_ctx *ctx;
	char what[64];
	int ret;

	ctx = ctl_open();
	if (!ctx)
		return CTL_FAIL;
	window_init(&w);
	ret = nl_window_fetch(ctx, drain, &w);
	if (ret) {
		if (ret == -EBADMSG)
			log_err("%s: malformed reply from the kernel", cmd);
		else if (ret == -EINTR)
			log_err("%s: dump interrupted by concurrent changes %d times",
				cmd, NL_WINDOW_FETCH_TRIES);
		else
			genl_perror(ctx, cmd, ret);
		goto out;
	}
	if (drain && w.nflows != w.nr)
		log_err("%s: window %" PRIu64 " announced %u flows but carried %zu",
			cmd, w.seq, w.nflows, w.nr);

	window_sort(&w);
	switch (out) {
	case OUT_HUMAN:
		window_print_table(&w, stdout);
		break;
	case OUT_JSON:
		ret = window_print_json(&w, stdout);
		if (ret) {
			log_err("%s: cannot print the flows: %s%s", cmd,
				strerror(-ret),
				drain ? "; window not acknowledged" : "");
			goto out;
		}
		break;
	case OUT_DUMP:
		window_print_dump(&w, stdout);
		break;
	}
	ret = ctl_flush_stdout();
	if (ret) {
		log_err("%s: cannot write the flows: %s%s", cmd, strerror(-ret),
			drain ? "; window not acknowledged" : "");
		goto out;
	}
	if (drain) {
		ret = nl_window_ack(ctx, w.seq);
		if (ret) {
			snprintf(what, sizeof(what), "acknowledging window %" PRIu64,
				 w.seq);
			genl_perror(ctx, what, ret);
		}
	}
out:
	window_release(&w);
	genl_close(ctx);
	return ret ? CTL_FAIL : CTL_OK;
}

static int parse(int argc, char *argv[], bool json_ok, bool *drain,
		 bool *json)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (ctl_is_help(argv[i])) {
			usage(stdout, argv[0]);
			return CTL_OK;
		}
		if (!strcmp(argv[i], "--drain"))
			*drain = true;
		else if (json_ok && !strcmp(argv[i], "--json"))
			*json = true;
		else
			return ctl_bad_arg(argv[0], argv[i]);
	}
	return -1;
}

int cmd_flows(int argc, char *argv[])
{
	bool drain = false, json = false;
	int ret = parse(argc, argv, true, &drain, &json);

	if (ret >= 0)
		return ret;
	return run("flows", drain, json ? OUT_JSON : OUT_HUMAN);
}

int cmd_dump(int argc, char *argv[])
{
	bool drain = false, json = false;
	int ret = parse(argc, argv, false, &drain, &json);

	if (ret >= 0)
		return ret;
	return run("dump", drain, OUT_DUMP);
}

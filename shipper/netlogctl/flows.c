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
#include "fmt.h"
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

static const char *kind_name(uint8_t kind)
{
	const char *name = flow_kind_name(kind);

	return name ? name : "unknown";
}

static void print_dump(const struct window *w)
{
	char local[ADDRPORT_STRLEN], remote[ADDRPORT_STRLEN];
	const struct flow *f;
	size_t i;

	for (i = 0; i < w->nr; i++) {
		f = &w->flows[i];
		addrport_format(&f->local, f->local_port, local, sizeof(local));
		addrport_format(&f->remote, f->remote_port, remote,
				sizeof(remote));
		printf("%s\t%u\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
		       "\t%" PRIu64 "\n", kind_name(f->kind), f->proto, local,
		       remote, f->tx_pkts, f->tx_bytes, f->rx_pkts,
		       f->rx_bytes);
	}
}

static int digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static void print_human(const struct window *w)
{
	char local[ADDRPORT_STRLEN], remote[ADDRPORT_STRLEN];
	char start[FMT_TIME_LEN], end[FMT_TIME_LEN], proto[4];
	int wl = 5, wr = 6, w1 = 7, w2 = 8, w3 = 7, w4 = 8;
	const struct flow *f;
	const char *name;
	size_t i;

	fmt_time(w->start_ns, start, sizeof(start));
	fmt_time(w->end_ns, end, sizeof(end));
	if (w->seq)
		printf("window %" PRIu64 ": %s to %s, %zu flows\n", w->seq,
		       start, end, w->nr);
	else
		printf("live window: %s to %s, %zu flows\n", start, end, w->nr);

	for (i = 0; i < w->nr; i++) {
		f = &w->flows[i];
		addrport_format(&f->local, f->local_port, local, sizeof(local));
		addrport_format(&f->remote, f->remote_port, remote,
				sizeof(remote));
		wl = max_int(wl, strlen(local));
		wr = max_int(wr, strlen(remote));
		w1 = max_int(w1, digits(f->tx_pkts));
		w2 = max_int(w2, digits(f->tx_bytes));
		w3 = max_int(w3, digits(f->rx_pkts));
		w4 = max_int(w4, digits(f->rx_bytes));
	}
	if (w->nr)
		printf("  %-8s  %-6s  %-*s  %-*s  %*s  %*s  %*s  %*s\n",
		       "kind", "proto", wl, "local", wr, "remote", w1,
		       "tx pkts", w2, "tx bytes", w3, "rx pkts", w4,
		       "rx bytes");
	for (i = 0; i < w->nr; i++) {
		f = &w->flows[i];
		addrport_format(&f->local, f->local_port, local, sizeof(local));
		addrport_format(&f->remote, f->remote_port, remote,
				sizeof(remote));
		name = fmt_proto(f->proto);
		if (!name) {
			snprintf(proto, sizeof(proto), "%u", f->proto);
			name = proto;
		}
		printf("  %-8s  %-6s  %-*s  %-*s  %*" PRIu64 "  %*" PRIu64
		       "  %*" PRIu64 "  %*" PRIu64 "\n", kind_name(f->kind),
		       name, wl, local, wr, remote, w1, f->tx_pkts, w2,
		       f->tx_bytes, w3, f->rx_pkts, w4, f->rx_bytes);
	}
	printf("  misses (table full): %" PRIu64 " packets, %" PRIu64 " bytes\n",
	       w->miss_table_full.pkts, w->miss_table_full.bytes);
	printf("  excluded: %" PRIu64 " packets, %" PRIu64 " bytes\n",
	       w->excluded.pkts, w->excluded.bytes);
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
		print_human(&w);
		break;
	case OUT_JSON:
		window_print_json(&w, stdout);
		break;
	case OUT_DUMP:
		print_dump(&w);
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

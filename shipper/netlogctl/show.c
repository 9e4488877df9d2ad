// SPDX-License-Identifier: GPL-2.0
/* netlogctl show: the configuration and the counters, for people. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "ctl.h"
#include "log.h"
#include "nl.h"

static void print_config(const struct nl_config *c)
{
	char str[INET6_ADDRSTRLEN];
	unsigned int i;

	printf("config:\n  devices:");
	for (i = 0; i < c->ndevices; i++) {
		printf("%s %s", i ? "," : "", c->devices[i]);
		if (i < c->nifindexes && c->ifindexes[i])
			printf(" (ifindex %u)", c->ifindexes[i]);
		else
			printf(" (absent)");
	}
	printf("%s\n  ports:", c->ndevices ? "" : " (none)");
	for (i = 0; i < c->nports; i++)
		printf("%s %u", i ? "," : "", c->ports[i]);
	printf("%s\n  exclude:", c->nports ? "" : " (none)");
	for (i = 0; i < c->nexclude; i++) {
		addr_format(&c->exclude[i], str, sizeof(str));
		printf("%s %s", i ? "," : "", str);
	}
	printf("%s\n", c->nexclude ? "" : " (none)");
	printf("  max flows: %" PRIu32 " per CPU\n", c->max_flows);
	printf("  high water: %u%%\n", c->high_water);
}

static void print_stats(const struct nl_stats *st, const struct nl_config *c)
{
	const uint64_t *v = st->val;

	printf("\nstats:\n");
	printf("  virtual: tx %" PRIu64 " packets, %" PRIu64 " bytes; rx %"
	       PRIu64 " packets, %" PRIu64 " bytes\n",
	       v[NETLOG_S_VIRT_TX_PKTS], v[NETLOG_S_VIRT_TX_BYTES],
	       v[NETLOG_S_VIRT_RX_PKTS], v[NETLOG_S_VIRT_RX_BYTES]);
	printf("  physical: tx %" PRIu64 " packets, %" PRIu64 " bytes; rx %"
	       PRIu64 " packets, %" PRIu64 " bytes\n",
	       v[NETLOG_S_PHYS_TX_PKTS], v[NETLOG_S_PHYS_TX_BYTES],
	       v[NETLOG_S_PHYS_RX_PKTS], v[NETLOG_S_PHYS_RX_BYTES]);
	printf("  flows created: %" PRIu64 "\n", v[NETLOG_S_FLOWS_CREATED]);
	printf("  live flows: %" PRIu64 " (fullest CPU table %" PRIu64
	       " of %" PRIu32 ")\n", v[NETLOG_S_LIVE_FLOWS],
	       v[NETLOG_S_LIVE_FILL_MAX], c->max_flows);
	printf("  missed, table full: %" PRIu64 " packets, %" PRIu64 " bytes\n",
	       v[NETLOG_S_MISS_TABLE_FULL_PKTS],
	       v[NETLOG_S_MISS_TABLE_FULL_BYTES]);
	printf("  excluded: %" PRIu64 " packets, %" PRIu64 " bytes\n",
	       v[NETLOG_S_EXCLUDED_PKTS], v[NETLOG_S_EXCLUDED_BYTES]);
	printf("  windows: %" PRIu64 " drained, %" PRIu64 " acknowledged\n",
	       v[NETLOG_S_WINDOWS_DRAINED], v[NETLOG_S_WINDOWS_ACKED]);
	if (v[NETLOG_S_PENDING_SEQ])
		printf("  pending window: %" PRIu64 "\n",
		       v[NETLOG_S_PENDING_SEQ]);
	else
		printf("  pending window: none\n");
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s show\n\n"
		"Shows netlog's configuration and counters in this network namespace.\n",
		PROG_NAME);
}

int cmd_show(int argc, char *argv[])
{
	struct genl_ctx *ctx;
	struct nl_stats st;
	struct nl_config c;
	const char *what;
	int ret;

	if (argc > 1) {
		if (argc == 2 && ctl_is_help(argv[1])) {
			usage(stdout);
			return CTL_OK;
		}
		return ctl_bad_arg("show", argv[1]);
	}

	ctx = ctl_open();
	if (!ctx)
		return CTL_FAIL;
	what = "show: config";
	ret = nl_config_get(ctx, &c);
	if (!ret) {
		what = "show: stats";
		ret = nl_stats_get(ctx, &st);
	}
	if (ret) {
		if (ret == -EBADMSG)
			log_err("%s: malformed reply from the kernel", what);
		else
			genl_perror(ctx, what, ret);
		genl_close(ctx);
		return CTL_FAIL;
	}
	genl_close(ctx);
	print_config(&c);
	print_stats(&st, &c);
	return ctl_flush_stdout() ? CTL_FAIL : CTL_OK;
}

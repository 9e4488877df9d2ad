// SPDX-License-Identifier: GPL-2.0
/* netlogctl stats: netlog's counters, for people or as JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "ctl.h"
#include "log.h"
#include "nl.h"
#include "array.h"

static const struct {
	int attr;
	const char *key;	/* --json */
	const char *name;	/* for people */
} stats[] = {
	{ NETLOG_S_VIRT_TX_PKTS, "virtTxPkts", "virtual tx packets" },
	{ NETLOG_S_VIRT_TX_BYTES, "virtTxBytes", "virtual tx bytes" },
	{ NETLOG_S_VIRT_RX_PKTS, "virtRxPkts", "virtual rx packets" },
	{ NETLOG_S_VIRT_RX_BYTES, "virtRxBytes", "virtual rx bytes" },
	{ NETLOG_S_PHYS_TX_PKTS, "physTxPkts", "physical tx packets" },
	{ NETLOG_S_PHYS_TX_BYTES, "physTxBytes", "physical tx bytes" },
	{ NETLOG_S_PHYS_RX_PKTS, "physRxPkts", "physical rx packets" },
	{ NETLOG_S_PHYS_RX_BYTES, "physRxBytes", "physical rx bytes" },
	{ NETLOG_S_FLOWS_CREATED, "flowsCreated", "flows created" },
	{ NETLOG_S_MISS_TABLE_FULL_PKTS, "missTableFullPkts",
	  "table-full miss packets" },
	{ NETLOG_S_MISS_TABLE_FULL_BYTES, "missTableFullBytes",
	  "table-full miss bytes" },
	{ NETLOG_S_EXCLUDED_PKTS, "excludedPkts", "excluded packets" },
	{ NETLOG_S_EXCLUDED_BYTES, "excludedBytes", "excluded bytes" },
	{ NETLOG_S_WINDOWS_DRAINED, "windowsDrained", "windows drained" },
	{ NETLOG_S_WINDOWS_ACKED, "windowsAcked", "windows acked" },
	{ NETLOG_S_LIVE_FLOWS, "liveFlows", "live flows" },
	{ NETLOG_S_LIVE_FILL_MAX, "liveFillMax", "live fill max" },
	{ NETLOG_S_PENDING_SEQ, "pendingSeq", "pending window" },
};

#define NSTATS ARRAY_SIZE(stats)

static void print_json(const struct nl_stats *st)
{
	json_object *obj = json_object_new_object();
	size_t i;

	for (i = 0; i < NSTATS; i++)
		json_object_object_add_ex(obj, stats[i].key,
					  json_object_new_uint64(st->val[stats[i].attr]),
					  JSON_C_OBJECT_ADD_KEY_IS_NEW |
					  JSON_C_OBJECT_ADD_CONSTANT_KEY);
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
}

static void print_human(const struct nl_stats *st)
{
	int width = 0;
	size_t i;

	for (i = 0; i < NSTATS; i++)
		if ((int)strlen(stats[i].name) > width)
			width = strlen(stats[i].name);
	for (i = 0; i < NSTATS; i++)
		printf("%s:%*s %" PRIu64 "\n", stats[i].name,
		       width - (int)strlen(stats[i].name), "",
		       st->val[stats[i].attr]);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s stats [--json]\n\n"
		"Prints netlog's counters for this network namespace.\n"
		"  --json  one JSON object on one line\n",
		PROG_NAME);
}

int cmd_stats(int argc, char *argv[])
{
	struct genl_ctx *ctx;
	struct nl_stats st;
	bool json = false;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (ctl_is_help(argv[i])) {
			usage(stdout);
			return CTL_OK;
		}
		if (strcmp(argv[i], "--json"))
			return ctl_bad_arg("stats", argv[i]);
		json = true;
	}

	ctx = ctl_open();
	if (!ctx)
		return CTL_FAIL;
	ret = nl_stats_get(ctx, &st);
	if (ret) {
		if (ret == -EBADMSG)
			log_err("stats: malformed reply from the kernel");
		else
			genl_perror(ctx, "stats", ret);
		genl_close(ctx);
		return CTL_FAIL;
	}
	genl_close(ctx);
	if (json)
		print_json(&st);
	else
		print_human(&st);
	return ctl_flush_stdout() ? CTL_FAIL : CTL_OK;
}

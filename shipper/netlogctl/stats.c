// SPDX-License-Identifier: GPL-2.0
/* netlogctl stats: the counters of NETLOG_CMD_GET_STATS. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <linux/genetlink.h>

#include "ctl.h"
#include "array.h"

static const struct {
	int attr;
	bool u32;
	const char *key;	/* --json */
	const char *name;	/* for people */
} stats[] = {
	{ NETLOG_S_VIRT_TX_PKTS, false, "virtTxPkts", "virtual tx packets" },
	{ NETLOG_S_VIRT_TX_BYTES, false, "virtTxBytes", "virtual tx bytes" },
	{ NETLOG_S_VIRT_RX_PKTS, false, "virtRxPkts", "virtual rx packets" },
	{ NETLOG_S_VIRT_RX_BYTES, false, "virtRxBytes", "virtual rx bytes" },
	{ NETLOG_S_PHYS_TX_PKTS, false, "physTxPkts", "physical tx packets" },
	{ NETLOG_S_PHYS_TX_BYTES, false, "physTxBytes", "physical tx bytes" },
	{ NETLOG_S_PHYS_RX_PKTS, false, "physRxPkts", "physical rx packets" },
	{ NETLOG_S_PHYS_RX_BYTES, false, "physRxBytes", "physical rx bytes" },
	{ NETLOG_S_FLOWS_CREATED, false, "flowsCreated", "flows created" },
	{ NETLOG_S_MISS_TABLE_FULL_PKTS, false, "missTableFullPkts",
	  "table-full miss packets" },
	{ NETLOG_S_MISS_TABLE_FULL_BYTES, false, "missTableFullBytes",
	  "table-full miss bytes" },
	{ NETLOG_S_EXCLUDED_PKTS, false, "excludedPkts", "excluded packets" },
	{ NETLOG_S_EXCLUDED_BYTES, false, "excludedBytes", "excluded bytes" },
	{ NETLOG_S_WINDOWS_DRAINED, false, "windowsDrained", "windows drained" },
	{ NETLOG_S_WINDOWS_ACKED, false, "windowsAcked", "windows acked" },
	{ NETLOG_S_LIVE_FLOWS, true, "liveFlows", "live flows" },
	{ NETLOG_S_LIVE_FILL_MAX, true, "liveFillMax", "live fill max" },
	{ NETLOG_S_PENDING_SEQ, false, "pendingSeq", "pending window" },
};

#define NSTATS ARRAY_SIZE(stats)

static int stats_attr_cb(const struct nlattr *attr, struct ctl_stats *st)
{
	int type = mnl_attr_get_type(attr);
	size_t i;

	for (i = 0; i < NSTATS; i++) {
		if (stats[i].attr != type)
			continue;
		if (mnl_attr_validate(attr, stats[i].u32 ? MNL_TYPE_U32 :
						      MNL_TYPE_U64) < 0)
			return -EBADMSG;
		st->val[type] = stats[i].u32 ? mnl_attr_get_u32(attr) :
					       mnl_attr_get_u64(attr);
	}
	return 0;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *nested;
	struct ctl_stats *st = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != NETLOG_A_STATS)
			continue;
		mnl_attr_for_each_nested(nested, attr) {
			if (stats_attr_cb(nested, st)) {
				errno = EBADMSG;
				return MNL_CB_ERROR;
			}
		}
	}
	return MNL_CB_OK;
}

int ctl_get_stats(struct genl_ctx *ctx, struct ctl_stats *st)
{
	struct nlmsghdr *nlh;

	memset(st, 0, sizeof(*st));
	nlh = genl_msg_start(ctx, NETLOG_CMD_GET_STATS, 0);
	return genl_request(ctx, nlh, stats_cb, st);
}

static void print_json(const struct ctl_stats *st)
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

static void print_human(const struct ctl_stats *st)
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
	struct ctl_stats st;
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
	ret = ctl_get_stats(ctx, &st);
	if (ret) {
		if (ret == -EBADMSG)
			fprintf(stderr, "%s: stats: malformed reply from the kernel\n",
				PROG_NAME);
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

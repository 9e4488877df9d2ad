// SPDX-License-Identifier: GPL-2.0
/* netlogctl show: the configuration and the counters, for people. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/genetlink.h>

#include "addr.h"
#include "ctl.h"

struct config {
	char devices[NETLOG_MAX_DEVICES][IFNAMSIZ];
	unsigned int ndevices;
	uint32_t ifindexes[NETLOG_MAX_DEVICES];
	unsigned int nifindexes;
	uint16_t ports[NETLOG_MAX_PORTS];
	unsigned int nports;
	struct netlog_addr exclude[NETLOG_MAX_EXCLUDE];
	unsigned int nexclude;
	uint32_t max_flows;
	uint8_t high_water;
};

static int parse_list(const struct nlattr *nest, struct config *c, int type)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		switch (type) {
		case NETLOG_A_DEVICES:
			if (c->ndevices == NETLOG_MAX_DEVICES ||
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
			    mnl_attr_get_payload_len(attr) > IFNAMSIZ)
				return -EBADMSG;
			snprintf(c->devices[c->ndevices++], IFNAMSIZ, "%s",
				 mnl_attr_get_str(attr));
			break;
		case NETLOG_A_DEVICE_IFINDEXES:
			if (c->nifindexes == NETLOG_MAX_DEVICES ||
			    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			c->ifindexes[c->nifindexes++] = mnl_attr_get_u32(attr);
			break;
		case NETLOG_A_PORTS:
			if (c->nports == NETLOG_MAX_PORTS ||
			    mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			c->ports[c->nports++] = mnl_attr_get_u16(attr);
			break;
		case NETLOG_A_EXCLUDE:
			if (c->nexclude == NETLOG_MAX_EXCLUDE ||
			    addr_set(&c->exclude[c->nexclude],
				     mnl_attr_get_payload(attr),
				     mnl_attr_get_payload_len(attr)))
				return -EBADMSG;
			c->nexclude++;
			break;
		}
	}
	return 0;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	struct config *c = data;
	int ret = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		int type = mnl_attr_get_type(attr);

		switch (type) {
		case NETLOG_A_DEVICES:
		case NETLOG_A_DEVICE_IFINDEXES:
		case NETLOG_A_PORTS:
		case NETLOG_A_EXCLUDE:
			ret = parse_list(attr, c, type);
			break;
		case NETLOG_A_MAX_FLOWS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				ret = -EBADMSG;
			else
				c->max_flows = mnl_attr_get_u32(attr);
			break;
		case NETLOG_A_HIGH_WATER:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				ret = -EBADMSG;
			else
				c->high_water = mnl_attr_get_u8(attr);
			break;
		}
		if (ret) {
			errno = -ret;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

static int get_config(struct genl_ctx *ctx, struct config *c)
{
	struct nlmsghdr *nlh;

	memset(c, 0, sizeof(*c));
	nlh = genl_msg_start(ctx, NETLOG_CMD_GET_CONFIG, 0);
	return genl_request(ctx, nlh, config_cb, c);
}

static void print_config(const struct config *c)
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

static void print_stats(const struct ctl_stats *st, const struct config *c)
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
	struct ctl_stats st;
	struct config c;
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
	ret = get_config(ctx, &c);
	if (!ret) {
		what = "show: stats";
		ret = ctl_get_stats(ctx, &st);
	}
	if (ret) {
		if (ret == -EBADMSG)
			fprintf(stderr, "%s: %s: malformed reply from the kernel\n",
				PROG_NAME, what);
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

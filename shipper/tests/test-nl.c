// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of lib/nl.c, the one parser of the netlog family's replies
 * and events, on messages built as uapi/linux/netlog.h describes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/genetlink.h>
#include <linux/netlog.h>

#include "check.h"
#include "values.h"
#include "addr.h"
#include "window.h"
#include "nl.h"

/* Builds a GET_FLOWS reply the way the contract describes it. */
static void put_flow(struct nlmsghdr *nlh, uint8_t kind, uint8_t proto,
		     const struct addr *l, uint16_t lport,
		     const struct addr *r, uint16_t rport, uint64_t base)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, 0);

	mnl_attr_put_u8(nlh, NETLOG_F_KIND, kind);
	mnl_attr_put_u8(nlh, NETLOG_F_PROTO, proto);
	mnl_attr_put(nlh, NETLOG_F_LOCAL_ADDR, l->len, l->bytes);
	mnl_attr_put_u16(nlh, NETLOG_F_LOCAL_PORT, lport);
	mnl_attr_put(nlh, NETLOG_F_REMOTE_ADDR, r->len, r->bytes);
	mnl_attr_put_u16(nlh, NETLOG_F_REMOTE_PORT, rport);
	mnl_attr_put_u64(nlh, NETLOG_F_TX_PKTS, base + 1);
	mnl_attr_put_u64(nlh, NETLOG_F_TX_BYTES, base + 2);
	mnl_attr_put_u64(nlh, NETLOG_F_RX_PKTS, base + 3);
	mnl_attr_put_u64(nlh, NETLOG_F_RX_BYTES, UINT64_MAX);
	mnl_attr_nest_end(nlh, nest);
}

static struct nlmsghdr *msg_start(char *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = 0x20;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	return nlh;
}

static void test_parse_dump_messages(void)
{
	static char buf1[4096], buf2[4096];
	struct addr v4a = addr("100.64.0.1"), v4b = addr("100.64.0.2");
	struct addr v6 = addr("2001:db8::2"), v4c = addr("192.0.2.1");
	struct nlattr *win, *misses, *c, *flows;
	struct window w;
	struct nlmsghdr *nlh;

	nlh = msg_start(buf1, NETLOG_CMD_GET_FLOWS);
	win = mnl_attr_nest_start(nlh, NETLOG_A_WINDOW);
	mnl_attr_put_u64(nlh, NETLOG_W_SEQ, 3);
	mnl_attr_put_u64(nlh, NETLOG_W_START_NS, 1795723200123456789ULL);
	mnl_attr_put_u64(nlh, NETLOG_W_END_NS, 1795723205200000000ULL);
	mnl_attr_put_u32(nlh, NETLOG_W_NFLOWS, 2);
	misses = mnl_attr_nest_start(nlh, NETLOG_W_MISSES);
	c = mnl_attr_nest_start(nlh, NETLOG_MISS_TABLE_FULL);
	mnl_attr_put_u64(nlh, NETLOG_C_PKTS, 5);
	mnl_attr_put_u64(nlh, NETLOG_C_BYTES, 600);
	mnl_attr_nest_end(nlh, c);
	mnl_attr_nest_end(nlh, misses);
	c = mnl_attr_nest_start(nlh, NETLOG_W_EXCLUDED);
	mnl_attr_put_u64(nlh, NETLOG_C_PKTS, 7);
	mnl_attr_put_u64(nlh, NETLOG_C_BYTES, 800);
	mnl_attr_nest_end(nlh, c);
	mnl_attr_nest_end(nlh, win);
	flows = mnl_attr_nest_start(nlh, NETLOG_A_FLOWS);
	put_flow(nlh, NETLOG_KIND_PHYSICAL, 17, &v4c, 51820, &v6, 51821, 10);
	mnl_attr_nest_end(nlh, flows);

	window_init(&w);
	CHECK(nl_window_parse_msg(nlh, &w) == MNL_CB_OK);

	/* A second message: flows only. */
	nlh = msg_start(buf2, NETLOG_CMD_GET_FLOWS);
	flows = mnl_attr_nest_start(nlh, NETLOG_A_FLOWS);
	put_flow(nlh, NETLOG_KIND_VIRTUAL, 6, &v4a, 51514, &v4b, 22, 20);
	mnl_attr_nest_end(nlh, flows);
	CHECK(nl_window_parse_msg(nlh, &w) == MNL_CB_OK);

	CHECK(w.seen);
	CHECK(w.seq == 3);
	CHECK(w.start_ns == 1795723200123456789ULL);
	CHECK(w.end_ns == 1795723205200000000ULL);
	CHECK(w.nflows == 2 && w.nr == 2);
	CHECK(w.miss_table_full.pkts == 5 && w.miss_table_full.bytes == 600);
	CHECK(w.excluded.pkts == 7 && w.excluded.bytes == 800);
	window_sort(&w);
	CHECK(w.flows[0].kind == NETLOG_KIND_VIRTUAL);
	CHECK(w.flows[0].proto == 6 && w.flows[0].local_port == 51514);
	CHECK(w.flows[0].tx_pkts == 21 && w.flows[0].tx_bytes == 22);
	CHECK(w.flows[0].rx_pkts == 23 && w.flows[0].rx_bytes == UINT64_MAX);
	CHECK(w.flows[1].kind == NETLOG_KIND_PHYSICAL);
	CHECK(w.flows[1].remote.len == 16 && w.flows[1].remote_port == 51821);
	window_release(&w);

	/* A flow with a 5-byte address is refused, not guessed at. */
	nlh = msg_start(buf1, NETLOG_CMD_GET_FLOWS);
	flows = mnl_attr_nest_start(nlh, NETLOG_A_FLOWS);
	c = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u8(nlh, NETLOG_F_KIND, 0);
	mnl_attr_put_u8(nlh, NETLOG_F_PROTO, 6);
	mnl_attr_put(nlh, NETLOG_F_LOCAL_ADDR, 5, "\1\2\3\4\5");
	mnl_attr_put(nlh, NETLOG_F_REMOTE_ADDR, 4, v4a.bytes);
	mnl_attr_nest_end(nlh, c);
	mnl_attr_nest_end(nlh, flows);
	window_init(&w);
	errno = 0;
	CHECK(nl_window_parse_msg(nlh, &w) == MNL_CB_ERROR && errno == EBADMSG);
	window_release(&w);
}

/* How test_malformed_flow_attrs() breaks a flow of put_flow()'s. */
enum flow_damage {
	FLOW_INTACT,
	FLOW_SHORT_HEADER,	/* the flow ends in 2 bytes of a header */
	FLOW_ZERO_LEN,		/* an attribute with nla_len 0 */
	FLOW_PAST_NEST,		/* the last attribute's nla_len runs past it */
	FLOW_SHORT_U64,		/* a u64 with a 4-byte payload */
	FLOW_SHORT_U16,		/* a u16 with a 1-byte payload */
	FLOWS_SHORT_HEADER,	/* the flows nest ends in 2 bytes of a header */
};

/* A GET_FLOWS message of one flow, damaged as @damage says. */
static struct nlmsghdr *damaged_flow_msg(char *buf, enum flow_damage damage)
{
	struct addr a = addr("100.64.0.1"), b = addr("100.64.0.2");
	struct nlmsghdr *nlh = msg_start(buf, NETLOG_CMD_GET_FLOWS);
	struct nlattr *flows = mnl_attr_nest_start(nlh, NETLOG_A_FLOWS);
	struct nlattr *nest, *tail;
	uint32_t u32 = 7;
	uint8_t u8 = 7;

	if (damage == FLOWS_SHORT_HEADER) {
		put_flow(nlh, NETLOG_KIND_VIRTUAL, 6, &a, 1, &b, 2, 0);
		mnl_attr_put(nlh, 0, 0, NULL);
		mnl_attr_nest_end(nlh, flows);
		flows->nla_len -= 2;
		return nlh;
	}
	nest = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u8(nlh, NETLOG_F_KIND, NETLOG_KIND_VIRTUAL);
	mnl_attr_put_u8(nlh, NETLOG_F_PROTO, 6);
	mnl_attr_put(nlh, NETLOG_F_LOCAL_ADDR, a.len, a.bytes);
	mnl_attr_put(nlh, NETLOG_F_REMOTE_ADDR, b.len, b.bytes);
	if (damage == FLOW_SHORT_U16)
		mnl_attr_put(nlh, NETLOG_F_LOCAL_PORT, 1, &u8);
	if (damage == FLOW_SHORT_U64)
		mnl_attr_put(nlh, NETLOG_F_TX_PKTS, 4, &u32);
	tail = mnl_nlmsg_get_payload_tail(nlh);
	if (damage == FLOW_SHORT_HEADER || damage == FLOW_ZERO_LEN)
		mnl_attr_put(nlh, 0, 0, NULL);
	if (damage == FLOW_PAST_NEST)
		mnl_attr_put_u64(nlh, NETLOG_F_RX_BYTES, 9);
	mnl_attr_nest_end(nlh, nest);
	if (damage == FLOW_SHORT_HEADER)
		nest->nla_len -= 2;
	if (damage == FLOW_ZERO_LEN)
		tail->nla_len = 0;
	if (damage == FLOW_PAST_NEST)
		tail->nla_len += 4;
	mnl_attr_nest_end(nlh, flows);
	return nlh;
}

/*
 * An attribute that does not fit its nest, or a fixed-size one of another
 * size, makes the whole message malformed: no flow is kept from it, and
 * none is cut short.
 */
static void test_malformed_flow_attrs(void)
{
	static char buf[1024];
	static const enum flow_damage damages[] = {
		FLOW_SHORT_HEADER, FLOW_ZERO_LEN, FLOW_PAST_NEST,
		FLOW_SHORT_U64, FLOW_SHORT_U16, FLOWS_SHORT_HEADER,
	};
	struct nlmsghdr *nlh;
	struct window w;
	size_t i;

	window_init(&w);
	CHECK(nl_window_parse_msg(damaged_flow_msg(buf, FLOW_INTACT), &w) ==
	      MNL_CB_OK);
	CHECK_EQ(w.nr, 1);
	window_release(&w);
	for (i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		window_init(&w);
		errno = 0;
		nlh = damaged_flow_msg(buf, damages[i]);
		if (nl_window_parse_msg(nlh, &w) != MNL_CB_ERROR ||
		    errno != EBADMSG) {
			fprintf(stderr, "damage %d: accepted, %zu flows\n",
				damages[i], w.nr);
			failures++;
		}
		window_release(&w);
	}
}

static void test_high_water_event(void)
{
	static char buf[1024];
	struct nl_high_water hw;
	struct nlmsghdr *nlh;
	struct nlattr *st;

	nlh = msg_start(buf, NETLOG_CMD_HIGH_WATER);
	st = mnl_attr_nest_start(nlh, NETLOG_A_STATS);
	mnl_attr_put_u32(nlh, NETLOG_S_LIVE_FLOWS, 97);
	mnl_attr_put_u32(nlh, NETLOG_S_LIVE_FILL_MAX, 49);
	/* A counter from a newer kernel is skipped. */
	mnl_attr_put_u64(nlh, NETLOG_S_MAX + 1, 7);
	mnl_attr_nest_end(nlh, st);
	mnl_attr_put_u32(nlh, NETLOG_A_MAX_FLOWS, 64);
	CHECK_EQ(nl_high_water_parse(nlh, &hw), 0);
	CHECK_EQ(hw.live_flows, 97);
	CHECK_EQ(hw.fill_max, 49);
	CHECK_EQ(hw.max_flows, 64);

	/* Any other command is not a high-water event. */
	nlh = msg_start(buf, NETLOG_CMD_GET_STATS);
	CHECK_EQ(nl_high_water_parse(nlh, &hw), -ENOMSG);

	/* A u32 counter sent as a u64 is malformed, not truncated. */
	nlh = msg_start(buf, NETLOG_CMD_HIGH_WATER);
	st = mnl_attr_nest_start(nlh, NETLOG_A_STATS);
	mnl_attr_put_u64(nlh, NETLOG_S_LIVE_FLOWS, 97);
	mnl_attr_nest_end(nlh, st);
	CHECK_EQ(nl_high_water_parse(nlh, &hw), -EBADMSG);

	nlh = msg_start(buf, NETLOG_CMD_HIGH_WATER);
	mnl_attr_put_u16(nlh, NETLOG_A_MAX_FLOWS, 64);
	CHECK_EQ(nl_high_water_parse(nlh, &hw), -EBADMSG);

	/* A counter that runs past its nest is malformed, not the end. */
	nlh = msg_start(buf, NETLOG_CMD_HIGH_WATER);
	st = mnl_attr_nest_start(nlh, NETLOG_A_STATS);
	mnl_attr_put_u32(nlh, NETLOG_S_LIVE_FLOWS, 97);
	mnl_attr_nest_end(nlh, st);
	st->nla_len -= 4;
	CHECK_EQ(nl_high_water_parse(nlh, &hw), -EBADMSG);
}

int main(void)
{
	test_parse_dump_messages();
	test_malformed_flow_attrs();
	test_high_water_event();
	return check_done("test-nl");
}

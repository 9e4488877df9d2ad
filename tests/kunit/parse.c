// SPDX-License-Identifier: GPL-2.0
/*
 * netlog_parse: a packet becomes a flow key, its packet and byte counts
 * (GSO segments, fragments, truncated transport headers).
 */

#include <linux/inet.h>
#include <linux/skbuff.h>

#include "kunit.h"

const struct netlog_test_pkt_case netlog_test_pkt_cases[] = {
	{ "ipv4 tcp", false, IPPROTO_TCP, false, false, 100, 0, 0,
	  IPPROTO_TCP, 51514, 22, 1, 152, 0 },
	{ "ipv4 udp", false, IPPROTO_UDP, false, false, 100, 0, 0,
	  IPPROTO_UDP, 51820, 41641, 1, 128, 100 },
	{ "ipv4 icmp has port 0", false, IPPROTO_ICMP, false, false, 56, 0, 0,
	  IPPROTO_ICMP, 0, 0, 1, 84, 0 },
	{ "ipv4 later fragment is proto 255", false, IPPROTO_UDP, true, false,
	  200, 0, 0, 255, 0, 0, 1, 220, 0 },
	{ "ipv4 truncated tcp is proto 0", false, IPPROTO_TCP, false, true, 0,
	  0, 0, 0, 0, 0, 1, 23, 0 },
	{ "ipv6 tcp", true, IPPROTO_TCP, false, false, 100, 0, 0,
	  IPPROTO_TCP, 51514, 22, 1, 172, 0 },
	{ "ipv6 udp", true, IPPROTO_UDP, false, false, 1000, 0, 0,
	  IPPROTO_UDP, 51820, 41641, 1, 1048, 1000 },
	{ "ipv6 icmpv6 has port 0", true, IPPROTO_ICMPV6, false, false, 56, 0,
	  0, IPPROTO_ICMPV6, 0, 0, 1, 104, 0 },
	{ "ipv6 later fragment is proto 255", true, IPPROTO_TCP, true, false,
	  300, 0, 0, 255, 0, 0, 1, 348, 0 },
	/* 2500 bytes of payload in 1000-byte segments: 52 + 1000, 1000, 500 */
	{ "ipv4 tcp gso counts segments", false, IPPROTO_TCP, false, false,
	  2500, 3, 1000, IPPROTO_TCP, 51514, 22, 3, 2656, 0 },
	{ "ipv6 tcp large, not gso", true, IPPROTO_TCP, false, false,
	  2500, 0, 0, IPPROTO_TCP, 51514, 22, 1, 2572, 0 },
};

static void pkt_case_desc(const struct netlog_test_pkt_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pkt, netlog_test_pkt_cases, pkt_case_desc);

static void parse_extracts_key(struct kunit *test)
{
	const struct netlog_test_pkt_case *c = test->param_value;
	struct sk_buff *skb = netlog_test_pkt(test, c);
	struct netlog_pkt p;

	KUNIT_ASSERT_EQ(test, netlog_parse(skb, c->v6 ? NFPROTO_IPV6 :
					   NFPROTO_IPV4, &p), 0);
	KUNIT_EXPECT_EQ(test, p.key.family, c->v6 ? AF_INET6 : AF_INET);
	KUNIT_EXPECT_EQ(test, p.key.proto, c->want_proto);
	KUNIT_EXPECT_EQ(test, ntohs(p.key.lport), c->want_sport);
	KUNIT_EXPECT_EQ(test, ntohs(p.key.rport), c->want_dport);
	KUNIT_EXPECT_EQ(test, p.pkts, c->want_pkts);
	KUNIT_EXPECT_EQ(test, p.bytes, c->want_bytes);
	KUNIT_EXPECT_EQ(test, p.udp_bytes, c->want_udp_bytes);
	if (!c->v6) {
		KUNIT_EXPECT_EQ(test, p.key.laddr.s6_addr32[0],
				in_aton("100.64.0.1"));
		KUNIT_EXPECT_EQ(test, p.key.laddr.s6_addr32[1], 0);
		KUNIT_EXPECT_EQ(test, p.key.raddr.s6_addr32[0],
				in_aton("100.64.0.2"));
	} else {
		KUNIT_EXPECT_EQ(test, p.key.raddr.s6_addr[15], 2);
	}
}

static void parse_gso_with_segs_zero_computes_them(struct kunit *test)
{
	struct netlog_test_pkt_case c = netlog_test_pkt_cases[0];
	struct sk_buff *skb;
	struct netlog_pkt p;

	c.payload = 2500;
	skb = netlog_test_pkt(test, &c);
	skb_shinfo(skb)->gso_size = 1000;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
	KUNIT_ASSERT_EQ(test, netlog_parse(skb, NFPROTO_IPV4, &p), 0);
	KUNIT_EXPECT_EQ(test, p.pkts, 3);
	KUNIT_EXPECT_EQ(test, p.bytes, 2552 + 2 * 52);
}

static struct kunit_case netlog_parse_cases[] = {
	KUNIT_CASE_PARAM(parse_extracts_key, pkt_gen_params),
	KUNIT_CASE(parse_gso_with_segs_zero_computes_them),
	{}
};

static struct kunit_suite netlog_parse_suite = {
	.name = "netlog_parse",
	.test_cases = netlog_parse_cases,
};

kunit_test_suite(netlog_parse_suite);

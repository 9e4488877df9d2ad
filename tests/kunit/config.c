// SPDX-License-Identifier: GPL-2.0
/*
 * netlog_config: the lists of a SET_CONFIG request are parsed strictly.
 */

#include <linux/skbuff.h>
#include <net/netlink.h>

#include "kunit.h"

struct list_case {
	const char *name;
	int attr;
	const char *items[NETLOG_MAX_EXCLUDE + 1];
	u8 lens[NETLOG_MAX_EXCLUDE + 1];	/* 0: strlen + 1 */
	u8 junk[4];				/* raw bytes after the items */
	u8 junk_len;
	int want;
	unsigned int want_n;
};

static const struct list_case list_cases[] = {
	{ "devices", NETLOG_A_DEVICES, { "wg0", "tailscale0" }, {}, {}, 0,
	  0, 2 },
	{ "devices then 2 junk bytes", NETLOG_A_DEVICES, { "wg0" }, {},
	  { 1, 2 }, 2, -EINVAL },
	{ "devices then a zero-length header", NETLOG_A_DEVICES, { "wg0" },
	  {}, { 0, 0, 0, 0 }, 4, -EINVAL },
	{ "devices then an item past the nest", NETLOG_A_DEVICES, { "wg0" },
	  {}, { 0xff, 0, 0, 0 }, 4, -EINVAL },
	{ "device without its NUL", NETLOG_A_DEVICES, { "wg0" }, { 3 }, {},
	  0, -EINVAL },
	{ "device '..'", NETLOG_A_DEVICES, { ".." }, {}, {}, 0, -EINVAL },
	{ "empty device list", NETLOG_A_DEVICES, {}, {}, {}, 0, 0, 0 },
	{ "9 devices", NETLOG_A_DEVICES,
	  { "a", "b", "c", "d", "e", "f", "g", "h", "i" }, {}, {}, 0, -E2BIG },
	{ "ports", NETLOG_A_PORTS, { "\x51\xca", "\xa9\xa2" }, { 2, 2 }, {},
	  0, 0, 2 },
	{ "ports then 3 junk bytes", NETLOG_A_PORTS, { "\x51\xca" }, { 2 },
	  { 9, 9, 9 }, 3, -EINVAL },
	{ "ports then a zero-length header", NETLOG_A_PORTS, { "\x51\xca" },
	  { 2 }, { 0, 0, 0, 0 }, 4, -EINVAL },
	{ "port of 3 bytes", NETLOG_A_PORTS, { "\x51\xca\x00" }, { 3 }, {}, 0,
	  -EINVAL },
	{ "port 0", NETLOG_A_PORTS, { "\x00\x00" }, { 2 }, {}, 0, -EINVAL },
	{ "excluded v4 and v6", NETLOG_A_EXCLUDE,
	  { "\x64\x64\x64\x64", "\xfd\x7a\x11\x5c\xa1\xe0\0\0\0\0\0\0\0\0\0\x53" },
	  { 4, 16 }, {}, 0, 0, 2 },
	{ "excluded then 1 junk byte", NETLOG_A_EXCLUDE, { "\x64\x64\x64\x64" },
	  { 4 }, { 7 }, 1, -EINVAL },
	{ "excluded then a zero-length header", NETLOG_A_EXCLUDE,
	  { "\x64\x64\x64\x64" }, { 4 }, { 0, 0, 0, 0 }, 4, -EINVAL },
	{ "excluded of 5 bytes", NETLOG_A_EXCLUDE, { "\x64\x64\x64\x64\x01" },
	  { 5 }, {}, 0, -EINVAL },
};

static void list_case_desc(const struct list_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(list, list_cases, list_case_desc);

static unsigned int list_count(const struct netlog_config *cfg, int attr)
{
	if (attr == NETLOG_A_DEVICES)
		return cfg->ndevs;
	if (attr == NETLOG_A_PORTS)
		return cfg->nports;
	return cfg->nexcl;
}

static void config_list_is_parsed_strictly(struct kunit *test)
{
	const struct list_case *c = test->param_value;
	struct nlattr *attrs[NETLOG_A_MAX + 1] = {};
	struct netlink_ext_ack extack = {};
	struct netlog_config *cfg = netlog_test_config(test);
	struct sk_buff *skb = alloc_skb(1024, GFP_KERNEL);
	struct nlattr *nest;
	unsigned int i;
	int ret;

	netlog_test_own_skb(test, skb);
	nest = nla_nest_start_noflag(skb, c->attr);
	for (i = 0; c->items[i]; i++) {
		u8 len = c->lens[i] ? c->lens[i] : strlen(c->items[i]) + 1;

		KUNIT_ASSERT_EQ(test, nla_put(skb, i, len, c->items[i]), 0);
	}
	skb_put_data(skb, c->junk, c->junk_len);
	nla_nest_end(skb, nest);
	attrs[c->attr] = nest;

	ret = netlog_config_parse(cfg, attrs, &extack);
	KUNIT_EXPECT_EQ(test, ret, c->want);
	if (c->want) {
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
		KUNIT_EXPECT_NOT_NULL(test, extack.bad_attr);
	} else {
		KUNIT_EXPECT_EQ(test, list_count(cfg, c->attr), c->want_n);
	}
}

static struct kunit_case netlog_config_cases[] = {
	KUNIT_CASE_PARAM(config_list_is_parsed_strictly, list_gen_params),
	{}
};

static struct kunit_suite netlog_config_suite = {
	.name = "netlog_config",
	.test_cases = netlog_config_cases,
};

kunit_test_suite(netlog_config_suite);

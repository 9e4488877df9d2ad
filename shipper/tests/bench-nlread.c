// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's readers of a live window, run inside the benchmark guest:
 *
 *   bench-nlread discard peek|drain   receive the GET_FLOWS dump, parse nothing
 *   bench-nlread parse peek|drain     netlogd's decode: nl_window_fetch()
 *   bench-nlread ct-discard           a ctnetlink dump of the conntrack table,
 *                                     received and not parsed
 *
 * A drain is acknowledged once read. Prints what was read, for the caller to
 * check against what it sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlog.h>

#include "genl.h"
#include "nl.h"
#include "window.h"

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(uint64_t *)data)++;
	return MNL_CB_OK;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static int netlog_read(bool parse, bool drain)
{
	struct genl_ctx *ctx;
	struct nlmsghdr *nlh;
	struct window w;
	uint64_t msgs = 0;
	int ret;

	ret = genl_open(&ctx, NETLOG_GENL_NAME, NETLOG_GENL_VERSION);
	if (ret) {
		genl_perror_open(NETLOG_GENL_NAME, ret);
		return 1;
	}
	window_init(&w);
	if (parse) {
		ret = nl_window_fetch(ctx, drain, &w);
	} else {
		nlh = genl_msg_start(ctx, NETLOG_CMD_GET_FLOWS, NLM_F_DUMP);
		mnl_attr_put_u32(nlh, NETLOG_A_FLAGS,
				 drain ? NETLOG_FLOWS_DRAIN : 0);
		ret = genl_request(ctx, nlh, count_cb, &msgs);
	}
	if (!ret && drain && parse)
		ret = nl_window_ack(ctx, w.seq);
	if (ret)
		genl_perror(ctx, "bench-nlread", ret);
	else if (parse)
		printf("flows %zu seq %" PRIu64 " maxrss_kb %ld\n", w.nr, w.seq,
		       maxrss_kb());
	else
		printf("messages %" PRIu64 "\n", msgs);
	window_release(&w);
	genl_close(ctx);
	return ret ? 1 : 0;
}

/* The conntrack table, dumped as `conntrack -L` asks for it, then dropped. */
static int ct_discard(void)
{
	static char buf[1 << 16];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfh;
	uint64_t msgs = 0;
	uint32_t seq = time(NULL), portid;
	int len, ret = MNL_CB_OK;

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("bench-nlread: ctnetlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = AF_INET;
	nfh->version = NFNETLINK_V0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("bench-nlread: ctnetlink send");
		return 1;
	}
	while (ret > MNL_CB_STOP) {
		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len < 0) {
			perror("bench-nlread: ctnetlink receive");
			return 1;
		}
		ret = mnl_cb_run(buf, len, seq, portid, count_cb, &msgs);
	}
	mnl_socket_close(nl);
	if (ret < 0) {
		perror("bench-nlread: ctnetlink dump");
		return 1;
	}
	printf("entries %" PRIu64 "\n", msgs);
	return 0;
}

int main(int argc, char *argv[])
{
	bool drain = argc == 3 && !strcmp(argv[2], "drain");

	if (argc == 2 && !strcmp(argv[1], "ct-discard"))
		return ct_discard();
	if (argc == 3 && (drain || !strcmp(argv[2], "peek"))) {
		if (!strcmp(argv[1], "discard"))
			return netlog_read(false, drain);
		if (!strcmp(argv[1], "parse"))
			return netlog_read(true, drain);
	}
	fprintf(stderr, "usage: bench-nlread discard|parse peek|drain\n"
		"       bench-nlread ct-discard\n");
	return 2;
}

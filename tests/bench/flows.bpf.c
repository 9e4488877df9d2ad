// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's eBPF peer: what an admin writes today to count flows, a tc
 * ingress program adding each IPv4 packet to a per-CPU hash map keyed by
 * its 5-tuple. Built with clang -target bpf, attached with tc.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_counts {
	__u64 pkts;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, struct flow_counts);
} flows SEC(".maps");

SEC("tc")
int count_flow(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct flow_key key = {};
	struct flow_counts *c, init = {};
	struct iphdr *iph;
	struct udphdr *uh;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > end)
		return TC_ACT_OK;
	key.saddr = iph->saddr;
	key.daddr = iph->daddr;
	key.proto = iph->protocol;
	/* TCP and UDP both start with the two ports. */
	if (iph->protocol == IPPROTO_UDP || iph->protocol == IPPROTO_TCP) {
		uh = (void *)iph + iph->ihl * 4;
		if ((void *)(uh + 1) <= end) {
			key.sport = uh->source;
			key.dport = uh->dest;
		}
	}
	c = bpf_map_lookup_elem(&flows, &key);
	if (!c) {
		bpf_map_update_elem(&flows, &key, &init, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&flows, &key);
		if (!c)
			return TC_ACT_OK;
	}
	c->pkts++;
	c->bytes += skb->len;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks: which packets are counted, and how a packet becomes a
 * flow key.
 *
 * Virtual traffic is counted on the configured tunnel devices: leaving at
 * POST_ROUTING (tx), arriving at LOCAL_IN or FORWARD (rx). Physical traffic
 * is UDP from or to a configured local port: sent at LOCAL_OUT (tx),
 * received at LOCAL_IN (rx). Every hook runs at NF_IP_PRI_NAT_SRC - 1: after
 * the filter tables have accepted the packet and before source NAT, so
 * outbound packets keep their pre-SNAT source and inbound packets show their
 * post-DNAT destination.
 */

#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "netlog.h"

#define NETLOG_HOOK_PRIO (NF_IP_PRI_NAT_SRC - 1)

static bool has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_DCCP;
}

/*
 * Read ports, the UDP length and the length of the headers that each GSO
 * segment repeats. An unreadable transport header makes the packet proto 0,
 * as Tailscale's parser does with truncated packets.
 */
static void parse_l4(const struct sk_buff *skb, unsigned int thoff,
		     struct netlog_pkt *p, unsigned int *hdrlen)
{
	struct tcphdr _th;
	const struct tcphdr *th;
	struct udphdr _uh;
	const struct udphdr *uh;

	*hdrlen = thoff;
	if (!has_ports(p->key.proto))
		return;
	if (p->key.proto == IPPROTO_TCP) {
		th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
		if (!th)
			goto truncated;
		p->key.lport = th->source;
		p->key.rport = th->dest;
		*hdrlen = thoff + th->doff * 4;
		return;
	}
	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	if (!uh)
		goto truncated;
	p->key.lport = uh->source;
	p->key.rport = uh->dest;
	*hdrlen = thoff + sizeof(*uh);
	if (p->key.proto == IPPROTO_UDP) {
		u16 len = ntohs(uh->len);

		p->udp_bytes = len > sizeof(*uh) ? len - sizeof(*uh) : 0;
	}
	return;
truncated:
	p->key.proto = 0;
}

/* Packets and IP bytes of a packet, or of the segments of a GSO packet. */
static void count_segments(const struct sk_buff *skb, unsigned int len,
			   unsigned int hdrlen, struct netlog_pkt *p)
{
	p->pkts = 1;
	p->bytes = len;
	if (skb_is_gso(skb)) {
		unsigned int segs = skb_shinfo(skb)->gso_segs;
		unsigned int size = skb_shinfo(skb)->gso_size;

		if (!segs && size && len > hdrlen)
			segs = DIV_ROUND_UP(len - hdrlen, size);
		if (segs > 1) {
			p->pkts = segs;
			p->bytes = len + (u64)(segs - 1) * hdrlen;
		}
		/* The UDP length field describes the first segment only. */
		if (p->key.proto == IPPROTO_UDP && len > hdrlen)
			p->udp_bytes = len - hdrlen;
	}
}

static int parse_ipv4(const struct sk_buff *skb, struct netlog_pkt *p)
{
	unsigned int noff = skb_network_offset(skb), hdrlen;
	struct iphdr _iph;
	const struct iphdr *iph;

	iph = skb_header_pointer(skb, noff, sizeof(_iph), &_iph);
	if (!iph || iph->ihl < 5)
		return -EINVAL;
	p->key.family = AF_INET;
	memcpy(&p->key.laddr, &iph->saddr, 4);
	memcpy(&p->key.raddr, &iph->daddr, 4);
	p->key.proto = iph->protocol;
	hdrlen = iph->ihl * 4;
	if (iph->frag_off & htons(IP_OFFSET)) {
		p->key.proto = IPPROTO_RAW;
		p->fragment = true;
	} else {
		parse_l4(skb, noff + iph->ihl * 4, p, &hdrlen);
		hdrlen -= noff;
	}
	count_segments(skb, skb->len - noff, hdrlen, p);
	return 0;
}

static int parse_ipv6(const struct sk_buff *skb, struct netlog_pkt *p)
{
	unsigned int noff = skb_network_offset(skb), thoff = 0, hdrlen;
	unsigned short fragoff = 0;
	struct ipv6hdr _ip6h;
	const struct ipv6hdr *ip6h;
	int proto;

	ip6h = skb_header_pointer(skb, noff, sizeof(_ip6h), &_ip6h);
	if (!ip6h)
		return -EINVAL;
	p->key.family = AF_INET6;
	p->key.laddr = ip6h->saddr;
	p->key.raddr = ip6h->daddr;
	/* ipv6_find_hdr() does not write to the skb. */
	proto = ipv6_find_hdr((struct sk_buff *)skb, &thoff, -1, &fragoff, NULL);
	if (proto < 0) {
		p->key.proto = 0;
		hdrlen = sizeof(*ip6h);
	} else if (fragoff) {
		p->key.proto = IPPROTO_RAW;
		p->fragment = true;
		hdrlen = sizeof(*ip6h);
	} else {
		p->key.proto = proto;
		parse_l4(skb, thoff, p, &hdrlen);
		hdrlen -= noff;
	}
	count_segments(skb, skb->len - noff, hdrlen, p);
	return 0;
}

/* Parse @skb into an unoriented key (local = source). */
int netlog_parse(const struct sk_buff *skb, u8 family, struct netlog_pkt *p)
{
	memset(p, 0, sizeof(*p));
	if (family == NFPROTO_IPV4)
		return parse_ipv4(skb, p);
	if (family == NFPROTO_IPV6)
		return parse_ipv6(skb, p);
	return -EAFNOSUPPORT;
}

static bool dev_configured(const struct netlog_config *cfg,
			   const struct net_device *dev)
{
	unsigned int i;

	if (!dev)
		return false;
	for (i = 0; i < cfg->ndevs; i++)
		if (cfg->ifindex[i] == dev->ifindex)
			return true;
	return false;
}

static bool port_configured(const struct netlog_config *cfg, __be16 port)
{
	u16 p = ntohs(port);
	unsigned int i;

	for (i = 0; i < cfg->nports; i++)
		if (cfg->ports[i] == p)
			return true;
	return false;
}

static void swap_sides(struct netlog_key *k)
{
	struct in6_addr a = k->laddr;
	__be16 port = k->lport;

	k->laddr = k->raddr;
	k->raddr = a;
	k->lport = k->rport;
	k->rport = port;
}

/*
 * Count @skb seen at @hooknum if it crosses a configured device or port.
 * Runs inside rcu_read_lock().
 */
void netlog_account(struct netlog_state *st, const struct netlog_config *cfg,
		    struct sk_buff *skb, u8 family, unsigned int hooknum,
		    const struct net_device *in, const struct net_device *out)
{
	enum netlog_dir dir = NETLOG_TX;
	bool virt = false, phys = false;
	struct netlog_pkt p;
	bool excluded;

	switch (hooknum) {
	case NF_INET_POST_ROUTING:
		virt = dev_configured(cfg, out);
		break;
	case NF_INET_FORWARD:
		virt = dev_configured(cfg, in);
		dir = NETLOG_RX;
		break;
	case NF_INET_LOCAL_IN:
		virt = dev_configured(cfg, in);
		phys = cfg->nports;
		dir = NETLOG_RX;
		break;
	case NF_INET_LOCAL_OUT:
		phys = cfg->nports;
		break;
	}
	if (!virt && !phys)
		return;
	if (netlog_parse(skb, family, &p))
		return;
	if (dir == NETLOG_RX)
		swap_sides(&p.key);
	if (virt) {
		p.key.kind = NETLOG_KIND_VIRTUAL;
		excluded = netlog_addr_excluded(cfg, p.key.family,
						&p.key.raddr);
		netlog_count(st, &p.key, dir, p.pkts, p.bytes, excluded);
	}
	if (phys && p.key.proto == IPPROTO_UDP &&
	    port_configured(cfg, p.key.lport)) {
		p.key.kind = NETLOG_KIND_PHYSICAL;
		netlog_count(st, &p.key, dir, p.pkts, p.udp_bytes, false);
	}
}

static unsigned int netlog_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct netlog_state *st = netlog_state_get(state->net);
	const struct netlog_config *cfg = rcu_dereference(st->cfg);

	netlog_account(st, cfg, skb, state->pf, state->hook, state->in,
		       state->out);
	return NF_ACCEPT;
}

#define NETLOG_OPS(_pf, _hooknum) {		\
	.hook = netlog_hook,			\
	.pf = _pf,				\
	.hooknum = _hooknum,			\
	.priority = NETLOG_HOOK_PRIO,		\
}

static const struct nf_hook_ops netlog_ops[] = {
	NETLOG_OPS(NFPROTO_IPV4, NF_INET_POST_ROUTING),
	NETLOG_OPS(NFPROTO_IPV4, NF_INET_FORWARD),
	NETLOG_OPS(NFPROTO_IPV4, NF_INET_LOCAL_IN),
	NETLOG_OPS(NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	NETLOG_OPS(NFPROTO_IPV6, NF_INET_POST_ROUTING),
	NETLOG_OPS(NFPROTO_IPV6, NF_INET_FORWARD),
	NETLOG_OPS(NFPROTO_IPV6, NF_INET_LOCAL_IN),
	NETLOG_OPS(NFPROTO_IPV6, NF_INET_LOCAL_OUT),
};

int netlog_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, netlog_ops, ARRAY_SIZE(netlog_ops));
}

void netlog_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, netlog_ops, ARRAY_SIZE(netlog_ops));
}

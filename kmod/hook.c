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

/* Memory compares without memcmp() calls: this runs for every packet. */
bool netlog_addr_excluded(const struct netlog_config *cfg, u8 family,
			  const struct in6_addr *a)
{
	const struct netlog_addr *x;
	unsigned int i;

	for (i = 0; i < cfg->nexcl; i++) {
		x = &cfg->excl[i];
		if (x->family != family)
			continue;
		if (family == AF_INET ? x->a.s6_addr32[0] == a->s6_addr32[0] :
		    ipv6_addr_equal(&x->a, a))
			return true;
	}
	return false;
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

/*
 * Whether an IPv4 packet can be physical traffic: UDP, a first fragment,
 * with a configured local port (@dport for received packets). Read before
 * the full parse, so that other local traffic costs two header reads.
 */
static bool maybe_physical(const struct netlog_config *cfg,
			   const struct sk_buff *skb, u8 family, bool dport)
{
	struct udphdr _uh;
	const struct udphdr *uh;
	struct iphdr _iph;
	const struct iphdr *iph;
	unsigned int noff = skb_network_offset(skb);

	if (!cfg->nports)
		return false;
	if (family != NFPROTO_IPV4)
		return true;	/* extension headers: the full parse decides */
	iph = skb_header_pointer(skb, noff, sizeof(_iph), &_iph);
	if (!iph || iph->protocol != IPPROTO_UDP ||
	    (iph->frag_off & htons(IP_OFFSET)) || iph->ihl < 5)
		return false;
	uh = skb_header_pointer(skb, noff + iph->ihl * 4, sizeof(_uh), &_uh);
	return uh && port_configured(cfg, dport ? uh->dest : uh->source);
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

/* Count @skb as virtual traffic, physical traffic, or both. */
static void account(struct netlog_state *st, const struct netlog_config *cfg,
		    struct sk_buff *skb, u8 family, enum netlog_dir dir,
		    bool virt, bool phys)
{
	struct netlog_pkt p;
	bool excluded;

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

/*
 * What each hook point counts, decided from the device or the port alone
 * before anything else of the packet is read.
 */
static void on_post_routing(struct netlog_state *st,
			    const struct netlog_config *cfg,
			    struct sk_buff *skb, u8 family,
			    const struct net_device *out)
{
	if (dev_configured(cfg, out))
		account(st, cfg, skb, family, NETLOG_TX, true, false);
}

static void on_forward(struct netlog_state *st, const struct netlog_config *cfg,
		       struct sk_buff *skb, u8 family,
		       const struct net_device *in)
{
	if (dev_configured(cfg, in))
		account(st, cfg, skb, family, NETLOG_RX, true, false);
}

static void on_local_in(struct netlog_state *st,
			const struct netlog_config *cfg, struct sk_buff *skb,
			u8 family, const struct net_device *in)
{
	bool virt = dev_configured(cfg, in);
	bool phys = maybe_physical(cfg, skb, family, true);

	if (virt || phys)
		account(st, cfg, skb, family, NETLOG_RX, virt, phys);
}

static void on_local_out(struct netlog_state *st,
			 const struct netlog_config *cfg, struct sk_buff *skb,
			 u8 family)
{
	if (maybe_physical(cfg, skb, family, false))
		account(st, cfg, skb, family, NETLOG_TX, false, true);
}

/* The hooks run inside rcu_read_lock(), with the namespace's state as @priv. */
static unsigned int hook_post_routing(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct netlog_state *st = priv;

	on_post_routing(st, rcu_dereference(st->cfg), skb, state->pf,
			state->out);
	return NF_ACCEPT;
}

static unsigned int hook_forward(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct netlog_state *st = priv;

	on_forward(st, rcu_dereference(st->cfg), skb, state->pf, state->in);
	return NF_ACCEPT;
}

static unsigned int hook_local_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct netlog_state *st = priv;

	on_local_in(st, rcu_dereference(st->cfg), skb, state->pf, state->in);
	return NF_ACCEPT;
}

static unsigned int hook_local_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct netlog_state *st = priv;

	on_local_out(st, rcu_dereference(st->cfg), skb, state->pf);
	return NF_ACCEPT;
}

/* What the hook at @hooknum does with @skb: for the KUnit suites. */
void netlog_account(struct netlog_state *st, const struct netlog_config *cfg,
		    struct sk_buff *skb, u8 family, unsigned int hooknum,
		    const struct net_device *in, const struct net_device *out)
{
	switch (hooknum) {
	case NF_INET_POST_ROUTING:
		on_post_routing(st, cfg, skb, family, out);
		break;
	case NF_INET_FORWARD:
		on_forward(st, cfg, skb, family, in);
		break;
	case NF_INET_LOCAL_IN:
		on_local_in(st, cfg, skb, family, in);
		break;
	case NF_INET_LOCAL_OUT:
		on_local_out(st, cfg, skb, family);
		break;
	}
}

#define NETLOG_OPS(_fn, _pf, _hooknum) {	\
	.hook = _fn,				\
	.pf = _pf,				\
	.hooknum = _hooknum,			\
	.priority = NETLOG_HOOK_PRIO,		\
}

static const struct nf_hook_ops netlog_ops[NETLOG_NHOOKS] = {
	NETLOG_OPS(hook_post_routing, NFPROTO_IPV4, NF_INET_POST_ROUTING),
	NETLOG_OPS(hook_forward, NFPROTO_IPV4, NF_INET_FORWARD),
	NETLOG_OPS(hook_local_in, NFPROTO_IPV4, NF_INET_LOCAL_IN),
	NETLOG_OPS(hook_local_out, NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	NETLOG_OPS(hook_post_routing, NFPROTO_IPV6, NF_INET_POST_ROUTING),
	NETLOG_OPS(hook_forward, NFPROTO_IPV6, NF_INET_FORWARD),
	NETLOG_OPS(hook_local_in, NFPROTO_IPV6, NF_INET_LOCAL_IN),
	NETLOG_OPS(hook_local_out, NFPROTO_IPV6, NF_INET_LOCAL_OUT),
};

/* The hooks carry @st as their priv, so a packet needs no lookup of it. */
int netlog_hooks_register(struct netlog_state *st)
{
	unsigned int i;

	for (i = 0; i < NETLOG_NHOOKS; i++) {
		st->ops[i] = netlog_ops[i];
		st->ops[i].priv = st;
	}
	return nf_register_net_hooks(st->net, st->ops, NETLOG_NHOOKS);
}

void netlog_hooks_unregister(struct netlog_state *st)
{
	nf_unregister_net_hooks(st->net, st->ops, NETLOG_NHOOKS);
}

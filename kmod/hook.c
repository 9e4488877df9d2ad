// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks: which packets are counted, and how a packet becomes a
 * flow key.
 *
 * Virtual traffic is counted on the configured tunnel devices: a forwarded
 * packet at FORWARD (rx from the device, tx to it), a local one at LOCAL_IN
 * (rx) or LOCAL_OUT (tx, by its route's device). Physical traffic is UDP
 * from or to a configured local port: sent at LOCAL_OUT (tx), received at
 * LOCAL_IN (rx). A forwarded packet thus crosses one netlog hook, not two.
 * Every hook runs at NF_IP_PRI_NAT_SRC - 1: after the filter tables have
 * accepted the packet and before source NAT, so outbound packets keep their
 * pre-SNAT source and inbound packets show their post-DNAT destination.
 *
 * This is the per-packet path: its helpers are forced inline, keys are
 * built in place, and nothing is read before the device or port says the
 * packet counts.
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
#include "count.h"

#define NETLOG_HOOK_PRIO (NF_IP_PRI_NAT_SRC - 1)

static __always_inline bool has_ports(u8 proto)
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
static __always_inline void parse_l4(const struct sk_buff *skb,
				     unsigned int thoff, bool rx,
				     struct netlog_pkt *p, unsigned int *hdrlen)
{
	struct tcphdr _th __uninitialized;
	const struct tcphdr *th;
	struct udphdr _uh __uninitialized;
	const struct udphdr *uh;

	*hdrlen = thoff;
	if (!has_ports(p->key.proto))
		return;
	if (p->key.proto == IPPROTO_TCP) {
		th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
		if (!th)
			goto truncated;
		p->key.lport = rx ? th->dest : th->source;
		p->key.rport = rx ? th->source : th->dest;
		*hdrlen = thoff + th->doff * 4;
		return;
	}
	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	if (!uh)
		goto truncated;
	p->key.lport = rx ? uh->dest : uh->source;
	p->key.rport = rx ? uh->source : uh->dest;
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
static __always_inline void count_segments(const struct sk_buff *skb,
					   unsigned int len,
					   unsigned int hdrlen,
					   struct netlog_pkt *p)
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

static __always_inline int parse_ipv4(const struct sk_buff *skb, bool rx,
				      struct netlog_pkt *p)
{
	unsigned int noff = skb_network_offset(skb), hdrlen;
	struct iphdr _iph __uninitialized;
	const struct iphdr *iph;

	iph = skb_header_pointer(skb, noff, sizeof(_iph), &_iph);
	if (!iph || iph->ihl < 5)
		return -EINVAL;
	p->key.family = AF_INET;
	/* The rest of each in6_addr stays zero: keys compare as memory. */
	p->key.laddr = (struct in6_addr){
		.s6_addr32 = { rx ? iph->daddr : iph->saddr },
	};
	p->key.raddr = (struct in6_addr){
		.s6_addr32 = { rx ? iph->saddr : iph->daddr },
	};
	p->key.proto = iph->protocol;
	hdrlen = iph->ihl * 4;
	if (iph->frag_off & htons(IP_OFFSET)) {
		p->key.proto = IPPROTO_RAW;
		p->fragment = true;
	} else {
		parse_l4(skb, noff + iph->ihl * 4, rx, p, &hdrlen);
		hdrlen -= noff;
	}
	count_segments(skb, skb->len - noff, hdrlen, p);
	return 0;
}

static int parse_ipv6(const struct sk_buff *skb, bool rx, struct netlog_pkt *p)
{
	unsigned int noff = skb_network_offset(skb), thoff = 0, hdrlen;
	unsigned short fragoff = 0;
	struct ipv6hdr _ip6h __uninitialized;
	const struct ipv6hdr *ip6h;
	int proto;

	ip6h = skb_header_pointer(skb, noff, sizeof(_ip6h), &_ip6h);
	if (!ip6h)
		return -EINVAL;
	p->key.family = AF_INET6;
	p->key.laddr = rx ? ip6h->daddr : ip6h->saddr;
	p->key.raddr = rx ? ip6h->saddr : ip6h->daddr;
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
		parse_l4(skb, thoff, rx, p, &hdrlen);
		hdrlen -= noff;
	}
	count_segments(skb, skb->len - noff, hdrlen, p);
	return 0;
}

/*
 * Parse @skb into a key oriented local -> remote: a received packet's
 * source is the remote side. Every byte of the key is written, pad and
 * unused address bytes as zero, without zeroing it all first.
 */
static __always_inline int parse(const struct sk_buff *skb, u8 family,
				 bool rx, struct netlog_pkt *p)
{
	p->key.kind = 0;
	p->key.pad = 0;
	p->key.lport = 0;
	p->key.rport = 0;
	p->udp_bytes = 0;
	p->fragment = false;
	if (family == NFPROTO_IPV4)
		return parse_ipv4(skb, rx, p);
	if (family == NFPROTO_IPV6)
		return parse_ipv6(skb, rx, p);
	return -EAFNOSUPPORT;
}

int netlog_parse(const struct sk_buff *skb, u8 family, struct netlog_pkt *p)
{
	return parse(skb, family, false, p);
}

/* Memory compares without memcmp() calls: this runs for every packet. */
static __always_inline bool excluded(const struct netlog_config *cfg, u8 family,
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

bool netlog_addr_excluded(const struct netlog_config *cfg, u8 family,
			  const struct in6_addr *a)
{
	return excluded(cfg, family, a);
}

static __always_inline bool dev_configured(const struct netlog_config *cfg,
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

static __always_inline bool port_configured(const struct netlog_config *cfg,
					    __be16 port)
{
	u16 p = ntohs(port);
	unsigned int i;

	for (i = 0; i < cfg->nports; i++)
		if (cfg->ports[i] == p)
			return true;
	return false;
}

/*
 * Whether a packet that is not virtual traffic can be physical: for IPv4,
 * UDP, a first fragment, with a configured local port (@dport for received
 * packets). A peek before the full parse, so that other local traffic costs
 * two header reads; account() checks the port of what it parses.
 */
static __always_inline bool maybe_physical(const struct netlog_config *cfg,
					   const struct sk_buff *skb, u8 family,
					   bool dport)
{
	struct udphdr _uh __uninitialized;
	const struct udphdr *uh;
	struct iphdr _iph __uninitialized;
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

/*
 * Count @skb as virtual traffic, physical traffic, or both. Inlined only
 * into the out-of-line functions below, one for each set of constant
 * arguments, so that the hooks' test of the device stays a few instructions
 * for the packets that are not counted and each counted path is specialized.
 */
static __always_inline void account(struct netlog_state *st,
				    const struct netlog_config *cfg,
				    struct sk_buff *skb, u8 family,
				    enum netlog_dir dir, bool virt, bool phys)
{
	/*
	 * Written before it is read, as are the header copies of the parse:
	 * not zeroed first by CONFIG_INIT_STACK_ALL_ZERO on every packet.
	 */
	struct netlog_pkt p __uninitialized;

	if (parse(skb, family, dir == NETLOG_RX, &p))
		return;
	if (virt) {
		p.key.kind = NETLOG_KIND_VIRTUAL;
		netlog_count_inline(st, &p.key, dir, p.pkts, p.bytes,
				    excluded(cfg, p.key.family, &p.key.raddr));
	}
	if (phys && p.key.proto == IPPROTO_UDP &&
	    port_configured(cfg, p.key.lport)) {
		p.key.kind = NETLOG_KIND_PHYSICAL;
		netlog_count_inline(st, &p.key, dir, p.pkts, p.udp_bytes,
				    false);
	}
}

static noinline void count_forward_rx(struct netlog_state *st,
				      const struct netlog_config *cfg,
				      struct sk_buff *skb, u8 family)
{
	account(st, cfg, skb, family, NETLOG_RX, true, false);
}

static noinline void count_forward_tx(struct netlog_state *st,
				      const struct netlog_config *cfg,
				      struct sk_buff *skb, u8 family)
{
	account(st, cfg, skb, family, NETLOG_TX, true, false);
}

static noinline void count_local(struct netlog_state *st,
				 const struct netlog_config *cfg,
				 struct sk_buff *skb, u8 family,
				 enum netlog_dir dir, bool virt, bool phys)
{
	account(st, cfg, skb, family, dir, virt, phys);
}

/*
 * What each hook point counts, decided from the device or the port alone
 * before anything else of the packet is read.
 */
static __always_inline void on_forward(struct netlog_state *st,
				       const struct netlog_config *cfg,
				       struct sk_buff *skb, u8 family,
				       const struct net_device *in,
				       const struct net_device *out)
{
	if (dev_configured(cfg, in))
		count_forward_rx(st, cfg, skb, family);
	if (dev_configured(cfg, out))
		count_forward_tx(st, cfg, skb, family);
}

static __always_inline void on_local_in(struct netlog_state *st,
					const struct netlog_config *cfg,
					struct sk_buff *skb, u8 family,
					const struct net_device *in)
{
	bool virt = dev_configured(cfg, in);
	/* A packet parsed anyway needs no peek: account() checks its port. */
	bool phys = virt ? cfg->nports : maybe_physical(cfg, skb, family, true);

	if (virt || phys)
		count_local(st, cfg, skb, family, NETLOG_RX, virt, phys);
}

/*
 * A local packet leaves by its route's device: the hooks before this one
 * (mangle, DNAT) may have rerouted it since @out was taken.
 */
static __always_inline void on_local_out(struct netlog_state *st,
					 const struct netlog_config *cfg,
					 struct sk_buff *skb, u8 family,
					 const struct net_device *out)
{
	const struct dst_entry *dst = skb_dst(skb);
	bool virt = dev_configured(cfg, dst ? dst->dev : out);
	bool phys = virt ? cfg->nports : maybe_physical(cfg, skb, family, false);

	if (virt || phys)
		count_local(st, cfg, skb, family, NETLOG_TX, virt, phys);
}

/* The hooks run inside rcu_read_lock(), with the namespace's state as @priv. */
static unsigned int hook_forward(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct netlog_state *st = priv;

	on_forward(st, rcu_dereference(st->cfg), skb, state->pf, state->in,
		   state->out);
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

	on_local_out(st, rcu_dereference(st->cfg), skb, state->pf,
		     state->out);
	return NF_ACCEPT;
}

/* What the hook at @hooknum does with @skb: for the KUnit suites. */
void netlog_account(struct netlog_state *st, const struct netlog_config *cfg,
		    struct sk_buff *skb, u8 family, unsigned int hooknum,
		    const struct net_device *in, const struct net_device *out)
{
	switch (hooknum) {
	case NF_INET_FORWARD:
		on_forward(st, cfg, skb, family, in, out);
		break;
	case NF_INET_LOCAL_IN:
		on_local_in(st, cfg, skb, family, in);
		break;
	case NF_INET_LOCAL_OUT:
		on_local_out(st, cfg, skb, family, out);
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
	NETLOG_OPS(hook_forward, NFPROTO_IPV4, NF_INET_FORWARD),
	NETLOG_OPS(hook_local_in, NFPROTO_IPV4, NF_INET_LOCAL_IN),
	NETLOG_OPS(hook_local_out, NFPROTO_IPV4, NF_INET_LOCAL_OUT),
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

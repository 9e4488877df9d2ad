// SPDX-License-Identifier: GPL-2.0
/*
 * Tailscale netlogtype.Message records from a window of flows.
 *
 * Tailscale builds a record as packets arrive and flushes it before a new
 * connection could push its JSON past 256 KiB. netlogd gets a whole window
 * at once, so it does the same in one pass: every flow becomes a connection
 * entry (classified, physical flows rewritten, exit traffic anonymized),
 * entries that share a key are summed, and the entries, grouped by the
 * nodes they name, are cut into messages with Tailscale's upper-bound
 * accounting. Each message is then sorted as toMessage sorts it. Every value
 * is built and serialized by json-c; only the brackets and commas of the
 * traffic arrays are written here (see run_to_json()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>
#include <json-c/printbuf.h>

#include "fmt.h"
#include "record.h"

/* len of `"n0123456789abcdefCNTRL"`, the node ID MinMessageJSONSize holds */
#define MIN_MESSAGE_ID_QUOTED 24

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The message arrays, in their JSON order. */
enum section {
	SEC_VIRTUAL,
	SEC_SUBNET,
	SEC_EXIT,
	SEC_PHYSICAL,
	NR_SECTIONS
};

static const char *const section_key[NR_SECTIONS] = {
	[SEC_VIRTUAL] = "virtualTraffic",
	[SEC_SUBNET] = "subnetTraffic",
	[SEC_EXIT] = "exitTraffic",
	[SEC_PHYSICAL] = "physicalTraffic",
};

/*
 * An entry's key, laid out so that memcmp() orders entries as Go's
 * compareConnCnts does within each array (AddrPort.Compare of src, of dst,
 * then proto), arrays in JSON order: section, then for src and dst the
 * family (0 for the zero AddrPort, 1 IPv4, 2 IPv6), 16 address bytes and
 * the port big-endian, then proto.
 */
enum {
	K_SECTION = 0,
	K_SRC = 1,
	K_DST = 20,
	K_PROTO = 39,
	KEY_LEN = 40,
	/* within a side */
	K_FAMILY = 0,
	K_ADDR = 1,
	K_PORT = 17,
};

/* One netlogtype.ConnectionCounts and the nodes its addresses belong to. */
struct conn {
	uint8_t key[KEY_LEN];
	uint32_t src_node, dst_node;	/* node index + 1, 0 for none */
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
};

/* The members of a ConnectionCounts object, in their JSON order. */
enum member {
	M_PROTO,
	M_SRC,
	M_DST,
	M_TX_PKTS,
	M_TX_BYTES,
	M_RX_PKTS,
	M_RX_BYTES,
	NR_MEMBERS
};

static const char *const member_key[NR_MEMBERS] = {
	"proto", "src", "dst", "txPkts", "txBytes", "rxPkts", "rxBytes",
};

/*
 * A ConnectionCounts object for one set of present members (omitzero
 * decides which), reused for every entry of that shape: json-c serializes
 * it after its values are set, without a malloc per entry.
 */
struct entry_tmpl {
	json_object *obj;
	json_object *val[NR_MEMBERS];
};

/*
 * The text of the last address seen on one side: consecutive entries
 * mostly share their src (self), so inet_ntop() runs once per change.
 */
struct side_text {
	uint8_t side[K_PORT];	/* family and address, as in the key */
	char text[INET6_ADDRSTRLEN + 2];
	size_t len;
};

/* The entries of one traffic array, for its serializer. */
struct run {
	struct builder *b;
	size_t first, end;
};

struct builder {
	const struct netlog_window *w;
	const struct nodemap *nm;
	const struct nodemap_node *self;
	record_emit_fn emit;
	void *arg;
	struct record_stats *st;
	struct conn *conns;
	size_t nconns;
	uint32_t *stamp;	/* per node: the message that holds it */
	uint32_t *nodes;	/* the dstNodes of the message being cut */
	size_t nnodes;
	struct entry_tmpl tmpl[1 << NR_MEMBERS];
	struct side_text text[2];	/* last src and dst formatted */
};

static void key_side(uint8_t *k, const struct netlog_addr *a, uint16_t port)
{
	if (!a->len)
		return;		/* the zero AddrPort: all zero */
	k[K_FAMILY] = a->len == 4 ? 1 : 2;
	memcpy(k + K_ADDR, a->bytes, a->len);
	k[K_PORT] = port >> 8;
	k[K_PORT + 1] = port;
}

static void side_of(const uint8_t *k, struct netlog_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	a->len = k[K_FAMILY] == 1 ? 4 : k[K_FAMILY] == 2 ? 16 : 0;
	memcpy(a->bytes, k + K_ADDR, a->len);
	*port = k[K_PORT] << 8 | k[K_PORT + 1];
}

static void add(json_object *obj, const char *key, json_object *val)
{
	json_object_object_add_ex(obj, key, val,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW |
				  JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

static void add_str(json_object *obj, const char *key,
		    const struct nodemap_str *s)
{
	if (s->len)
		add(obj, key, json_object_new_string_len(s->s, s->len));
}

static json_object *addr_json(const struct netlog_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	addr_format(a, buf, sizeof(buf));
	return json_object_new_string(buf);
}

json_object *record_node_json(const struct nodemap_node *n)
{
	json_object *obj = json_object_new_object(), *arr;
	size_t i;

	add(obj, "nodeId", json_object_new_string_len(n->id.s, n->id.len));
	add_str(obj, "name", &n->name);
	if (n->addr4.len || n->addr6.len) {
		arr = json_object_new_array_ext(2);
		if (n->addr4.len)
			json_object_array_add(arr, addr_json(&n->addr4));
		if (n->addr6.len)
			json_object_array_add(arr, addr_json(&n->addr6));
		add(obj, "addresses", arr);
	}
	add_str(obj, "os", &n->os);
	add_str(obj, "user", &n->user);
	if (n->ntags) {
		arr = json_object_new_array_ext(n->ntags);
		for (i = 0; i < n->ntags; i++)
			json_object_array_add(arr, json_object_new_string_len(
					n->tags[i].s, n->tags[i].len));
		add(obj, "tags", arr);
	}
	return obj;
}

static struct entry_tmpl *tmpl_get(struct builder *b, unsigned int mask)
{
	/* room for the longest "[v6]:port" so that set_string never grows */
	static const char wide[ADDRPORT_STRLEN] = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535";
	struct entry_tmpl *t = &b->tmpl[mask];
	json_object *v;
	unsigned int m;

	if (t->obj)
		return t;
	t->obj = json_object_new_object();
	if (!t->obj)
		return NULL;
	for (m = 0; m < NR_MEMBERS; m++) {
		if (!(mask & 1u << m))
			continue;
		if (m == M_PROTO)
			v = json_object_new_int(0);
		else if (m == M_SRC || m == M_DST)
			v = json_object_new_string_len(wide, sizeof(wide) - 1);
		else
			v = json_object_new_uint64(0);
		if (!v)
			return NULL;
		add(t->obj, member_key[m], v);
		t->val[m] = v;
	}
	return t;
}

/* "a.b.c.d:port" or "[v6]:port" as addrport_format() writes it. */
static int set_addrport(json_object *v, struct side_text *t, const uint8_t *k)
{
	char buf[ADDRPORT_STRLEN], *p;
	unsigned int port = k[K_PORT] << 8 | k[K_PORT + 1];
	struct netlog_addr a;
	uint16_t unused;

	if (!t->len || memcmp(t->side, k, K_PORT)) {
		side_of(k, &a, &unused);
		if (a.len == 16) {
			t->text[0] = '[';
			addr_format(&a, t->text + 1, sizeof(t->text) - 2);
			t->len = strlen(t->text);
			t->text[t->len++] = ']';
		} else {
			addr_format(&a, t->text, sizeof(t->text));
			t->len = strlen(t->text);
		}
		memcpy(t->side, k, K_PORT);
	}
	memcpy(buf, t->text, t->len);
	p = buf + t->len;
	*p++ = ':';
	if (port >= 10000)
		*p++ = '0' + port / 10000;
	if (port >= 1000)
		*p++ = '0' + port / 1000 % 10;
	if (port >= 100)
		*p++ = '0' + port / 100 % 10;
	if (port >= 10)
		*p++ = '0' + port / 10 % 10;
	*p++ = '0' + port % 10;
	return json_object_set_string_len(v, buf, p - buf) ? 0 : -ENOMEM;
}

/* One entry, through the template of its shape, appended to @pb. */
static int entry_json(struct builder *b, const struct conn *c,
		      struct printbuf *pb, int flags)
{
	const uint64_t counts[4] = {
		c->tx_pkts, c->tx_bytes, c->rx_pkts, c->rx_bytes,
	};
	unsigned int mask = 0, i;
	struct entry_tmpl *t;
	const char *json;
	size_t len;

	/* omitzero, member by member */
	if (c->key[K_PROTO])
		mask |= 1u << M_PROTO;
	if (c->key[K_SRC + K_FAMILY])
		mask |= 1u << M_SRC;
	if (c->key[K_DST + K_FAMILY])
		mask |= 1u << M_DST;
	for (i = 0; i < 4; i++)
		if (counts[i])
			mask |= 1u << (M_TX_PKTS + i);
	t = tmpl_get(b, mask);
	if (!t)
		return -ENOMEM;
	if (mask & 1u << M_PROTO)
		json_object_set_int(t->val[M_PROTO], c->key[K_PROTO]);
	if ((mask & 1u << M_SRC) &&
	    set_addrport(t->val[M_SRC], &b->text[0], c->key + K_SRC))
		return -ENOMEM;
	if ((mask & 1u << M_DST) &&
	    set_addrport(t->val[M_DST], &b->text[1], c->key + K_DST))
		return -ENOMEM;
	for (i = 0; i < 4; i++)
		if (counts[i])
			json_object_set_uint64(t->val[M_TX_PKTS + i], counts[i]);
	json = json_object_to_json_string_length(t->obj, flags, &len);
	if (!json || printbuf_memappend(pb, json, len) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * json-c serializer of a traffic array: a message holds up to a thousand
 * entries, so they are not separate trees but one reused object each. Only
 * the brackets and commas between json-c's output are written here.
 */
static int run_to_json(json_object *jso, struct printbuf *pb, int level,
		       int flags)
{
	struct run *r = json_object_get_userdata(jso);
	size_t i;

	(void)level;
	if (printbuf_memappend(pb, "[", 1) < 0)
		return -1;
	for (i = r->first; i < r->end; i++) {
		if (i > r->first && printbuf_memappend(pb, ",", 1) < 0)
			return -1;
		if (entry_json(r->b, &r->b->conns[i], pb, flags))
			return -1;
	}
	return printbuf_memappend(pb, "]", 1) < 0 ? -1 : 0;
}

static uint32_t node_ref(const struct nodemap_node *n)
{
	return n ? n->index + 1 : 0;
}

/* Tailscale's addNewVirtConnLocked classification, then toMessage's scrub. */
static void virtual_conn(struct builder *b, const struct routes *rt,
			 bool anonymize, const struct netlog_flow *f,
			 struct conn *c)
{
	const struct nodemap_node *src, *dst;
	bool src_is_self;
	uint8_t section;

	src = nodemap_by_addr(b->nm, &f->local);
	dst = nodemap_by_addr(b->nm, &f->remote);
	src_is_self = src == b->self;
	if (src_is_self && dst) {
		section = SEC_VIRTUAL;
		b->st->virtual_flows++;
	} else if (src_is_self) {
		section = routes_contains(rt, &f->remote) ? SEC_SUBNET : SEC_EXIT;
	} else if (dst) {
		section = routes_contains(rt, &f->local) ? SEC_SUBNET : SEC_EXIT;
	} else {
		section = SEC_EXIT;	/* unknownTraffic */
		b->st->unknown_flows++;
	}
	if (section == SEC_SUBNET)
		b->st->subnet_flows++;
	else if (section == SEC_EXIT && (src || dst))
		b->st->exit_flows++;
	c->src_node = node_ref(src);
	c->dst_node = node_ref(dst);
	c->key[K_SECTION] = section;
	if (section == SEC_EXIT && anonymize) {
		/*
		 * No protocol, no ports, and only the sides that are
		 * Tailscale nodes keep their address.
		 */
		if (src)
			key_side(c->key + K_SRC, &f->local, 0);
		if (dst)
			key_side(c->key + K_DST, &f->remote, 0);
		return;
	}
	key_side(c->key + K_SRC, &f->local, f->local_port);
	key_side(c->key + K_DST, &f->remote, f->remote_port);
	c->key[K_PROTO] = f->proto;
}

/*
 * magicsock's view: src is the peer's first Tailscale address with port 0,
 * dst the underlay endpoint, no protocol. An endpoint of no known peer keeps
 * the zero src, so its traffic is still counted and visibly unattributed.
 */
static void physical_conn(struct builder *b, const struct netlog_flow *f,
			  struct conn *c)
{
	const struct nodemap_node *peer;

	peer = nodemap_by_endpoint(b->nm, &f->remote, f->remote_port);
	c->key[K_SECTION] = SEC_PHYSICAL;
	key_side(c->key + K_DST, &f->remote, f->remote_port);
	b->st->physical_flows++;
	if (!peer) {
		b->st->physical_unmatched++;
		return;
	}
	if (peer->naddrs)
		key_side(c->key + K_SRC, &peer->addrs[0], 0);
	c->src_node = node_ref(peer);
}

/*
 * The order entries are cut into messages in: grouped by the nodes they
 * name (the peer, then the other non-self node), then by key. Which entries
 * share a message is free, and grouping keeps a peer's node information in
 * few messages rather than repeated in all of them; each message is sorted
 * by key again before it is written.
 */
enum {
	G_PEER = 0,
	G_OTHER = 4,
	G_KEY = 8,
	SORT_KEY_LEN = G_KEY + KEY_LEN,
};

/* An entry's cutting order, and where the entry is. */
struct sort_ent {
	uint8_t key[SORT_KEY_LEN];
	uint32_t idx;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void sort_key(const struct builder *b, const struct conn *c,
		     uint8_t *k)
{
	uint32_t self = b->self->index + 1, peer = 0, other = 0;

	if (c->dst_node && c->dst_node != self)
		peer = c->dst_node;
	if (c->src_node && c->src_node != self) {
		if (peer)
			other = c->src_node;
		else
			peer = c->src_node;
	}
	put_be32(k + G_PEER, peer ?
		 nodemap_node(b->nm, peer - 1)->rank + 1 : 0);
	put_be32(k + G_OTHER, other ?
		 nodemap_node(b->nm, other - 1)->rank + 1 : 0);
	memcpy(k + G_KEY, c->key, KEY_LEN);
}

/*
 * LSD radix sort by key byte, last byte first. All the byte histograms
 * come from one pass, and a byte that is the same in every key (IPv4's
 * unused address bytes, the family, often the section) costs no pass.
 */
static int radix_sort(struct sort_ent **v, size_t n)
{
	struct sort_ent *src = *v, *dst, *t;
	size_t (*count)[256];
	size_t i, sum, c;
	int byte;

	count = calloc(SORT_KEY_LEN, sizeof(*count));
	dst = malloc(n * sizeof(*dst));
	if (!count || !dst) {
		free(count);
		free(dst);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		for (byte = 0; byte < SORT_KEY_LEN; byte++)
			count[byte][src[i].key[byte]]++;
	for (byte = SORT_KEY_LEN - 1; byte >= 0; byte--) {
		if (count[byte][src[0].key[byte]] == n)
			continue;
		for (i = 0, sum = 0; i < 256; i++) {
			c = count[byte][i];
			count[byte][i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[byte][src[i].key[byte]]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	free(count);
	free(dst);
	*v = src;
	return 0;
}

/*
 * Puts the entries in cutting order and sums those that share a key
 * (Counts.Add wraps around like Go's uint64); equal keys name the same
 * nodes, so they end up next to each other.
 */
static int merge_conns(struct builder *b)
{
	struct conn *sorted, *last = NULL;
	struct sort_ent *v;
	size_t i, n = 0;
	int ret;

	v = malloc(b->nconns * sizeof(*v));
	sorted = malloc(b->nconns * sizeof(*sorted));
	if (!v || !sorted) {
		free(v);
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0; i < b->nconns; i++) {
		sort_key(b, &b->conns[i], v[i].key);
		v[i].idx = i;
	}
	ret = radix_sort(&v, b->nconns);
	if (ret) {
		free(v);
		free(sorted);
		return ret;
	}
	for (i = 0; i < b->nconns; i++) {
		const struct conn *c = &b->conns[v[i].idx];

		if (last && !memcmp(last->key, c->key, KEY_LEN)) {
			last->tx_pkts += c->tx_pkts;
			last->tx_bytes += c->tx_bytes;
			last->rx_pkts += c->rx_pkts;
			last->rx_bytes += c->rx_bytes;
			continue;
		}
		last = &sorted[n++];
		*last = *c;
	}
	free(v);
	free(b->conns);
	b->conns = sorted;
	b->nconns = n;
	return 0;
}

/* Go's order within a message: section, then compareConnCnts. */
static int conn_compare(const void *x, const void *y)
{
	return memcmp(((const struct conn *)x)->key,
		      ((const struct conn *)y)->key, KEY_LEN);
}

static int node_rank_compare(const void *x, const void *y, void *arg)
{
	const struct nodemap *nm = arg;
	uint32_t a = nodemap_node(nm, *(const uint32_t *)x)->rank;
	uint32_t b = nodemap_node(nm, *(const uint32_t *)y)->rank;

	return (a > b) - (a < b);
}

static int emit_message(struct builder *b, size_t first, size_t end)
{
	char start[FMT_TIME_LEN], stop[FMT_TIME_LEN];
	struct run runs[NR_SECTIONS];
	json_object *msg, *arr;
	const char *json;
	size_t len, i, j;
	int ret;

	msg = json_object_new_object();
	if (!msg)
		return -ENOMEM;
	fmt_time(b->w->start_ns, start, sizeof(start));
	fmt_time(b->w->end_ns, stop, sizeof(stop));
	add(msg, "nodeId", json_object_new_string_len(b->self->id.s,
						      b->self->id.len));
	add(msg, "start", json_object_new_string(start));
	add(msg, "end", json_object_new_string(stop));
	add(msg, "srcNode", record_node_json(b->self));
	if (b->nnodes) {
		qsort_r(b->nodes, b->nnodes, sizeof(*b->nodes),
			node_rank_compare, (void *)b->nm);
		arr = json_object_new_array_ext(b->nnodes);
		for (i = 0; i < b->nnodes; i++)
			json_object_array_add(arr, record_node_json(
				nodemap_node(b->nm, b->nodes[i])));
		add(msg, "dstNodes", arr);
	}
	/* Sorted by section first, each array is a run. */
	qsort(b->conns + first, end - first, sizeof(*b->conns), conn_compare);
	for (i = first; i < end; i = j) {
		uint8_t sec = b->conns[i].key[K_SECTION];

		for (j = i; j < end && b->conns[j].key[K_SECTION] == sec; j++)
			;
		runs[sec] = (struct run){ .b = b, .first = i, .end = j };
		arr = json_object_new_array();
		json_object_set_serializer(arr, run_to_json, &runs[sec], NULL);
		add(msg, section_key[sec], arr);
	}
	json = json_object_to_json_string_length(msg, JSON_FLAGS, &len);
	if (!json) {
		ret = -ENOMEM;
	} else if (len > RECORD_MAX_SIZE) {
		/* The accounting is an upper bound: this is a bug. */
		ret = -EMSGSIZE;
	} else {
		b->st->messages++;
		b->st->bytes += len;
		b->st->entries += end - first;
		ret = b->emit(json, len, b->arg);
	}
	json_object_put(msg);
	return ret;
}

/* A node not yet in message @gen: mark it, and return its jsonLen. */
static size_t node_cost(struct builder *b, uint32_t ref, uint32_t gen)
{
	if (!ref || b->stamp[ref - 1] == gen)
		return 0;
	b->stamp[ref - 1] = gen;
	b->nodes[b->nnodes++] = ref - 1;
	return nodemap_node(b->nm, ref - 1)->json_len;
}

/*
 * Tailscale's budget: MinMessageJSONSize + self's jsonLen, then for each
 * entry MaxConnectionCountsJSONSize and the jsonLen of each node it brings
 * in. Unlike Tailscale, a node is counted once per message rather than once
 * per address, an entry also pays for its array comma, and a self ID longer
 * than the template's pays for its excess: the bound is then strict.
 */
static int cut_messages(struct builder *b)
{
	size_t idq = json_quoted_len(b->self->id.s, b->self->id.len);
	size_t base = RECORD_MIN_MESSAGE_SIZE + b->self->json_len +
		      (idq > MIN_MESSAGE_ID_QUOTED ?
		       idq - MIN_MESSAGE_ID_QUOTED : 0);
	size_t len, first = 0, i;
	uint32_t gen = 1;
	int ret;

	len = base;
	b->stamp[b->self->index] = gen;
	for (i = 0; i < b->nconns; i++) {
		const struct conn *c = &b->conns[i];
		size_t nodes = b->nnodes, cost;

		cost = RECORD_MAX_CONN_SIZE + 1 + node_cost(b, c->src_node, gen) +
		       node_cost(b, c->dst_node, gen);
		if (len + cost > RECORD_MAX_SIZE && i > first) {
			/* what this entry brought in goes to the next message */
			b->nnodes = nodes;
			ret = emit_message(b, first, i);
			if (ret)
				return ret;
			b->nnodes = 0;
			len = base;
			first = i;
			b->stamp[b->self->index] = ++gen;
			i--;
			continue;
		}
		len += cost;
	}
	return emit_message(b, first, b->nconns);
}

int record_build_stats(const struct netlog_window *w,
		       const struct nodemap *nm, const struct routes *rt,
		       bool log_exit_flows, record_emit_fn emit, void *arg,
		       struct record_stats *stats)
{
	struct record_stats dummy = { 0 };
	struct builder *b;
	size_t i;
	int ret;

	if (!w->nr)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	*b = (struct builder){
		.w = w,
		.nm = nm,
		.self = nodemap_self(nm),
		.emit = emit,
		.arg = arg,
		.st = stats ? stats : &dummy,
	};
	b->conns = calloc(w->nr, sizeof(*b->conns));
	b->stamp = calloc(nodemap_count(nm), sizeof(*b->stamp));
	b->nodes = calloc(nodemap_count(nm) + 1, sizeof(*b->nodes));
	if (!b->conns || !b->stamp || !b->nodes) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < w->nr; i++) {
		const struct netlog_flow *f = &w->flows[i];
		struct conn *c = &b->conns[b->nconns];

		b->st->flows++;
		if (f->kind == NETLOG_KIND_VIRTUAL) {
			virtual_conn(b, rt, !log_exit_flows, f, c);
		} else if (f->kind == NETLOG_KIND_PHYSICAL) {
			physical_conn(b, f, c);
		} else {
			b->st->skipped++;
			continue;
		}
		c->tx_pkts = f->tx_pkts;
		c->tx_bytes = f->tx_bytes;
		c->rx_pkts = f->rx_pkts;
		c->rx_bytes = f->rx_bytes;
		b->nconns++;
	}
	ret = b->nconns ? merge_conns(b) : 0;
	if (!ret && b->nconns)
		ret = cut_messages(b);
out:
	for (i = 0; i < ARRAY_SIZE(b->tmpl); i++)
		json_object_put(b->tmpl[i].obj);
	free(b->conns);
	free(b->stamp);
	free(b->nodes);
	free(b);
	return ret;
}

int record_build(const struct netlog_window *w, const struct nodemap *nm,
		 const struct routes *rt, bool log_exit_flows,
		 record_emit_fn emit, void *arg)
{
	return record_build_stats(w, nm, rt, log_exit_flows, emit, arg, NULL);
}

int record_msgs_add(const char *json, size_t len, void *arg)
{
	struct record_msgs *m = arg;

	if (m->n == m->alloc) {
		size_t alloc = m->alloc ? 2 * m->alloc : 4;
		char **buf = realloc(m->buf, alloc * sizeof(*buf));
		size_t *lens;

		if (!buf)
			return -ENOMEM;
		m->buf = buf;
		lens = realloc(m->len, alloc * sizeof(*lens));
		if (!lens)
			return -ENOMEM;
		m->len = lens;
		m->alloc = alloc;
	}
	m->buf[m->n] = strndup(json, len);
	if (!m->buf[m->n])
		return -ENOMEM;
	m->len[m->n++] = len;
	return 0;
}

void record_msgs_free(struct record_msgs *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->buf[i]);
	free(m->buf);
	free(m->len);
	memset(m, 0, sizeof(*m));
}

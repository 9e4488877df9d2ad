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
 * accounting. Each message is then sorted as toMessage sorts it. Every
 * object is built and serialized by json-c. Three json-c serializers are
 * ours, for speed: the traffic arrays' (one reused object per entry shape
 * instead of a tree of a thousand entries; only their brackets and commas
 * are written here, see run_to_json()), the counters' (lib's
 * json_u64_to_json(): digits without snprintf) and src/dst's (an address
 * needs no escaping); test-record and test-json-build check that json-c's
 * own serializers write the same bytes.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>
#include <json-c/printbuf.h>

#include "fmt.h"
#include "goquote.h"
#include "hash.h"
#include "radix.h"
#include "record.h"
#include "json-build.h"
#include "array.h"

/* len of `"n0123456789abcdefCNTRL"`, the node ID MinMessageJSONSize holds */
#define MIN_MESSAGE_ID_QUOTED 24


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
/* One traffic array, b->order[first..end - 1], for its serializer. */
struct run {
	struct builder *b;
	size_t first, end;
};

struct builder {
	const struct window *w;
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
	uint32_t *order;	/* the message being written, sorted */
	struct msg_ent *msg_ents;	/* its keys, for sorting */
	json_object *msg;	/* the message object, reused */
	struct entry_tmpl tmpl[1 << NR_MEMBERS];
	struct addrport_text text[2];	/* last src and dst formatted */
	struct addrport_json quoted[2];	/* this entry's src and dst */
};

static void key_side(uint8_t *k, const struct addr *a, uint16_t port)
{
	if (!a->len)
		return;		/* the zero AddrPort: all zero */
	k[K_FAMILY] = a->len == 4 ? 1 : 2;
	memcpy(k + K_ADDR, a->bytes, a->len);
	k[K_PORT] = port >> 8;
	k[K_PORT + 1] = port;
}

static void side_of(const uint8_t *k, struct addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	a->len = k[K_FAMILY] == 1 ? 4 : k[K_FAMILY] == 2 ? 16 : 0;
	memcpy(a->bytes, k + K_ADDR, a->len);
	*port = k[K_PORT] << 8 | k[K_PORT + 1];
}

static void add_str(json_object *obj, const char *key,
		    const struct nodemap_str *s)
{
	if (s->len)
		json_add(obj, key, json_object_new_string_len(s->s, s->len));
}

static json_object *addr_json(const struct addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	addr_format(a, buf, sizeof(buf));
	return json_object_new_string(buf);
}

json_object *record_node_json(const struct nodemap_node *n)
{
	json_object *obj = json_object_new_object(), *arr;
	size_t i;

	json_add(obj, "nodeId", json_object_new_string_len(n->id.s, n->id.len));
	add_str(obj, "name", &n->name);
	if (n->addr4.len || n->addr6.len) {
		arr = json_object_new_array_ext(2);
		if (n->addr4.len)
			json_object_array_add(arr, addr_json(&n->addr4));
		if (n->addr6.len)
			json_object_array_add(arr, addr_json(&n->addr6));
		json_add(obj, "addresses", arr);
	}
	add_str(obj, "os", &n->os);
	add_str(obj, "user", &n->user);
	if (n->ntags) {
		arr = json_object_new_array_ext(n->ntags);
		for (i = 0; i < n->ntags; i++)
			json_object_array_add(arr, json_object_new_string_len(
					n->tags[i].s, n->tags[i].len));
		json_add(obj, "tags", arr);
	}
	return obj;
}

static struct entry_tmpl *tmpl_get(struct builder *b, unsigned int mask)
{
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
			v = json_object_new_string("");
		else
			v = json_object_new_uint64(0);
		if (!v)
			return NULL;
		if (m == M_SRC || m == M_DST)
			json_object_set_serializer(v, record_addrport_to_json,
						   &b->quoted[m == M_DST],
						   NULL);
		else
			json_object_set_serializer(v, json_u64_to_json, NULL,
						   NULL);
		json_add(t->obj, member_key[m], v);
		t->val[m] = v;
	}
	return t;
}

/* addrport_format()'s text of a key's side, quoted, into @q. */
static void set_addrport(struct addrport_json *q, struct addrport_text *t,
			 const uint8_t *k)
{
	struct addr a;
	uint16_t port;

	side_of(k, &a, &port);
	addrport_text(t, &a, port);
	q->text[0] = '"';
	memcpy(q->text + 1, t->text, t->len);
	q->text[t->len + 1] = '"';
	q->len = t->len + 2;
}

int record_addrport_to_json(json_object *jso, struct printbuf *pb, int level,
			    int flags)
{
	const struct addrport_json *q = json_object_get_userdata(jso);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, q->text, q->len) < 0 ? -1 : 0;
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
	if (mask & 1u << M_SRC)
		set_addrport(&b->quoted[0], &b->text[0], c->key + K_SRC);
	if (mask & 1u << M_DST)
		set_addrport(&b->quoted[1], &b->text[1], c->key + K_DST);
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
		if (entry_json(r->b, &r->b->conns[r->b->order[i]], pb, flags))
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
			 bool anonymize, const struct flow *f,
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
static void physical_conn(struct builder *b, const struct flow *f,
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

/* Go's order within a message: section, then compareConnCnts. */
static int conn_compare(const void *x, const void *y)
{
	return memcmp(((const struct conn *)x)->key,
		      ((const struct conn *)y)->key, KEY_LEN);
}

/*
 * The order entries are cut into messages in: grouped by the nodes they
 * name (the peer, then the other non-self node), then by place_of() (ties
 * by the key itself), an order that depends only on the keys. Which
 * entries share a message is free, and grouping keeps a peer's node
 * information in few messages rather than repeated in all of them; each
 * message is sorted by key when it is written. An entry's place in that
 * order, in 24 bytes rather than its 80:
 */
/*
 * A connection's sort key (struct radix_key): hi its group (peer rank + 1,
 * other rank + 1), lo its place (see place_of()), idx its index in b->conns.
 */

static uint64_t group_of(const struct builder *b, const struct conn *c)
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
	return (uint64_t)(peer ? nodemap_node(b->nm, peer - 1)->rank + 1 : 0)
	       << 32 |
	       (other ? nodemap_node(b->nm, other - 1)->rank + 1 : 0);
}

/*
 * An entry's place within its group: its section, the families of its
 * addresses and its destination port, so that entries alike in size and
 * text share messages (which then compress better), then a hash of the
 * key; the rare ties are broken by the key.
 */
static uint64_t place_of(const uint8_t *k)
{
	uint64_t h = 0, w;
	int i;

	for (i = 0; i < KEY_LEN; i += 8) {
		memcpy(&w, k + i, 8);
		h = hash_mix64(h ^ w);
	}
	return (uint64_t)k[K_SECTION] << 56 |
	       (uint64_t)k[K_SRC + K_FAMILY] << 54 |
	       (uint64_t)k[K_DST + K_FAMILY] << 52 |
	       (uint64_t)k[K_DST + K_PORT] << 44 |
	       (uint64_t)k[K_DST + K_PORT + 1] << 36 |
	       (h & 0xfffffffffULL);
}

static int idx_compare(const void *x, const void *y, void *arg)
{
	const struct conn *conns = arg;

	return conn_compare(&conns[((const struct radix_key *)x)->idx],
			    &conns[((const struct radix_key *)y)->idx]);
}

/*
 * Puts the entries in cutting order and sums those that share a key
 * (Counts.Add wraps around like Go's uint64) into the first of them;
 * equal keys name the same nodes, so they end up next to each other.
 */
static int merge_conns(struct builder *b)
{
	struct conn *last = NULL;
	struct radix_key *v;
	uint32_t *perm;
	size_t i, n = 0;

	/* The keys, then the radix sort's scratch. */
	v = malloc(2 * b->nconns * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < b->nconns; i++) {
		v[i].hi = group_of(b, &b->conns[i]);
		v[i].lo = place_of(b->conns[i].key);
		v[i].idx = i;
	}
	/* Equal keys, and the rare colliding ones, by the key itself. */
	radix_sort(v, v + b->nconns, b->nconns, idx_compare, b->conns);
	/*
	 * The entries move to their places, in the sort's scratch half: from
	 * here on the passes over them (merge, cut, sort and write each
	 * message) read them in order, not at random.
	 */
	perm = (uint32_t *)(v + b->nconns);
	for (i = 0; i < b->nconns; i++)
		perm[i] = v[i].idx;
	radix_permute(b->conns, sizeof(*b->conns), perm, b->nconns);
	free(v);
	for (i = 0; i < b->nconns; i++) {
		const struct conn *c = &b->conns[i];

		if (last && !memcmp(last->key, c->key, KEY_LEN)) {
			last->tx_pkts += c->tx_pkts;
			last->tx_bytes += c->tx_bytes;
			last->rx_pkts += c->rx_pkts;
			last->rx_bytes += c->rx_bytes;
			continue;
		}
		last = &b->conns[n++];
		if (last != c)
			*last = *c;
	}
	b->nconns = n;
	return 0;
}

static int node_rank_compare(const void *x, const void *y, void *arg)
{
	const struct nodemap *nm = arg;
	uint32_t a = nodemap_node(nm, *(const uint32_t *)x)->rank;
	uint32_t b = nodemap_node(nm, *(const uint32_t *)y)->rank;

	return (a > b) - (a < b);
}

/*
 * An entry of the message being written, its key as big-endian words
 * (which order as the bytes do), for sorting in place.
 */
#define KEY_WORDS (KEY_LEN / 8)
struct msg_ent {
	uint64_t k[KEY_WORDS];
	uint32_t idx;
};

static bool msg_ent_less(const struct msg_ent *a, const struct msg_ent *b)
{
	int i;

	for (i = 0; i < KEY_WORDS; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i];
	return false;
}

static void msg_ent_swap(struct msg_ent *a, struct msg_ent *b)
{
	struct msg_ent t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort(struct msg_ent *a, size_t n)
{
	struct msg_ent t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = a[i];
		for (j = i; j > 0 && msg_ent_less(&t, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

/*
 * Quicksort with the median of three as pivot and Hoare's partition; the
 * smaller side is sorted first and the larger one waits on a stack, which
 * then holds at most log2(n) ranges. Small ranges get insertion sort.
 */
static void sort_msg_ents(struct msg_ent *a, size_t n)
{
	struct {
		size_t lo, hi;
	} stack[64];
	size_t top = 0, lo = 0, hi = n, mid, i, j;
	struct msg_ent p;

	for (;;) {
		while (hi - lo > 16) {
			mid = lo + (hi - lo) / 2;
			if (msg_ent_less(&a[mid], &a[lo]))
				msg_ent_swap(&a[mid], &a[lo]);
			if (msg_ent_less(&a[hi - 1], &a[mid])) {
				msg_ent_swap(&a[hi - 1], &a[mid]);
				if (msg_ent_less(&a[mid], &a[lo]))
					msg_ent_swap(&a[mid], &a[lo]);
			}
			p = a[mid];
			i = lo - 1;
			j = hi;
			for (;;) {
				do
					i++;
				while (msg_ent_less(&a[i], &p));
				do
					j--;
				while (msg_ent_less(&p, &a[j]));
				if (i >= j)
					break;
				msg_ent_swap(&a[i], &a[j]);
			}
			/* [lo, j] and [j + 1, hi): push the larger */
			if (j + 1 - lo < hi - j - 1) {
				stack[top].lo = j + 1;
				stack[top++].hi = hi;
				hi = j + 1;
			} else {
				stack[top].lo = lo;
				stack[top++].hi = j + 1;
				lo = j + 1;
			}
		}
		insertion_sort(a + lo, hi - lo);
		if (!top)
			break;
		top--;
		lo = stack[top].lo;
		hi = stack[top].hi;
	}
}

/*
 * b->order: the entries conns[first..first + n - 1] in Go's order, sorted
 * as compact copies of their keys, which stay in cache.
 */
static int sort_message(struct builder *b, size_t first, size_t n)
{
	struct msg_ent *m;
	uint32_t *order;
	size_t i;
	int w;

	order = realloc(b->order, n * sizeof(*order));
	if (!order)
		return -ENOMEM;
	b->order = order;
	m = realloc(b->msg_ents, n * sizeof(*m));
	if (!m)
		return -ENOMEM;
	b->msg_ents = m;
	for (i = 0; i < n; i++) {
		const uint8_t *k;

		m[i].idx = first + i;
		k = b->conns[m[i].idx].key;
		for (w = 0; w < KEY_WORDS; w++) {
			memcpy(&m[i].k[w], k + 8 * w, 8);
			m[i].k[w] = be64toh(m[i].k[w]);
		}
	}
	sort_msg_ents(m, n);
	for (i = 0; i < n; i++)
		order[i] = m[i].idx;
	return 0;
}

/*
 * The message object, reused from one message to the next so that json-c's
 * output buffer keeps its size: the members every message of the window
 * shares stay, those after them are replaced.
 */
static json_object *message_obj(struct builder *b)
{
	char start[FMT_TIME_LEN], stop[FMT_TIME_LEN];
	json_object *msg = b->msg;
	int sec;

	if (msg) {
		json_object_object_del(msg, "dstNodes");
		for (sec = 0; sec < NR_SECTIONS; sec++)
			json_object_object_del(msg, section_key[sec]);
		return msg;
	}
	msg = json_object_new_object();
	if (!msg)
		return NULL;
	fmt_time(b->w->start_ns, start, sizeof(start));
	fmt_time(b->w->end_ns, stop, sizeof(stop));
	json_add(msg, "nodeId", json_object_new_string_len(b->self->id.s,
						      b->self->id.len));
	json_add(msg, "start", json_object_new_string(start));
	json_add(msg, "end", json_object_new_string(stop));
	json_add(msg, "srcNode", record_node_json(b->self));
	b->msg = msg;
	return msg;
}

static int emit_message(struct builder *b, size_t first, size_t end)
{
	struct run runs[NR_SECTIONS];
	json_object *msg, *arr;
	size_t len, i, j, n = end - first;
	const uint32_t *order;
	const char *json;
	int ret;

	msg = message_obj(b);
	if (!msg)
		return -ENOMEM;
	if (b->nnodes) {
		qsort_r(b->nodes, b->nnodes, sizeof(*b->nodes),
			node_rank_compare, (void *)b->nm);
		arr = json_object_new_array_ext(b->nnodes);
		for (i = 0; i < b->nnodes; i++)
			json_object_array_add(arr, record_node_json(
				nodemap_node(b->nm, b->nodes[i])));
		json_add(msg, "dstNodes", arr);
	}
	/* Sorted by section first, each array is a run. */
	ret = sort_message(b, first, n);
	if (ret)
		return ret;
	order = b->order;
	for (i = 0; i < n; i = j) {
		uint8_t sec = b->conns[order[i]].key[K_SECTION];

		for (j = i; j < n && b->conns[order[j]].key[K_SECTION] == sec;
		     j++)
			;
		runs[sec] = (struct run){ .b = b, .first = i, .end = j };
		arr = json_object_new_array();
		json_object_set_serializer(arr, run_to_json, &runs[sec], NULL);
		json_add(msg, section_key[sec], arr);
	}
	json = json_object_to_json_string_length(msg, JSON_FLAGS, &len);
	if (!json)
		return -ENOMEM;
	/* The accounting is an upper bound: this is a bug. */
	if (len > RECORD_MAX_SIZE)
		return -EMSGSIZE;
	b->st->messages++;
	b->st->bytes += len;
	b->st->entries += n;
	return b->emit(json, len, b->arg);
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

int record_build_stats(const struct window *w,
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
		const struct flow *f = &w->flows[i];
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
	json_object_put(b->msg);
	free(b->order);
	free(b->msg_ents);
	free(b->conns);
	free(b->stamp);
	free(b->nodes);
	free(b);
	return ret;
}

int record_build(const struct window *w, const struct nodemap *nm,
		 const struct routes *rt, bool log_exit_flows,
		 record_emit_fn emit, void *arg)
{
	return record_build_stats(w, nm, rt, log_exit_flows, emit, arg, NULL);
}

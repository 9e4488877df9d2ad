// SPDX-License-Identifier: GPL-2.0
/*
 * The clickhouse sink: one row per flow, POSTed over ClickHouse's HTTP
 * interface as `INSERT INTO <table> FORMAT JSONEachRow`. A netlogtype.Message
 * becomes a row for each entry of its four traffic arrays; the row carries
 * the window, the node (nodeId, srcNode.name), the traffic class, the entry
 * with src and dst also split into address and port, and the peer: the
 * dstNodes member one of whose addresses is the entry's dst, else its src
 * (a physical entry's src is the peer's address). Counters a record omits
 * are 0.
 *
 * Written for ClickHouse 18.16 (Debian 12) and later: no DateTime64 there,
 * so a time is a DateTime('UTC') of seconds and a UInt32 of nanoseconds
 * within the second; no zstd request bodies there ("Unknown Content-Encoding
 * of HTTP request: zstd"), so compression is gzip (the default) or none and
 * zstd is refused when the configuration is read. ClickHouse answers rows it
 * cannot take (a column the table lacks, a value of the wrong type) with a
 * 500 like any failure: clickhouse_refused() reads the exception's code and
 * calls those final, so the batch is set aside and the cursor moves on.
 *
 * A batch is one INSERT, so one block (under max_insert_block_size rows): it
 * is in the table whole or not at all. Delivery is at least once: a reply
 * lost after the INSERT committed means the batch is sent again.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "addr.h"
#include "array.h"
#include "fmt.h"
#include "sink.h"
#include "sink-clickhouse.h"

#define CLICKHOUSE_TABLE "netlog_flows"

/* The table's columns, in the order of the rows' members. */
enum column {
	C_START, C_START_NS, C_END, C_END_NS, C_NODE_ID, C_NODE_NAME,
	C_TRAFFIC, C_PROTO, C_SRC, C_SRC_IP, C_SRC_PORT, C_DST, C_DST_IP,
	C_DST_PORT, C_PEER_ID, C_PEER_NAME, C_TX_PKTS, C_TX_BYTES, C_RX_PKTS,
	C_RX_BYTES, NR_COLUMNS
};

static const struct {
	const char *name, *type;
	json_type json;
} columns[NR_COLUMNS] = {
	[C_START] = { "start", "DateTime('UTC')", json_type_int },
	[C_START_NS] = { "start_ns", "UInt32", json_type_int },
	[C_END] = { "end", "DateTime('UTC')", json_type_int },
	[C_END_NS] = { "end_ns", "UInt32", json_type_int },
	[C_NODE_ID] = { "node_id", "String", json_type_string },
	[C_NODE_NAME] = { "node_name", "String", json_type_string },
	[C_TRAFFIC] = { "traffic", "Enum8('virtual' = 1, 'subnet' = 2, 'exit' = 3, 'physical' = 4)",
			json_type_string },
	[C_PROTO] = { "proto", "UInt8", json_type_int },
	[C_SRC] = { "src", "String", json_type_string },
	[C_SRC_IP] = { "src_ip", "String", json_type_string },
	[C_SRC_PORT] = { "src_port", "UInt16", json_type_int },
	[C_DST] = { "dst", "String", json_type_string },
	[C_DST_IP] = { "dst_ip", "String", json_type_string },
	[C_DST_PORT] = { "dst_port", "UInt16", json_type_int },
	[C_PEER_ID] = { "peer_id", "String", json_type_string },
	[C_PEER_NAME] = { "peer_name", "String", json_type_string },
	[C_TX_PKTS] = { "tx_pkts", "UInt64", json_type_int },
	[C_TX_BYTES] = { "tx_bytes", "UInt64", json_type_int },
	[C_RX_PKTS] = { "rx_pkts", "UInt64", json_type_int },
	[C_RX_BYTES] = { "rx_bytes", "UInt64", json_type_int },
};

/* The message arrays, their traffic class, and the counters' members. */
static const char *const traffic[][2] = {
	{ "virtualTraffic", "virtual" },
	{ "subnetTraffic", "subnet" },
	{ "exitTraffic", "exit" },
	{ "physicalTraffic", "physical" },
};

static const char *const counters[] = { "txPkts", "txBytes", "rxPkts",
					"rxBytes" };

struct clickhouse_opts {
	char *url;
	char *table;
	char *database;
	char *user;
	char *password_file;
	char *password;		/* the content of password_file */
};

/* A dstNodes member: its addresses parsed once per message. */
struct peer {
	struct addr addr[2];
	const char *id, *name;
};

struct clickhouse_sink {
	char *where;
	char *url;		/* with the query */
	char *user, *key;	/* "X-ClickHouse-User: ..." and -Key */
	json_object *row;	/* reused: its members change in place */
	json_object *col[NR_COLUMNS];
	bool nomem;		/* a value could not be set */
	struct peer *peers;
	size_t npeers, peers_size;
};

/* An identifier ClickHouse takes unquoted: [A-Za-z_][A-Za-z0-9_]*. */
static bool identifier(const char *s)
{
	return s && *s && !(*s >= '0' && *s <= '9') &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "_0123456789") == strlen(s);
}

static int clickhouse_check(const void *opts, char *err, size_t errlen)
{
	const struct clickhouse_opts *o = opts;

	if (!o->url) {
		snprintf(err, errlen, "url: the clickhouse sink needs one, such as http://127.0.0.1:8123");
		return -EINVAL;
	}
	if (o->table && !identifier(o->table)) {
		snprintf(err, errlen, "table: must be a name of A-Z a-z 0-9 _, not starting with a digit: '%s'",
			 o->table);
		return -EINVAL;
	}
	if (o->database && !identifier(o->database)) {
		snprintf(err, errlen, "database: must be a name of A-Z a-z 0-9 _, not starting with a digit: '%s'",
			 o->database);
		return -EINVAL;
	}
	if (o->password && !o->user) {
		snprintf(err, errlen, "password_file: needs user");
		return -EINVAL;
	}
	return 0;
}

int clickhouse_schema(FILE *f, const char *table)
{
	size_t i;

	if (!table)
		table = CLICKHOUSE_TABLE;
	if (!identifier(table))
		return -EINVAL;
	fprintf(f, "CREATE TABLE IF NOT EXISTS %s\n(\n", table);
	for (i = 0; i < NR_COLUMNS; i++)
		fprintf(f, "    `%s` %s%s\n", columns[i].name, columns[i].type,
			i + 1 < NR_COLUMNS ? "," : "");
	/*
	 * A partition a day, dropped whole to expire old flows (18.16 has no
	 * TTL); sorted for a node's flows over time.
	 */
	fprintf(f, ")\nENGINE = MergeTree\nPARTITION BY toYYYYMMDD(start)\n"
		"ORDER BY (node_id, start, traffic, src_ip, dst_ip)\n");
	return 0;
}

/* {url}/?query=INSERT...&database=...&enable_http_compression=1 */
static char *insert_url(const struct clickhouse_opts *o)
{
	char *query = NULL, *url = NULL, *db = NULL;
	CURLU *u = curl_url();
	bool ok;

	if (!u)
		return NULL;
	ok = asprintf(&query, "query=INSERT INTO %s FORMAT JSONEachRow",
		      o->table ? o->table : CLICKHOUSE_TABLE) >= 0;
	if (!ok)
		query = NULL;
	if (ok && o->database && asprintf(&db, "database=%s", o->database) < 0)
		ok = (db = NULL, false);
	/*
	 * gzip bodies need it on some versions; without Accept-Encoding in
	 * the request it changes nothing else.
	 */
	ok = ok && !curl_url_set(u, CURLUPART_URL, o->url, 0) &&
	     !curl_url_set(u, CURLUPART_PATH, "/", 0) &&
	     !curl_url_set(u, CURLUPART_QUERY, query,
			   CURLU_APPENDQUERY | CURLU_URLENCODE) &&
	     (!db || !curl_url_set(u, CURLUPART_QUERY, db,
				   CURLU_APPENDQUERY | CURLU_URLENCODE)) &&
	     !curl_url_set(u, CURLUPART_QUERY, "enable_http_compression=1",
			   CURLU_APPENDQUERY) &&
	     !curl_url_get(u, CURLUPART_URL, &url, 0);
	free(query);
	free(db);
	curl_url_cleanup(u);
	if (!ok || !url)
		return NULL;
	query = strdup(url);
	curl_free(url);
	return query;
}

static void clickhouse_close(void *priv)
{
	struct clickhouse_sink *cs = priv;

	if (!cs)
		return;
	json_object_put(cs->row);
	free(cs->peers);
	free(cs->where);
	free(cs->url);
	free(cs->user);
	free(cs->key);
	free(cs);
}

/* The row, each member an object of its column's JSON type. */
static int new_row(struct clickhouse_sink *cs)
{
	size_t i;

	cs->row = json_object_new_object();
	if (!cs->row)
		return -ENOMEM;
	for (i = 0; i < NR_COLUMNS; i++) {
		cs->col[i] = columns[i].json == json_type_int ?
			     json_object_new_uint64(0) :
			     json_object_new_string("");
		if (!cs->col[i] ||
		    json_object_object_add_ex(cs->row, columns[i].name,
					      cs->col[i],
					      JSON_C_OBJECT_ADD_KEY_IS_NEW |
					      JSON_C_OBJECT_ADD_CONSTANT_KEY))
			return -ENOMEM;
	}
	return 0;
}

static int clickhouse_open(const char *name, const void *opts, void **priv)
{
	const struct clickhouse_opts *o = opts;
	struct clickhouse_sink *cs = calloc(1, sizeof(*cs));
	int ret = -ENOMEM;

	(void)name;
	if (!cs)
		return -ENOMEM;
	if (asprintf(&cs->where, "clickhouse %s table %s%s%s", o->url,
		     o->database ? o->database : "",
		     o->database ? "." : "",
		     o->table ? o->table : CLICKHOUSE_TABLE) < 0)
		cs->where = NULL;
	if (o->user && asprintf(&cs->user, "X-ClickHouse-User: %s",
				o->user) < 0)
		cs->user = NULL;
	if (o->password && asprintf(&cs->key, "X-ClickHouse-Key: %s",
				    o->password) < 0)
		cs->key = NULL;
	cs->url = insert_url(o);
	if (cs->where && cs->url && (!o->user || cs->user) &&
	    (!o->password || cs->key))
		ret = new_row(cs);
	if (ret) {
		clickhouse_close(cs);
		return ret;
	}
	*priv = cs;
	return 0;
}

/*
 * A string column's value, as a new object: json-c 0.16's
 * json_object_set_string() loses a buffer when a value shrinks and grows.
 */
static void set_str(struct clickhouse_sink *cs, enum column col,
		    const char *s)
{
	json_object *v = json_object_new_string(s);

	if (!v || json_object_object_add(cs->row, columns[col].name, v))
		cs->nomem = true;
	else
		cs->col[col] = v;
}

static const char *member_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

/* The message's dstNodes into cs->peers. */
static int load_peers(struct clickhouse_sink *cs, json_object *msg)
{
	json_object *nodes, *addrs;
	size_t i, j, n = 0;

	cs->npeers = 0;
	if (json_object_object_get_ex(msg, "dstNodes", &nodes))
		n = json_object_array_length(nodes);
	if (n > cs->peers_size) {
		struct peer *p = realloc(cs->peers, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		cs->peers = p;
		cs->peers_size = n;
	}
	for (i = 0; i < n; i++) {
		json_object *node = json_object_array_get_idx(nodes, i);
		struct peer *p = &cs->peers[cs->npeers++];

		memset(p, 0, sizeof(*p));
		p->id = member_str(node, "nodeId");
		p->name = member_str(node, "name");
		if (!json_object_object_get_ex(node, "addresses", &addrs))
			continue;
		for (j = 0; j < 2 && j < json_object_array_length(addrs); j++)
			addr_parse(&p->addr[j], json_object_get_string(
				json_object_array_get_idx(addrs, j)));
	}
	return 0;
}

static const struct peer *find_peer(const struct clickhouse_sink *cs,
				     const struct addr *a)
{
	size_t i, j;

	for (i = 0; a->len && i < cs->npeers; i++)
		for (j = 0; j < 2; j++)
			if (!addr_compare(&cs->peers[i].addr[j], a))
				return &cs->peers[i];
	return NULL;
}

/* src or dst: the text, its address and port; @a zero when there is none. */
static void set_side(struct clickhouse_sink *cs, enum column col,
		     const char *text, struct addr *a)
{
	char ip[INET6_ADDRSTRLEN] = "";
	uint16_t port = 0;

	if (!*text || addrport_parse(a, &port, text))
		memset(a, 0, sizeof(*a));
	else
		addr_format(a, ip, sizeof(ip));
	set_str(cs, col, text);
	set_str(cs, col + 1, ip);
	json_object_set_uint64(cs->col[col + 2], a->len ? port : 0);
}

/* One entry of the @class array as a line of @out. */
static int entry_row(struct clickhouse_sink *cs, json_object *e,
		     const char *class, struct buf *out)
{
	const struct peer *peer;
	struct addr src, dst;
	json_object *v;
	const char *s;
	size_t i, len;
	int ret;

	set_str(cs, C_TRAFFIC, class);
	json_object_set_uint64(cs->col[C_PROTO],
			       json_object_object_get_ex(e, "proto", &v) ?
			       json_object_get_uint64(v) & 0xff : 0);
	set_side(cs, C_SRC, member_str(e, "src"), &src);
	set_side(cs, C_DST, member_str(e, "dst"), &dst);
	peer = find_peer(cs, &dst);
	if (!peer)
		peer = find_peer(cs, &src);
	set_str(cs, C_PEER_ID, peer ? peer->id : "");
	set_str(cs, C_PEER_NAME, peer ? peer->name : "");
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		json_object_set_uint64(cs->col[C_TX_PKTS + i],
				       json_object_object_get_ex(e, counters[i],
								 &v) ?
				       json_object_get_uint64(v) : 0);
	s = cs->nomem ? NULL : sink_json(cs->row, &len);
	cs->nomem = false;
	ret = s ? buf_append(out, s, len) : -ENOMEM;
	return ret ? ret : buf_append(out, "\n", 1);
}

/* A time member as DateTime seconds and nanoseconds: 0, or -EBADMSG. */
static int set_time(struct clickhouse_sink *cs, enum column col,
		    json_object *msg, const char *key)
{
	uint64_t ns;

	if (fmt_time_parse(member_str(msg, key), &ns) ||
	    ns / 1000000000 > UINT32_MAX)
		return -EBADMSG;
	json_object_set_uint64(cs->col[col], ns / 1000000000);
	json_object_set_uint64(cs->col[col + 1], ns % 1000000000);
	return 0;
}

struct rows {
	struct clickhouse_sink *cs;
	struct buf *out;
	size_t n;		/* messages */
};

static int message_rows(json_object *msg, void *arg)
{
	struct rows *r = arg;
	struct clickhouse_sink *cs = r->cs;
	json_object *arr, *self;
	size_t i, j, n;
	int ret;

	ret = set_time(cs, C_START, msg, "start");
	if (!ret)
		ret = set_time(cs, C_END, msg, "end");
	if (!ret)
		ret = load_peers(cs, msg);
	if (ret)
		return ret;
	set_str(cs, C_NODE_ID, member_str(msg, "nodeId"));
	set_str(cs, C_NODE_NAME,
		json_object_object_get_ex(msg, "srcNode", &self) ?
		member_str(self, "name") : "");
	for (i = 0; i < ARRAY_SIZE(traffic); i++) {
		if (!json_object_object_get_ex(msg, traffic[i][0], &arr) ||
		    !json_object_is_type(arr, json_type_array))
			continue;
		n = json_object_array_length(arr);
		for (j = 0; !ret && j < n; j++)
			ret = entry_row(cs, json_object_array_get_idx(arr, j),
					traffic[i][1], r->out);
		if (ret)
			return ret;
	}
	/* entries are log entries, as for every sink: messages, not rows */
	r->n++;
	return 0;
}

static int clickhouse_request(void *priv, const char *batch, size_t len,
			      uint64_t dropped, struct sink_request *req)
{
	struct clickhouse_sink *cs = priv;
	struct rows r = { .cs = cs, .out = &req->body };
	size_t i = 0;
	int ret;

	(void)dropped;
	req->where = cs->where;
	req->url = cs->url;
	req->content_type = "application/x-ndjson";
	if (cs->user)
		req->headers[i++] = cs->user;
	if (cs->key)
		req->headers[i++] = cs->key;
	req->headers[i] = NULL;
	req->body.len = 0;
	cs->nomem = false;
	ret = sink_each_message(batch, len, message_rows, &r);
	req->entries = r.n;
	return ret;
}

/*
 * The exception codes (ClickHouse's ErrorCodes.cpp) of a request that will
 * fail again: rows the table cannot take, a table or database that is not
 * there. Others (memory, too many parts, a server going down) may pass.
 */
static const int final_codes[] = {
	6,	/* CANNOT_PARSE_TEXT */
	16,	/* NO_SUCH_COLUMN_IN_TABLE */
	26,	/* CANNOT_PARSE_QUOTED_STRING */
	27,	/* CANNOT_PARSE_INPUT_ASSERTION_FAILED */
	38,	/* CANNOT_PARSE_DATE */
	41,	/* CANNOT_PARSE_DATETIME */
	53,	/* TYPE_MISMATCH */
	60,	/* UNKNOWN_TABLE */
	62,	/* SYNTAX_ERROR */
	70,	/* CANNOT_CONVERT_TYPE */
	72,	/* CANNOT_PARSE_NUMBER */
	81,	/* UNKNOWN_DATABASE */
	117,	/* INCORRECT_DATA: a member the table has no column for */
};

static bool clickhouse_refused(void *priv, long status, const char *body, size_t len)
{
	char text[1025];	/* upload.c keeps a reply's first KiB */
	size_t i;
	int code;

	(void)priv;
	(void)status;
	snprintf(text, sizeof(text), "%.*s", (int)len, body);
	if (sscanf(text, "Code: %d,", &code) != 1)
		return false;
	for (i = 0; i < ARRAY_SIZE(final_codes); i++)
		if (code == final_codes[i])
			return true;
	/* a value of a row that the column's type cannot hold (an Enum's) */
	return strstr(text, "(while read the value of key ") != NULL;
}

static const struct sink_key clickhouse_keys[] = {
	{ "url", SINK_KEY_SERVER, offsetof(struct clickhouse_opts, url), 0,
	  false },
	{ "table", SINK_KEY_PATH, offsetof(struct clickhouse_opts, table), 0,
	  false },
	{ "database", SINK_KEY_PATH,
	  offsetof(struct clickhouse_opts, database), 0, false },
	{ "user", SINK_KEY_PATH, offsetof(struct clickhouse_opts, user), 0,
	  false },
	{ "password_file", SINK_KEY_SECRET_FILE,
	  offsetof(struct clickhouse_opts, password_file),
	  offsetof(struct clickhouse_opts, password), false },
};

const struct sink_type sink_clickhouse = {
	.name = "clickhouse",
	.keys = clickhouse_keys,
	.nkeys = ARRAY_SIZE(clickhouse_keys),
	.opts_size = sizeof(struct clickhouse_opts),
	.codec = COMPRESS_GZIP,
	.codecs = 1u << COMPRESS_NONE | 1u << COMPRESS_GZIP,
	.codecs_why = "must be gzip or none for a clickhouse sink (ClickHouse 18.16 refuses zstd bodies)",
	.check = clickhouse_check,
	.open = clickhouse_open,
	.close = clickhouse_close,
	.request = clickhouse_request,
	.refused = clickhouse_refused,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * The ipfix sink: every connection entry of the spooled messages as IPFIX
 * (RFC 7011) data records for any flow collector (nfcapd, pmacct,
 * ElastiFlow), encoded by libfixbuf, sent over UDP (the default) or TCP
 * (sink-ipfix-conn.c).
 *
 * An entry becomes one record per direction that has traffic: tx from
 * its src (the local side) to its dst, flowDirection egress; rx from dst
 * to src, ingress; so a collector that does not fold RFC 5103 biflows
 * still counts right. Its times are the window's start and end. Virtual,
 * subnet and exit entries go to observation domain observation_domain,
 * physical ones (WireGuard's UDP, proto 17) to physical_observation_domain.
 * IPv4 and IPv6 have templates of their own, in both domains. A side the
 * message left out (an anonymized exit flow's non-node side, a physical
 * flow of an unknown peer) or of the other family (a physical flow's
 * tunnel address beside an endpoint of the other family) is the
 * unspecified address, port 0.
 *
 * A window's metadata (what the uploader hands over with the window's
 * first batch) becomes one options record (RFC 7011 section 3.4.2.2),
 * scoped to observation_domain (the observationDomainId it describes),
 * before the window's data records:
 * the window's times, the packets and octets a full table kept from
 * being counted (ignoredPacketTotalCount, ignoredOctetTotalCount: observed,
 * not processed) and those of excluded addresses (notSentPacketTotalCount,
 * notSentOctetTotalCount: counted, by configuration never sent as flows;
 * notSentFlowTotalCount is left out, the kernel does not key them). The
 * counts are the window's, both domains': the kernel counts from zero in
 * every window. It goes to one domain only, so a collector adding up its
 * exporters counts it once: options_observation_domain, of its own. A
 * domain's sequence number counts every data record, options records too
 * (section 3.1); a collector that drops options templates it does not
 * know (nfcapd 1.7) would see a gap in the data domain after each one,
 * and sees none in a domain that holds nothing else.
 *
 * Templates go first on every TCP connection; over UDP they are sent
 * again every template_refresh seconds and every template_refresh_packets
 * messages (RFC 7011 section 8.4). libfixbuf keeps each domain's sequence
 * number, which counts data records (section 3.1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <fixbuf/public.h>

#include "addr.h"
#include "clock.h"
#include "fmt.h"
#include "log.h"
#include "sink.h"
#include "sink-ipfix.h"
#include "window.h"

#define TID_V4 256
#define TID_V6 257
#define TID_OPT 258
#define FLOW_INGRESS 0
#define FLOW_EGRESS 1
#define IPPROTO_UDP_NUM 17
/* the IPv6 and UDP headers a datagram carries besides the message */
#define UDP_OVERHEAD 48
#define TCP_MESSAGE_MAX 65535
#define IO_TIMEOUT_MS 10000

struct ipfix_opts {
	char *collector;		/* host:port */
	char *transport;		/* udp or tcp */
	char *mtu;
	char *template_refresh;		/* seconds */
	char *template_refresh_packets;
	char *observation_domain;
	char *physical_observation_domain;
	char *options_observation_domain;
};

/* The domains, by index: */
#define DOM_VIRTUAL 0
#define DOM_PHYSICAL 1
#define DOM_OPTIONS 2
#define NDOMS 3

/* The options, parsed. */
struct ipfix_params {
	char host[256], port[8];
	bool tcp;
	uint64_t mtu, refresh_s, refresh_msgs;
	uint32_t domain[NDOMS];		/* virtual, physical, options */
};

/* The records as libfixbuf reads them: the internal templates' layout. */
struct rec4 {
	uint64_t octets, packets, start_ms, end_ms;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto, direction, pad[2];
};

struct rec6 {
	uint64_t octets, packets, start_ms, end_ms;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto, direction, pad[2];
};

/* A window's options record: observationDomainId is its scope. */
struct optrec {
	uint32_t domain;
	uint8_t pad[4];
	uint64_t start_ms, end_ms;
	uint64_t ignored_pkts, ignored_octets;
	uint64_t not_sent_pkts, not_sent_octets;
};

/* Spec flag 1: only in the internal template (the struct's padding). */
static fbInfoElementSpec_t spec4[] = {
	{ "octetDeltaCount", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "sourceIPv4Address", 4, 0 },
	{ "destinationIPv4Address", 4, 0 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "protocolIdentifier", 1, 0 },
	{ "flowDirection", 1, 0 },
	{ "paddingOctets", 2, 1 },
	FB_IESPEC_NULL
};

static fbInfoElementSpec_t spec6[] = {
	{ "octetDeltaCount", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "sourceIPv6Address", 16, 0 },
	{ "destinationIPv6Address", 16, 0 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "protocolIdentifier", 1, 0 },
	{ "flowDirection", 1, 0 },
	{ "paddingOctets", 2, 1 },
	FB_IESPEC_NULL
};

static fbInfoElementSpec_t spec_opt[] = {
	{ "observationDomainId", 4, 0 },
	{ "paddingOctets", 4, 1 },
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "ignoredPacketTotalCount", 8, 0 },
	{ "ignoredOctetTotalCount", 8, 0 },
	{ "notSentPacketTotalCount", 8, 0 },
	{ "notSentOctetTotalCount", 8, 0 },
	FB_IESPEC_NULL
};

struct ipfix_sink {
	char *name;
	struct ipfix_params p;
	struct ipfix_conn conn;
	fbInfoModel_t *model;
	fBuf_t *fbuf;			/* owns the session and the exporter */
	fbSession_t *session;
	fbExporter_t *exporter;
	uint8_t *msg;			/* where fBufEmit() puts a message */
	int dom;			/* the domain being written, -1: none */
	uint16_t tid;			/* the template being written, 0: none */
	bool need_tmpl[NDOMS];		/* per domain: templates go first */
	bool pending;			/* records in fbuf not yet emitted */
	uint64_t tmpl_ms, msgs_since_tmpl;
	uint64_t records, messages;	/* in this delivery */
	bool have_meta;			/* the batch begins a window: */
	struct window_meta meta;	/* its options record goes first */
	char *err;
	size_t errlen;
};

/* --- options ---------------------------------------------------------- */

/* A decimal number up to @max with an optional @unit suffix: 0 or -EINVAL. */
static int parse_u64(const char *s, uint64_t max, const char *unit,
		     uint64_t *v)
{
	char *end;

	if (!s)
		return 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (unit && *end && !strcmp(end, unit))
		end += strlen(unit);
	return errno || *end || *v > max ? -EINVAL : 0;
}

/* host:port or [v6]:port into @p. */
static int parse_collector(const char *s, struct ipfix_params *p)
{
	const char *colon = s ? strrchr(s, ':') : NULL;
	size_t hlen;
	uint64_t port;

	if (!colon || parse_u64(colon + 1, 65535, NULL, &port) || !port)
		return -EINVAL;
	hlen = colon - s;
	if (*s == '[') {
		if (hlen < 3 || s[hlen - 1] != ']')
			return -EINVAL;
		s++;
		hlen -= 2;
	}
	if (!hlen || hlen >= sizeof(p->host))
		return -EINVAL;
	memcpy(p->host, s, hlen);
	p->host[hlen] = '\0';
	snprintf(p->port, sizeof(p->port), "%u", (unsigned int)port);
	return 0;
}

/*
 * The three domains: each a number, physical and options by default the
 * first + 1 and + 2 (modulo 2^32), no two the same: 0 or -EINVAL.
 */
static int parse_domains(const struct ipfix_opts *o, struct ipfix_params *p,
			 char *err, size_t errlen)
{
	static const char *const keys[NDOMS] = {
		"observation_domain", "physical_observation_domain",
		"options_observation_domain",
	};
	const char *const vals[NDOMS] = {
		o->observation_domain, o->physical_observation_domain,
		o->options_observation_domain,
	};
	uint64_t v;
	int i, j;

	for (i = 0; i < NDOMS; i++) {
		v = i ? (uint32_t)(p->domain[0] + i) : 0;
		if (parse_u64(vals[i], UINT32_MAX, NULL, &v)) {
			snprintf(err, errlen, "%s: must be 0 to 4294967295",
				 keys[i]);
			return -EINVAL;
		}
		p->domain[i] = v;
		for (j = 0; j < i; j++)
			if (p->domain[j] == p->domain[i]) {
				snprintf(err, errlen,
					 "%s: must differ from %s (both %" PRIu32 "%s)",
					 keys[i], keys[j], p->domain[i],
					 vals[i] ? "" : ", by default");
				return -EINVAL;
			}
	}
	return 0;
}

static int parse_opts(const struct ipfix_opts *o, struct ipfix_params *p,
		      char *err, size_t errlen)
{
	const char *bad = NULL;

	*p = (struct ipfix_params){ .mtu = 1500, .refresh_s = 60 };
	if (parse_collector(o->collector, p))
		bad = "collector: must be HOST:PORT or [IPV6]:PORT";
	else if (o->transport && strcmp(o->transport, "udp") &&
		 strcmp(o->transport, "tcp"))
		bad = "transport: must be udp or tcp";
	else if (parse_u64(o->mtu, 65535, NULL, &p->mtu) || p->mtu < 576)
		bad = "mtu: must be 576 to 65535";
	else if (parse_u64(o->template_refresh, 86400, "s", &p->refresh_s))
		bad = "template_refresh: must be 0 to 86400 seconds";
	else if (parse_u64(o->template_refresh_packets, UINT32_MAX, NULL,
			   &p->refresh_msgs))
		bad = "template_refresh_packets: must be a number";
	if (bad) {
		snprintf(err, errlen, "%s", bad);
		return -EINVAL;
	}
	if (parse_domains(o, p, err, errlen))
		return -EINVAL;
	p->tcp = o->transport && !strcmp(o->transport, "tcp");
	return 0;
}

static int ipfix_check(const void *opts, char *err, size_t errlen)
{
	struct ipfix_params p;

	return parse_opts(opts, &p, err, errlen);
}

/* --- libfixbuf -------------------------------------------------------- */

static int fb_failed(struct ipfix_sink *s, const char *what, GError *gerr)
{
	snprintf(s->err, s->errlen, "libfixbuf: %s: %s", what,
		 gerr ? gerr->message : "failed");
	g_clear_error(&gerr);
	return -EIO;
}

/*
 * One template of @spec into the session: internal, or the current
 * domain's; an options template with @scope scope fields.
 */
static int add_template(struct ipfix_sink *s, fbInfoElementSpec_t *spec,
			uint16_t tid, bool internal, uint16_t scope)
{
	fbTemplate_t *t = fbTemplateAlloc(s->model);
	GError *gerr = NULL;

	if (!fbTemplateAppendSpecArray(t, spec, internal ? 1 : 0, &gerr)) {
		fbTemplateFreeUnused(t);
		return fb_failed(s, "template", gerr);
	}
	if (scope)
		fbTemplateSetOptionsScope(t, scope);
	if (!fbSessionAddTemplate(s->session, internal, tid, t, &gerr))
		return fb_failed(s, "template", gerr);
	return 0;
}

/* The session, its templates, and a buffer exporter of the message size. */
static int fb_setup(struct ipfix_sink *s, size_t msg_max)
{
	int i, ret;

	s->model = fbInfoModelAlloc();
	s->session = fbSessionAlloc(s->model);
	ret = add_template(s, spec4, TID_V4, true, 0);
	if (!ret)
		ret = add_template(s, spec6, TID_V6, true, 0);
	if (!ret)
		ret = add_template(s, spec_opt, TID_OPT, true, 1);
	for (i = 0; !ret && i < NDOMS; i++) {
		fbSessionSetDomain(s->session, s->p.domain[i]);
		/* the options domain holds the window's counts, nothing else */
		if (i == DOM_OPTIONS) {
			ret = add_template(s, spec_opt, TID_OPT, false, 1);
			continue;
		}
		ret = add_template(s, spec4, TID_V4, false, 0);
		if (!ret)
			ret = add_template(s, spec6, TID_V6, false, 0);
	}
	if (ret)
		return ret;
	s->msg = malloc(msg_max);
	if (!s->msg)
		return -ENOMEM;
	s->exporter = fbExporterAllocBuffer(s->msg, msg_max);
	s->fbuf = fBufAllocForExport(s->session, s->exporter);
	/* full messages come back as FB_ERROR_EOM: each is sent before the next */
	fBufSetAutomaticMode(s->fbuf, FALSE);
	s->dom = -1;
	return 0;
}

/* The message in fbuf to the collector. */
static int emit(struct ipfix_sink *s)
{
	GError *gerr = NULL;

	if (!s->pending)
		return 0;
	s->pending = false;
	if (!fBufEmit(s->fbuf, &gerr))
		return fb_failed(s, "emit", gerr);
	s->msgs_since_tmpl++;
	return ipfix_conn_send(&s->conn, s->msg,
			       fbExporterGetMsgLen(s->exporter), s->err,
			       s->errlen);
}

/* Starts writing domain @dom (DOM_*), templates first. */
static int set_domain(struct ipfix_sink *s, int dom)
{
	GError *gerr = NULL;
	int ret;

	if (s->dom == dom)
		return 0;
	ret = emit(s);
	if (ret)
		return ret;
	fbSessionSetDomain(s->session, s->p.domain[dom]);
	s->dom = dom;
	s->tid = 0;
	if (!s->need_tmpl[dom])
		return 0;
	/* the first call only closes the message: templates start a new one */
	if (!fbSessionExportTemplates(s->session, &gerr)) {
		if (!g_error_matches(gerr, FB_ERROR_DOMAIN, FB_ERROR_EOM))
			return fb_failed(s, "templates", gerr);
		g_clear_error(&gerr);
		ret = emit(s);
		if (ret)
			return ret;
		if (!fbSessionExportTemplates(s->session, &gerr))
			return fb_failed(s, "templates", gerr);
	}
	s->need_tmpl[dom] = false;
	s->pending = true;
	return 0;
}

/* One record of template @tid; a full message is sent first. */
static int append(struct ipfix_sink *s, uint16_t tid, void *rec, size_t len)
{
	GError *gerr = NULL;
	int ret;

	if (s->tid != tid) {
		if (!fBufSetInternalTemplate(s->fbuf, tid, &gerr) ||
		    !fBufSetExportTemplate(s->fbuf, tid, &gerr))
			return fb_failed(s, "set template", gerr);
		s->tid = tid;
	}
	if (fBufAppend(s->fbuf, rec, len, &gerr))
		goto done;
	if (!g_error_matches(gerr, FB_ERROR_DOMAIN, FB_ERROR_EOM))
		return fb_failed(s, "append", gerr);
	g_clear_error(&gerr);
	ret = emit(s);
	if (ret)
		return ret;
	if (!fBufAppend(s->fbuf, rec, len, &gerr))
		return fb_failed(s, "append", gerr);
done:
	s->pending = true;
	s->records++;
	return 0;
}

/* --- records ---------------------------------------------------------- */

/* One side of an entry and its direction's counts. */
struct flow_rec {
	struct addr src, dst;
	uint16_t sport, dport;
	uint8_t proto, direction;
	uint64_t pkts, bytes, start_ms, end_ms;
};

static int write_record(struct ipfix_sink *s, int dom,
			const struct flow_rec *f)
{
	int ret = set_domain(s, dom);
	struct rec4 r4 = { 0 };
	struct rec6 r6 = { 0 };

	if (ret)
		return ret;
	if (f->src.len == 16 || f->dst.len == 16) {
		r6 = (struct rec6){ f->bytes, f->pkts, f->start_ms, f->end_ms,
				    { 0 }, { 0 }, f->sport, f->dport, f->proto,
				    f->direction, { 0 } };
		memcpy(r6.src, f->src.bytes, f->src.len);
		memcpy(r6.dst, f->dst.bytes, f->dst.len);
		return append(s, TID_V6, &r6, sizeof(r6));
	}
	r4 = (struct rec4){ f->bytes, f->pkts, f->start_ms, f->end_ms,
			    0, 0, f->sport, f->dport, f->proto, f->direction,
			    { 0 } };
	if (f->src.len)
		r4.src = (uint32_t)f->src.bytes[0] << 24 | f->src.bytes[1] << 16 |
			 f->src.bytes[2] << 8 | f->src.bytes[3];
	if (f->dst.len)
		r4.dst = (uint32_t)f->dst.bytes[0] << 24 | f->dst.bytes[1] << 16 |
			 f->dst.bytes[2] << 8 | f->dst.bytes[3];
	return append(s, TID_V4, &r4, sizeof(r4));
}

static uint64_t member_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       json_object_get_uint64(v) : 0;
}

/* An entry's "src" or "dst": 0, or -EINVAL; absent is the zero side. */
static int member_addrport(struct json_object *o, const char *key,
			   struct addr *a, uint16_t *port)
{
	struct json_object *v;

	memset(a, 0, sizeof(*a));
	*port = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return addrport_parse(a, port, json_object_get_string(v)) ? -EINVAL :
								    0;
}

/*
 * The sides of @e in one family: the destination's (the endpoint, for a
 * physical entry), else the source's; a side of the other family, or
 * absent, is that family's unspecified address.
 */
static int entry_sides(struct json_object *e, struct flow_rec *f)
{
	uint8_t len;

	if (member_addrport(e, "src", &f->src, &f->sport) ||
	    member_addrport(e, "dst", &f->dst, &f->dport))
		return -EINVAL;
	len = f->dst.len ? f->dst.len : f->src.len ? f->src.len : 4;
	if (f->src.len != len) {
		memset(&f->src, 0, sizeof(f->src));
		f->src.len = len;
		f->sport = 0;
	}
	if (f->dst.len != len) {
		memset(&f->dst, 0, sizeof(f->dst));
		f->dst.len = len;
	}
	return 0;
}

/* One connection entry: its tx record, its rx record, those with traffic. */
static int write_entry(struct ipfix_sink *s, int dom, struct json_object *e,
		       uint64_t start_ms, uint64_t end_ms)
{
	struct flow_rec tx = { .start_ms = start_ms, .end_ms = end_ms }, rx;
	int ret;

	if (!json_object_is_type(e, json_type_object) || entry_sides(e, &tx))
		return -EBADMSG;
	tx.proto = dom == DOM_PHYSICAL ? IPPROTO_UDP_NUM :
					 member_u64(e, "proto");
	rx = tx;
	tx.direction = FLOW_EGRESS;
	tx.pkts = member_u64(e, "txPkts");
	tx.bytes = member_u64(e, "txBytes");
	rx.direction = FLOW_INGRESS;
	rx.src = tx.dst;
	rx.sport = tx.dport;
	rx.dst = tx.src;
	rx.dport = tx.sport;
	rx.pkts = member_u64(e, "rxPkts");
	rx.bytes = member_u64(e, "rxBytes");
	ret = tx.pkts || tx.bytes ? write_record(s, dom, &tx) : 0;
	if (!ret && (rx.pkts || rx.bytes))
		ret = write_record(s, dom, &rx);
	return ret;
}

static int message_time(struct json_object *msg, const char *key,
			uint64_t *ms)
{
	struct json_object *v;
	uint64_t ns;

	if (!json_object_object_get_ex(msg, key, &v) ||
	    fmt_time_parse(json_object_get_string(v), &ns))
		return -EBADMSG;
	*ms = ns / 1000000;
	return 0;
}

/* sink_each_message()'s callback: every entry of every traffic array. */
static int write_message(struct json_object *msg, void *arg)
{
	static const char *const arrays[] = {
		"virtualTraffic", "subnetTraffic", "exitTraffic",
		"physicalTraffic",
	};
	struct ipfix_sink *s = arg;
	struct json_object *arr;

	uint64_t start_ms, end_ms;
	size_t a, i, n;
	int ret;

	if (message_time(msg, "start", &start_ms) ||
	    message_time(msg, "end", &end_ms))
		return -EBADMSG;
	s->messages++;
	for (a = 0; a < 4; a++) {
		if (!json_object_object_get_ex(msg, arrays[a], &arr))
			continue;
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			ret = write_entry(s, a == 3 ? DOM_PHYSICAL : DOM_VIRTUAL,
					  json_object_array_get_idx(arr, i),
					  start_ms, end_ms);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* The window's options record: in its own domain, scoped to the data's. */
static int write_window(struct ipfix_sink *s)
{
	const struct window_meta *m = &s->meta;
	struct optrec r = {
		.domain = s->p.domain[DOM_VIRTUAL],
		.start_ms = m->start_ns / 1000000,
		.end_ms = m->end_ns / 1000000,
		.ignored_pkts = m->miss_table_full.pkts,
		.ignored_octets = m->miss_table_full.bytes,
		.not_sent_pkts = m->excluded.pkts,
		.not_sent_octets = m->excluded.bytes,
	};
	int ret = set_domain(s, DOM_OPTIONS);

	return ret ? ret : append(s, TID_OPT, &r, sizeof(r));
}

/* --- the sink --------------------------------------------------------- */

static void ipfix_window(void *priv, const struct window_meta *meta)
{
	struct ipfix_sink *s = priv;

	s->have_meta = meta;
	if (meta)
		s->meta = *meta;
}

/* A new connection, or a refresh due: templates go first in each domain. */
static int prepare(struct ipfix_sink *s)
{
	bool fresh = s->conn.fd < 0;
	uint64_t now = clock_ms();
	int ret = ipfix_conn_open(&s->conn, s->err, s->errlen), i;

	if (ret)
		return ret;
	if (fresh || (!s->p.tcp &&
		      ((s->p.refresh_s &&
			now - s->tmpl_ms >= s->p.refresh_s * 1000) ||
		       (s->p.refresh_msgs &&
			s->msgs_since_tmpl >= s->p.refresh_msgs)))) {
		for (i = 0; i < NDOMS; i++)
			s->need_tmpl[i] = true;
		s->tmpl_ms = now;
		s->msgs_since_tmpl = 0;
	}
	s->dom = -1;
	return 0;
}

static int ipfix_deliver(void *priv, const char *batch, size_t len,
			 uint64_t dropped, uint64_t *entries,
			 uint64_t *skipped, char *err, size_t errlen)
{
	struct ipfix_sink *s = priv;
	int ret;

	(void)dropped;
	(void)skipped;
	s->err = err;
	s->errlen = errlen;
	s->records = s->messages = 0;
	ret = prepare(s);
	if (!ret && s->have_meta)
		ret = write_window(s);
	if (!ret)
		ret = sink_each_message(batch, len, write_message, s);
	if (ret == -EBADMSG)
		snprintf(err, errlen, "batch is not a JSON array of netlog messages");
	if (!ret)
		ret = emit(s);
	if (!ret)
		ret = ipfix_conn_flush(&s->conn, err, errlen);
	if (ret && ret != -EBADMSG && s->p.tcp) {
		/* what the broken connection held is sent again, templates first */
		ipfix_conn_close(&s->conn);
		s->pending = false;
	}
	if (!ret) {
		*entries = s->messages;
		log_debug("sink %s: %" PRIu64 " messages as %" PRIu64 " IPFIX records",
			  s->name, s->messages, s->records);
	}
	return ret;
}

static void ipfix_close(void *priv)
{
	struct ipfix_sink *s = priv;

	if (!s)
		return;
	if (s->fbuf)
		fBufFree(s->fbuf);
	else if (s->session)
		fbSessionFree(s->session);
	if (s->model)
		fbInfoModelFree(s->model);
	ipfix_conn_close(&s->conn);
	free(s->msg);
	free(s->name);
	free(s);
}

static int ipfix_open(const char *name, const void *opts, void **priv)
{
	struct ipfix_sink *s = calloc(1, sizeof(*s));
	char err[256] = "";
	int ret;

	if (!s)
		return -ENOMEM;
	s->err = err;
	s->errlen = sizeof(err);
	s->conn.fd = -1;
	s->name = strdup(name);
	ret = s->name ? parse_opts(opts, &s->p, err, sizeof(err)) : -ENOMEM;
	if (!ret) {
		memcpy(s->conn.host, s->p.host, sizeof(s->conn.host));
		memcpy(s->conn.port, s->p.port, sizeof(s->conn.port));
		s->conn.tcp = s->p.tcp;
		s->conn.timeout_ms = IO_TIMEOUT_MS;
		ret = fb_setup(s, s->p.tcp ? TCP_MESSAGE_MAX :
				  s->p.mtu - UDP_OVERHEAD);
	}
	if (ret) {
		log_err("sink %s: %s", name, err[0] ? err : strerror(-ret));
		ipfix_close(s);
		return ret;
	}
	*priv = s;
	return 0;
}

static const struct sink_key ipfix_keys[] = {
	{ "collector", SINK_KEY_PATH, offsetof(struct ipfix_opts, collector),
	  0, false },
	{ "transport", SINK_KEY_NAME, offsetof(struct ipfix_opts, transport),
	  0, false },
	{ "mtu", SINK_KEY_NAME, offsetof(struct ipfix_opts, mtu), 0, false },
	{ "template_refresh", SINK_KEY_NAME,
	  offsetof(struct ipfix_opts, template_refresh), 0, false },
	{ "template_refresh_packets", SINK_KEY_NAME,
	  offsetof(struct ipfix_opts, template_refresh_packets), 0, false },
	{ "observation_domain", SINK_KEY_NAME,
	  offsetof(struct ipfix_opts, observation_domain), 0, false },
	{ "physical_observation_domain", SINK_KEY_NAME,
	  offsetof(struct ipfix_opts, physical_observation_domain), 0, false },
	{ "options_observation_domain", SINK_KEY_NAME,
	  offsetof(struct ipfix_opts, options_observation_domain), 0, false },
};

const struct sink_type sink_ipfix = {
	.name = "ipfix",
	.keys = ipfix_keys,
	.nkeys = sizeof(ipfix_keys) / sizeof(ipfix_keys[0]),
	.opts_size = sizeof(struct ipfix_opts),
	.codec = COMPRESS_NONE,
	.check = ipfix_check,
	.open = ipfix_open,
	.close = ipfix_close,
	.deliver = ipfix_deliver,
	.window = ipfix_window,
};

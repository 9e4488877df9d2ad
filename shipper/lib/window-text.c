// SPDX-License-Identifier: GPL-2.0
/* The text forms of a window: netlogctl's table and its dump lines. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "fmt.h"
#include "window-text.h"

/* The longest dump line: "physical", 3 digits, two addresses, 4 counters. */
#define DUMP_LINE_MAX (8 + 3 + 2 * ADDRPORT_STRLEN + 4 * FMT_U64_LEN + 8)

static const char *kind_name(uint8_t kind)
{
	const char *name = flow_kind_name(kind);

	return name ? name : "unknown";
}

static char *put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

static char *put_u64(char *p, uint64_t v, char sep)
{
	p += fmt_u64(p, v);
	*p++ = sep;
	return p;
}

/* One flow's line into @line, as "%s\t%u\t%s\t%s\t%llu...\n" would. */
static size_t dump_line(char *line, const struct flow *f,
			struct addrport_text *local,
			struct addrport_text *remote)
{
	const char *kind = kind_name(f->kind);
	char *p = line;

	p = put_str(p, kind, strlen(kind));
	*p++ = '\t';
	p = put_u64(p, f->proto, '\t');
	addrport_text(local, &f->local, f->local_port);
	p = put_str(p, local->text, local->len);
	*p++ = '\t';
	addrport_text(remote, &f->remote, f->remote_port);
	p = put_str(p, remote->text, remote->len);
	*p++ = '\t';
	p = put_u64(p, f->tx_pkts, '\t');
	p = put_u64(p, f->tx_bytes, '\t');
	p = put_u64(p, f->rx_pkts, '\t');
	p = put_u64(p, f->rx_bytes, '\n');
	return p - line;
}

/*
 * Written without printf: a million lines through vfprintf() took most of
 * `netlogctl dump`'s time. The lines are gathered and written in chunks
 * larger than stdio's buffer, which fwrite() passes on without a copy.
 */
void window_print_dump(const struct window *w, FILE *out)
{
	char chunk[64 * 1024];
	struct addrport_text local = { 0 }, remote = { 0 };
	size_t i, len = 0;

	for (i = 0; i < w->nr; i++) {
		if (len > sizeof(chunk) - DUMP_LINE_MAX) {
			fwrite(chunk, 1, len, out);
			len = 0;
		}
		len += dump_line(chunk + len, &w->flows[i], &local, &remote);
	}
	fwrite(chunk, 1, len, out);
}

static int digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

void window_print_table(const struct window *w, FILE *out)
{
	char local[ADDRPORT_STRLEN], remote[ADDRPORT_STRLEN];
	char start[FMT_TIME_LEN], end[FMT_TIME_LEN], proto[4];
	int wl = 5, wr = 6, w1 = 7, w2 = 8, w3 = 7, w4 = 8;
	const struct flow *f;
	const char *name;
	size_t i;

	fmt_time(w->start_ns, start, sizeof(start));
	fmt_time(w->end_ns, end, sizeof(end));
	if (w->seq)
		fprintf(out, "window %" PRIu64 ": %s to %s, %zu flows\n", w->seq,
			start, end, w->nr);
	else
		fprintf(out, "live window: %s to %s, %zu flows\n", start, end,
			w->nr);

	for (i = 0; i < w->nr; i++) {
		f = &w->flows[i];
		addrport_format(&f->local, f->local_port, local, sizeof(local));
		addrport_format(&f->remote, f->remote_port, remote,
				sizeof(remote));
		wl = max_int(wl, strlen(local));
		wr = max_int(wr, strlen(remote));
		w1 = max_int(w1, digits(f->tx_pkts));
		w2 = max_int(w2, digits(f->tx_bytes));
		w3 = max_int(w3, digits(f->rx_pkts));
		w4 = max_int(w4, digits(f->rx_bytes));
	}
	if (w->nr)
		fprintf(out, "  %-8s  %-6s  %-*s  %-*s  %*s  %*s  %*s  %*s\n",
			"kind", "proto", wl, "local", wr, "remote", w1,
			"tx pkts", w2, "tx bytes", w3, "rx pkts", w4,
			"rx bytes");
	for (i = 0; i < w->nr; i++) {
		f = &w->flows[i];
		addrport_format(&f->local, f->local_port, local, sizeof(local));
		addrport_format(&f->remote, f->remote_port, remote,
				sizeof(remote));
		name = fmt_proto(f->proto);
		if (!name) {
			snprintf(proto, sizeof(proto), "%u", f->proto);
			name = proto;
		}
		fprintf(out, "  %-8s  %-6s  %-*s  %-*s  %*" PRIu64 "  %*" PRIu64
			"  %*" PRIu64 "  %*" PRIu64 "\n", kind_name(f->kind),
			name, wl, local, wr, remote, w1, f->tx_pkts, w2,
			f->tx_bytes, w3, f->rx_pkts, w4, f->rx_bytes);
	}
	fprintf(out, "  misses (table full): %" PRIu64 " packets, %" PRIu64
		" bytes\n", w->miss_table_full.pkts, w->miss_table_full.bytes);
	fprintf(out, "  excluded: %" PRIu64 " packets, %" PRIu64 " bytes\n",
		w->excluded.pkts, w->excluded.bytes);
}

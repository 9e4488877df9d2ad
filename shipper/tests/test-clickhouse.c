// SPDX-License-Identifier: GPL-2.0
/*
 * The clickhouse sink: the rows of known messages, byte for byte (the four
 * traffic classes, IPv4 and IPv6, counters a record omits), its URL and
 * headers, its configuration, and its verdict on ClickHouse's errors. With
 * --server, the same windows through the spool and the uploader into a real
 * clickhouse-server on 127.0.0.1 (data in the test's directory), in a table
 * made by `netlogd --print-schema clickhouse`: gzip and none, a table lacking
 * a column (set aside), the server down (retried, then in once).
 *
 *   test-clickhouse [--server /usr/sbin/clickhouse-server --netlogd NETLOGD]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "check.h"
#include "receiver.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "sink-clickhouse.h"
#include "sink-types.h"
#include "spool.h"
#include "upload.h"

/* Window 1: every traffic class, IPv4 and IPv6, counters left out. */
#define M1 "\"nodeId\":\"nSELF1CNTRL\",\"start\":\"2025-11-18T20:23:09.6441Z\"," \
	"\"end\":\"2025-11-18T20:23:14.650873112Z\",\"srcNode\":{\"nodeId\":\"nSELF1CNTRL\"," \
	"\"name\":\"gw.example.ts.net\",\"addresses\":[\"100.64.0.1\",\"fd7a:115c:a1e0::1\"]," \
	"\"tags\":[\"tag:gw\"]},\"dstNodes\":[{\"nodeId\":\"nPEER2CNTRL\",\"name\":\"db.example.ts.net\"," \
	"\"addresses\":[\"100.64.0.2\",\"fd7a:115c:a1e0::2\"],\"os\":\"linux\",\"user\":\"a@example.com\"}]," \
	"\"virtualTraffic\":[{\"proto\":6,\"src\":\"100.64.0.1:51514\",\"dst\":\"100.64.0.2:5432\"," \
	"\"txPkts\":12,\"txBytes\":1880,\"rxPkts\":10,\"rxBytes\":5320},{\"proto\":58," \
	"\"src\":\"[fd7a:115c:a1e0::1]:0\",\"dst\":\"[fd7a:115c:a1e0::2]:0\",\"txPkts\":5,\"txBytes\":520}]," \
	"\"subnetTraffic\":[{\"proto\":17,\"src\":\"192.168.1.10:53\",\"dst\":\"100.64.0.2:40000\"," \
	"\"rxPkts\":3,\"rxBytes\":300}],\"exitTraffic\":[{\"txPkts\":7,\"txBytes\":700,\"rxPkts\":8," \
	"\"rxBytes\":800},{\"src\":\"100.64.0.1:0\",\"txPkts\":1,\"txBytes\":60}]," \
	"\"physicalTraffic\":[{\"src\":\"100.64.0.2:0\",\"dst\":\"[2001:db8::5]:41641\",\"txPkts\":20," \
	"\"txBytes\":2832,\"rxPkts\":15,\"rxBytes\":6190}]"
#define MSG1 "{" M1 "}"
/* Window 2: no node information, an unknown peer, the largest counter. */
#define M2 "\"nodeId\":\"nSELF1CNTRL\",\"start\":\"2025-11-18T20:23:14.650873112Z\"," \
	"\"end\":\"2025-11-18T20:23:19Z\",\"virtualTraffic\":[{\"proto\":6,\"src\":\"100.64.0.1:443\"," \
	"\"dst\":\"100.64.0.9:1234\",\"txPkts\":18446744073709551615,\"txBytes\":1}]"
#define MSG2 "{" M2 "}"

#define W1 "\"start\":1763497389,\"start_ns\":644100000,\"end\":1763497394,\"end_ns\":650873112," \
	"\"node_id\":\"nSELF1CNTRL\",\"node_name\":\"gw.example.ts.net\","
#define PEER2 "\"peer_id\":\"nPEER2CNTRL\",\"peer_name\":\"db.example.ts.net\","
#define NOPEER "\"peer_id\":\"\",\"peer_name\":\"\","

/* The rows of MSG1 and MSG2, in the order the sink writes them. */
static const char *const rows[] = {
	"{" W1 "\"traffic\":\"virtual\",\"proto\":6,\"src\":\"100.64.0.1:51514\",\"src_ip\":\"100.64.0.1\","
	"\"src_port\":51514,\"dst\":\"100.64.0.2:5432\",\"dst_ip\":\"100.64.0.2\",\"dst_port\":5432,"
	PEER2 "\"tx_pkts\":12,\"tx_bytes\":1880,\"rx_pkts\":10,\"rx_bytes\":5320}",
	"{" W1 "\"traffic\":\"virtual\",\"proto\":58,\"src\":\"[fd7a:115c:a1e0::1]:0\","
	"\"src_ip\":\"fd7a:115c:a1e0::1\",\"src_port\":0,\"dst\":\"[fd7a:115c:a1e0::2]:0\","
	"\"dst_ip\":\"fd7a:115c:a1e0::2\",\"dst_port\":0," PEER2
	"\"tx_pkts\":5,\"tx_bytes\":520,\"rx_pkts\":0,\"rx_bytes\":0}",
	"{" W1 "\"traffic\":\"subnet\",\"proto\":17,\"src\":\"192.168.1.10:53\",\"src_ip\":\"192.168.1.10\","
	"\"src_port\":53,\"dst\":\"100.64.0.2:40000\",\"dst_ip\":\"100.64.0.2\",\"dst_port\":40000,"
	PEER2 "\"tx_pkts\":0,\"tx_bytes\":0,\"rx_pkts\":3,\"rx_bytes\":300}",
	"{" W1 "\"traffic\":\"exit\",\"proto\":0,\"src\":\"\",\"src_ip\":\"\",\"src_port\":0,\"dst\":\"\","
	"\"dst_ip\":\"\",\"dst_port\":0," NOPEER "\"tx_pkts\":7,\"tx_bytes\":700,\"rx_pkts\":8,\"rx_bytes\":800}",
	"{" W1 "\"traffic\":\"exit\",\"proto\":0,\"src\":\"100.64.0.1:0\",\"src_ip\":\"100.64.0.1\","
	"\"src_port\":0,\"dst\":\"\",\"dst_ip\":\"\",\"dst_port\":0," NOPEER
	"\"tx_pkts\":1,\"tx_bytes\":60,\"rx_pkts\":0,\"rx_bytes\":0}",
	"{" W1 "\"traffic\":\"physical\",\"proto\":0,\"src\":\"100.64.0.2:0\",\"src_ip\":\"100.64.0.2\","
	"\"src_port\":0,\"dst\":\"[2001:db8::5]:41641\",\"dst_ip\":\"2001:db8::5\",\"dst_port\":41641,"
	PEER2 "\"tx_pkts\":20,\"tx_bytes\":2832,\"rx_pkts\":15,\"rx_bytes\":6190}",
	"{\"start\":1763497394,\"start_ns\":650873112,\"end\":1763497399,\"end_ns\":0,"
	"\"node_id\":\"nSELF1CNTRL\",\"node_name\":\"\",\"traffic\":\"virtual\",\"proto\":6,"
	"\"src\":\"100.64.0.1:443\",\"src_ip\":\"100.64.0.1\",\"src_port\":443,\"dst\":\"100.64.0.9:1234\","
	"\"dst_ip\":\"100.64.0.9\",\"dst_port\":1234," NOPEER
	"\"tx_pkts\":18446744073709551615,\"tx_bytes\":1,\"rx_pkts\":0,\"rx_bytes\":0}",
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const struct sink_type *ch;

/* A [sink] section of type clickhouse with @n keys and values: 0, or -EINVAL. */
static int ch_config(struct upload_config *cfg, const char *const *kv, size_t n,
		     char *err)
{
	if (sink_try(cfg, "clickhouse", kv, n, err))
		return -EINVAL;
	cfg->timeout_ms = 10000;
	cfg->retry_min_ms = 100;
	cfg->retry_max_ms = 200;
	cfg->retry_cap_ms = 1000;
	return 0;
}

static char *joined_rows(size_t first, size_t end)
{
	struct buf b = { 0 };
	size_t i;

	for (i = first; i < end; i++)
		if (buf_append(&b, rows[i], strlen(rows[i])) ||
		    buf_append(&b, "\n", 1))
			die("buf_append");
	return b.data;
}

/* MSG1 and MSG2 as a spooled batch, with a text entry between. */
static void test_rows_of_known_messages(void)
{
	static const char batch[] =
		"[{\"logtail\":{\"client_time\":\"2025-11-18T20:23:14.7Z\",\"proc_id\":7,\"proc_seq\":1}," M1 "}",
		text[] = ",{\"logtail\":{\"client_time\":\"2025-11-18T20:23:15Z\",\"proc_id\":7,\"proc_seq\":2},"
			 "\"text\":\"----------- 3 logs dropped ----------\"},",
		last[] = "{\"logtail\":{\"client_time\":\"2025-11-18T20:23:19.1Z\",\"proc_id\":7,\"proc_seq\":3},"
			 M2 "}";
	const char *kv[] = { "url", "http://127.0.0.1:8123" };
	struct sink_request req = { 0 };
	struct upload_config cfg;
	char err[CONFIG_ERR_LEN], *all, *want;
	void *priv;

	if (ch_config(&cfg, kv, 1, err))
		die(err);
	CHECK_EQ(ch->open("ch", cfg.opts, &priv), 0);
	if (asprintf(&all, "%s%s%s]", batch, text, last) < 0)
		die("asprintf");
	CHECK_EQ(ch->request(priv, all, strlen(all), 3, &req), 0);
	want = joined_rows(0, NROWS);
	check_str("rows", req.body.data ? req.body.data : "", want);
	CHECK_EQ(req.entries, 2);	/* messages: the text entry is none */
	CHECK_STR(req.url, "http://127.0.0.1:8123/?query=INSERT+INTO+netlog_flows+FORMAT+JSONEachRow"
		  "&enable_http_compression=1");
	CHECK_STR(req.where, "clickhouse http://127.0.0.1:8123 table netlog_flows");
	CHECK_STR(req.content_type, "application/x-ndjson");
	CHECK(req.headers[0] == NULL);
	/* the body is rebuilt, not appended to, on the next attempt */
	CHECK_EQ(ch->request(priv, all, strlen(all), 0, &req), 0);
	check_str("rows again", req.body.data ? req.body.data : "", want);
	CHECK_EQ(ch->request(priv, "[{\"nodeId\":\"x\",\"start\":\"yesterday\"}]",
			     35, 0, &req), -EBADMSG);
	CHECK_EQ(ch->request(priv, "{}", 2, 0, &req), -EBADMSG);
	free(want);
	free(all);
	buf_free(&req.body);
	ch->close(priv);
}

/* Each row's members are the schema's columns, in its order. */
static void test_schema_matches_rows(void)
{
	char *text = NULL, *p, *line, *save;
	struct json_object *row = json_tokener_parse(rows[0]);
	struct json_object_iterator it = json_object_iter_begin(row),
				    end = json_object_iter_end(row);
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK_EQ(clickhouse_schema(f, "flows_1"), 0);
	CHECK_EQ(clickhouse_schema(f, "1flows"), -EINVAL);
	CHECK_EQ(clickhouse_schema(f, "a.b"), -EINVAL);
	fclose(f);
	CHECK(!strncmp(text, "CREATE TABLE IF NOT EXISTS flows_1\n(\n", 37));
	CHECK(strstr(text, "\nENGINE = MergeTree\nPARTITION BY toYYYYMMDD(start)\n"
		     "ORDER BY (node_id, start, traffic, src_ip, dst_ip)\n") != NULL);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "    `", 5))
			continue;
		p = strchr(line + 5, '`');
		if (json_object_iter_equal(&it, &end)) {
			n++;
			continue;
		}
		CHECK(p && !strncmp(line + 5, json_object_iter_peek_name(&it),
				    p - line - 5));
		json_object_iter_next(&it);
		n++;
	}
	CHECK_EQ(n, 20);
	CHECK(json_object_iter_equal(&it, &end));
	CHECK(strstr(rows[0], "DateTime64") == NULL);
	json_object_put(row);
	free(text);
}

/* The keys: database, user and password_file; the refusals. */
static void test_config(void)
{
	const char *secret = secret_file("ch.password", "s3cr3t pass\n");
	const char *kv[] = { "url", "https://ch.example.com:8443",
			     "table", "flows", "database", "netlog",
			     "user", "netlogd", "password_file", secret,
			     "compression", "none" };
	const char *zstd[] = { "url", "http://h", "compression", "zstd" };
	const char *bad_table[] = { "url", "http://h", "table", "flows;drop" };
	const char *query[] = { "url", "http://h/?x=1" };
	const char *no_user[] = { "url", "http://h", "password_file", secret };
	struct sink_request req = { 0 };
	struct upload_config cfg;
	char err[CONFIG_ERR_LEN];
	void *priv;

	CHECK_EQ(ch_config(&cfg, kv, 6, err), 0);
	CHECK_EQ(cfg.codec, COMPRESS_NONE);
	CHECK_EQ(ch->open("ch", cfg.opts, &priv), 0);
	CHECK_EQ(ch->request(priv, "[]", 2, 0, &req), 0);
	CHECK_STR(req.url, "https://ch.example.com:8443/?query=INSERT+INTO+flows+FORMAT+JSONEachRow"
		  "&database=netlog&enable_http_compression=1");
	CHECK_STR(req.where, "clickhouse https://ch.example.com:8443 table netlog.flows");
	CHECK_STR(req.headers[0], "X-ClickHouse-User: netlogd");
	CHECK_STR(req.headers[1], "X-ClickHouse-Key: s3cr3t pass");
	CHECK(req.headers[2] == NULL);
	CHECK_EQ(req.body.len, 0);
	ch->close(priv);
	buf_free(&req.body);

	CHECK_EQ(ch_config(&cfg, zstd, 1, err), 0);
	CHECK_EQ(cfg.codec, COMPRESS_GZIP);
	CHECK_EQ(ch_config(&cfg, zstd, 2, err), -EINVAL);
	check_str("zstd", err, "compression: must be gzip or none for a clickhouse sink "
		  "(ClickHouse 18.16 refuses zstd bodies): 'zstd'");
	CHECK_EQ(ch_config(&cfg, bad_table, 2, err), -EINVAL);
	check_str("table", err, "table: must be a name of A-Z a-z 0-9 _, not starting "
		  "with a digit: 'flows;drop'");
	CHECK_EQ(ch_config(&cfg, query, 1, err), -EINVAL);
	CHECK_EQ(ch_config(&cfg, NULL, 0, err), -EINVAL);
	check_str("url", err, "url: the clickhouse sink needs one, such as http://127.0.0.1:8123");
	CHECK_EQ(ch_config(&cfg, no_user, 2, err), -EINVAL);
	check_str("password", err, "password_file: needs user");
}

/* Which of ClickHouse 18.16's error replies are final (as it words them). */
static void test_refused(void)
{
	static const struct {
		const char *body;
		bool final;
	} cases[] = {
		{ "Code: 117, e.displayText() = DB::Exception: Unknown field found while parsing JSONEachRow format: peer_name: (at row 1)\n, e.what() = DB::Exception\n", true },
		{ "Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \" before: zz\"}: (while read the value of key a): (at row 1)\n", true },
		{ "Code: 26, e.displayText() = DB::Exception: Cannot parse JSON string", true },
		{ "Code: 60, e.displayText() = DB::Exception: Table default.nosuch doesn't exist., e.what() = DB::Exception\n", true },
		{ "Code: 16, e.displayText() = DB::Exception: No such column x in table t", true },
		{ "Code: 49, e.displayText() = DB::Exception: Unknown element 'bogus' for type Enum8('virtual' = 1): (while read the value of key traffic), e.what() = DB::Exception\n", true },
		{ "Code: 241, e.displayText() = DB::Exception: Memory limit (for query) exceeded", false },
		{ "Code: 252, e.displayText() = DB::Exception: Too many parts (300). Merges are processing significantly slower than inserts.", false },
		{ "Code: 89, e.displayText() = DB::Exception: Unknown Content-Encoding of HTTP request: zstd", false },
		{ "<html><body>502 Bad Gateway</body></html>", false },
		{ "", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = ch->refused(NULL, 500, cases[i].body,
				       strlen(cases[i].body));

		if (got != cases[i].final) {
			fprintf(stderr, "%s:%d: '%.40s...' is %s, want %s\n",
				__FILE__, __LINE__, cases[i].body,
				got ? "final" : "retried",
				cases[i].final ? "final" : "retried");
			failures++;
		}
	}
}

/*
 * A row of rows[] as SELECT prints it in TabSeparated, its members in
 * order, onto @out; its counters added to @sums, as UInt64 wraps.
 */
static void expected_tsv(const char *row, struct buf *out, uint64_t *sums)
{
	struct json_object *obj = json_tokener_parse(row);
	bool first = true;

	json_object_object_foreach(obj, key, val) {
		const char *s = json_object_get_string(val);

		if (!first)
			buf_append(out, "\t", 1);
		first = false;
		buf_append(out, s, strlen(s));
		if (!strncmp(key, "tx_", 3) || !strncmp(key, "rx_", 3))
			sums[(key[0] == 'r') * 2 + !strcmp(key + 3, "bytes")] +=
				json_object_get_uint64(val);
	}
	buf_append(out, "\n", 1);
	json_object_put(obj);
}

/* --- a real clickhouse-server ----------------------------------------- */

struct chserver {
	const char *bin;
	pid_t pid;
	int http_port, tcp_port;
	char dir[256];
};

/* A port free on 127.0.0.1 now. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		die("free port");
	close(fd);
	return ntohs(sa.sin_port);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	return buf_append(arg, data, size * nmemb) ? 0 : size * nmemb;
}

/* POST @sql to the server: the status (0: no reply), the reply in @out. */
static long ch_sql(const struct chserver *s, const char *sql, struct buf *out)
{
	CURL *curl = curl_easy_init();
	long status = 0;
	char url[64];

	out->len = 0;
	buf_append(out, "", 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s->http_port);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, sql);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	return status;
}

/* The minimal configuration of test-servers.md, all of it in s->dir. */
static void ch_write_config(struct chserver *s)
{
	FILE *f;

	snprintf(s->dir, sizeof(s->dir), "%s", path("clickhouse"));
	mkdir(s->dir, 0700);
	s->http_port = free_port();
	s->tcp_port = free_port();
	f = fopen(path("clickhouse/config.xml"), "w");
	if (!f)
		die("config.xml");
	fprintf(f, "<yandex>\n"
		"  <logger><level>warning</level><log>%s/server.log</log>"
		"<errorlog>%s/error.log</errorlog><console>0</console></logger>\n"
		"  <http_port>%d</http_port>\n  <tcp_port>%d</tcp_port>\n"
		"  <listen_host>127.0.0.1</listen_host>\n"
		"  <path>%s/data/</path>\n  <tmp_path>%s/tmp/</tmp_path>\n"
		"  <users_config>/etc/clickhouse-server/users.xml</users_config>\n"
		"  <default_profile>default</default_profile>\n"
		"  <default_database>default</default_database>\n"
		"  <mark_cache_size>5368709</mark_cache_size>\n</yandex>\n",
		s->dir, s->dir, s->http_port, s->tcp_port, s->dir, s->dir);
	fclose(f);
}

/* Starts the server and waits for its /ping: 0, or -ETIMEDOUT. */
static int ch_start(struct chserver *s)
{
	struct buf out = { 0 };
	char conf[320];
	uint64_t until = clock_ms() + 30000;
	int fd, ret = -ETIMEDOUT;

	snprintf(conf, sizeof(conf), "--config-file=%s/config.xml", s->dir);
	s->pid = fork();
	if (s->pid < 0)
		die("fork");
	if (!s->pid) {
		fd = open(path("clickhouse/stdout.log"),
			  O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execl(s->bin, s->bin, conf, (char *)NULL);
		_exit(127);
	}
	while (clock_ms() < until) {
		if (ch_sql(s, "SELECT 1", &out) == 200) {
			ret = 0;
			break;
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
			break;
		usleep(50000);
	}
	buf_free(&out);
	return ret;
}

static void ch_stop(struct chserver *s, int sig)
{
	kill(s->pid, sig);
	waitpid(s->pid, NULL, 0);
}

/*
 * The table named @table as netlogd --print-schema prints it; without
 * the column @drop when it is given.
 */
static void make_table(struct chserver *s, const char *netlogd,
		       const char *table, const char *drop)
{
	struct buf sql = { 0 }, out = { 0 };
	char cmd[512], line[256];
	FILE *p;
	long status;

	snprintf(cmd, sizeof(cmd), "%s --print-schema clickhouse --table %s",
		 netlogd, table);
	p = popen(cmd, "r");
	if (!p)
		die(cmd);
	while (fgets(line, sizeof(line), p))
		if (!drop || !strstr(line, drop))
			buf_append(&sql, line, strlen(line));
	CHECK_EQ(pclose(p), 0);
	status = ch_sql(s, sql.data, &out);
	CHECK_EQ(status, 200);
	if (status != 200)
		fprintf(stderr, "CREATE TABLE %s: %s\n", table, out.data);
	buf_free(&sql);
	buf_free(&out);
}

/* A window of one message, and a text entry as a batch of its own. */
static void spool_msg(struct spool *sp, uint64_t w, const char *msg)
{
	size_t len = strlen(msg);

	if (spool_put_window(sp, w, w * 1000000000, w * 1000000000 + 1,
			     &msg, &len, 1))
		die("spool_put_window");
}

/*
 * The table holds the @n rows of rows[] at @idx, in their order, and no
 * others: its count, its sums and every row.
 */
static void check_table(struct chserver *s, const char *table,
			const size_t *idx, size_t n)
{
	struct buf out = { 0 }, want = { 0 };
	uint64_t sums[4] = { 0 };
	char sql[1024], num[64];
	size_t i, k;

	for (i = 0; i < n; i++)
		expected_tsv(rows[idx[i]], &want, sums);
	snprintf(sql, sizeof(sql), "SELECT count(), sum(tx_pkts), sum(tx_bytes), "
		 "sum(rx_pkts), sum(rx_bytes) FROM %s FORMAT TabSeparated", table);
	CHECK_EQ(ch_sql(s, sql, &out), 200);
	snprintf(num, sizeof(num), "%zu", n);
	for (k = 0; k < 4; k++)
		snprintf(num + strlen(num), sizeof(num) - strlen(num),
			 "\t%" PRIu64, sums[k]);
	strcat(num, "\n");
	check_str(table, out.data, num);
	snprintf(sql, sizeof(sql), "SELECT toUnixTimestamp(start), start_ns, "
		 "toUnixTimestamp(end), end_ns, node_id, node_name, traffic, "
		 "proto, src, src_ip, src_port, dst, dst_ip, dst_port, peer_id, "
		 "peer_name, tx_pkts, tx_bytes, rx_pkts, rx_bytes FROM %s "
		 "ORDER BY start, start_ns, traffic, src FORMAT TabSeparated",
		 table);
	CHECK_EQ(ch_sql(s, sql, &out), 200);
	check_str(table, out.data, want.data ? want.data : "");
	buf_free(&out);
	buf_free(&want);
}

static const size_t every_row[NROWS] = { 0, 1, 2, 3, 4, 5, 6 };

/* Windows 1 and 2 through the spool and the uploader into @table. */
static void deliver_windows(struct chserver *s, const char *netlogd,
			    const char *table, const char *codec)
{
	char url[64];
	const char *kv[] = { "url", url, "table", table, "user", "default",
			     "compression", codec };
	struct upload_config cfg;
	struct upload_stats us;
	char err[CONFIG_ERR_LEN];
	struct uploader *up;
	struct spool *sp;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s->http_port);
	make_table(s, netlogd, table, NULL);
	if (ch_config(&cfg, kv, 4, err))
		die(err);
	sp = new_spool(table);
	up = new_uploader(&cfg);
	spool_msg(sp, 1, MSG1);
	CHECK_EQ(spool_put_text(sp, "logger closing down\n"), 0);
	spool_msg(sp, 2, MSG2);
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.failures, 0);
	CHECK_EQ(us.rejected, 0);
	CHECK_EQ(us.last_status, 200);
	CHECK_EQ(us.compressed, strcmp(codec, "gzip") ? 0 : 2);
	check_table(s, table, every_row, NROWS);
	upload_close(up);
	spool_close(sp);
}

/* A table lacking peer_name: each batch set aside with the reply's head. */
static void bad_schema(struct chserver *s, const char *netlogd)
{
	char url[64], *batch, *reply;
	const char *kv[] = { "url", url, "table", "flows_bad" };
	struct upload_config cfg;
	struct upload_stats us;
	struct spool_item it;
	struct buf body = { 0 }, out = { 0 };
	char err[CONFIG_ERR_LEN];
	struct uploader *up;
	struct spool *sp;
	size_t len = 0;
	int cur;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s->http_port);
	make_table(s, netlogd, "flows_bad", "`peer_name`");
	if (ch_config(&cfg, kv, 2, err))
		die(err);
	sp = new_spool("bad");
	cfg.rejected_dir = path("rejected");
	up = new_uploader(&cfg);
	spool_msg(sp, 1, MSG1);
	/* the batch as spooled, to compare with the one set aside */
	if (spool_cursor_add(sp, "peek", &cur) ||
	    spool_cursor_read(sp, cur, &body, &it))
		die("spool_cursor_read");
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.rejected, 1);
	CHECK_EQ(us.failures, 0);
	CHECK_EQ(us.last_status, 500);
	CHECK(strstr(us.last_error, "HTTP 500: Code: 117,") != NULL);
	batch = read_all(path("rejected/%s", it.name), &len);
	CHECK(batch && len == body.len && !memcmp(batch, body.data, len));
	reply = read_all(path("rejected/%s.reply", it.name), &len);
	CHECK(reply && !strncmp(reply, "status 500\nCode: 117, e.displayText() = "
				"DB::Exception: Unknown field found while parsing "
				"JSONEachRow format: peer_name", 107));
	CHECK(len <= strlen("status 500\n") + 1024);
	CHECK_EQ(ch_sql(s, "SELECT count() FROM flows_bad", &out), 200);
	CHECK_STR(out.data, "0\n");
	free(batch);
	free(reply);
	buf_free(&body);
	buf_free(&out);
	upload_close(up);
	spool_close(sp);
}

/* The server down: retried; once it is up, the batch is in once. */
static void server_down(struct chserver *s, const char *netlogd)
{
	char url[64];
	const char *kv[] = { "url", url, "table", "flows_down" };
	struct upload_config cfg;
	struct upload_stats us;
	char err[CONFIG_ERR_LEN];
	struct uploader *up;
	struct spool *sp;
	static const size_t twice[] = { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6 };
	uint64_t next;
	int i;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s->http_port);
	make_table(s, netlogd, "flows_down", NULL);
	if (ch_config(&cfg, kv, 2, err))
		die(err);
	sp = new_spool("down");
	up = new_uploader(&cfg);
	spool_msg(sp, 1, MSG1);
	spool_msg(sp, 2, MSG2);
	CHECK_EQ(drain(up, sp, 3), 0);
	/*
	 * Killed: a graceful stop waits some 10 s for the uploader's
	 * kept-alive connection.
	 */
	ch_stop(s, SIGKILL);
	spool_msg(sp, 3, MSG1);
	for (i = 0; i < 2; i++) {
		CHECK_EQ(upload_step(up, sp, clock_ms(), &next), -EAGAIN);
		usleep(250000);
	}
	upload_stats(up, &us);
	CHECK_EQ(us.failures, 2);
	CHECK_EQ(us.last_status, 0);
	CHECK_EQ(ch_start(s), 0);
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.failures, 2);
	CHECK_EQ(us.batches, 3);
	/* window 1 twice (windows 1 and 3), window 2 once: no row twice more */
	check_table(s, "flows_down", twice, NROWS * 2 - 1);
	upload_close(up);
	spool_close(sp);
}

/* --server and --netlogd: NULL for the host tests alone. */
static const char *server_bin, *netlogd_bin;

static void test_server(void)
{
	struct chserver s = { .bin = server_bin };
	const char *netlogd = netlogd_bin;
	uint64_t t = clock_ms();

	ch_write_config(&s);
	if (ch_start(&s)) {
		fprintf(stderr, "test-clickhouse: %s did not answer; see %s\n",
			server_bin, s.dir);
		failures++;
		return;
	}
	printf("     clickhouse-server up in %" PRIu64 " ms\n", clock_ms() - t);
	deliver_windows(&s, netlogd, "flows_gzip", "gzip");
	deliver_windows(&s, netlogd, "flows_none", "none");
	bad_schema(&s, netlogd);
	server_down(&s, netlogd);
	ch_stop(&s, SIGTERM);
}

static const struct {
	const char *name;
	void (*fn)(void);
	bool server;
} tests[] = {
	{ "rows of known messages", test_rows_of_known_messages, false },
	{ "schema matches the rows", test_schema_matches_rows, false },
	{ "configuration", test_config, false },
	{ "final errors", test_refused, false },
	{ "into clickhouse-server", test_server, true },
};

static int usage(const char *prog)
{
	fprintf(stderr, "Usage: %s [--server CLICKHOUSE-SERVER --netlogd NETLOGD]\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t t;
	size_t i;
	int before;

	if (argc == 5 && !strcmp(argv[1], "--server") &&
	    !strcmp(argv[3], "--netlogd")) {
		server_bin = argv[2];
		netlogd_bin = argv[4];
	} else if (argc != 1) {
		return usage(argv[0]);
	}
	sink_test_begin("test-clickhouse");
	ch = sink_type_find("clickhouse");
	if (!ch)
		die("no clickhouse sink type");
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (tests[i].server && !server_bin)
			continue;
		before = failures;
		t = clock_ms();
		tests[i].fn();
		printf("%s %s (%" PRIu64 " ms)\n",
		       failures == before ? "ok  " : "FAIL", tests[i].name,
		       clock_ms() - t);
		fflush(stdout);
	}
	return sink_test_end("test-clickhouse");
}

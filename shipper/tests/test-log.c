// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of lib/log.c: the line format, the levels -v lets through, and
 * the journal's "<N>" priority prefix, present exactly when JOURNAL_STREAM
 * names the file stderr is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check.h"
#include "genl.h"
#include "log.h"

enum journal {
	NO_JOURNAL,		/* JOURNAL_STREAM unset */
	JOURNAL_IS_STDERR,	/* names the file stderr writes */
	JOURNAL_ELSEWHERE,	/* names another file, as after a redirection */
	JOURNAL_GARBLED,
};

static void die(const char *what)
{
	fprintf(stderr, "test-log: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void set_journal_stream(enum journal j, int fd)
{
	char val[64];
	struct stat st;

	if (j == NO_JOURNAL) {
		unsetenv("JOURNAL_STREAM");
		return;
	}
	if (j == JOURNAL_GARBLED) {
		setenv("JOURNAL_STREAM", "journal", 1);
		return;
	}
	if (fstat(fd, &st))
		die("fstat");
	snprintf(val, sizeof(val), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + (j == JOURNAL_ELSEWHERE));
	setenv("JOURNAL_STREAM", val, 1);
}

/*
 * Runs @emit with stderr sent to a temporary file and log_init() called as
 * @prog with @verbosity, and returns what was written there (free it).
 */
static char *capture(const char *prog, int verbosity, enum journal j,
		     void (*emit)(void))
{
	char path[] = "/tmp/test-log.XXXXXX";
	int fd, saved;
	char *out;
	off_t len;

	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	unlink(path);
	saved = dup(STDERR_FILENO);
	if (saved < 0 || dup2(fd, STDERR_FILENO) < 0)
		die("dup2");
	set_journal_stream(j, fd);
	log_init(prog, verbosity);
	emit();
	fflush(stderr);
	if (dup2(saved, STDERR_FILENO) < 0)
		die("dup2");
	close(saved);
	unsetenv("JOURNAL_STREAM");
	len = lseek(fd, 0, SEEK_END);
	out = calloc(1, len + 1);
	if (len < 0 || !out || pread(fd, out, len, 0) != len)
		die("reading the captured stderr");
	close(fd);
	return out;
}

static void emit_each_level(void)
{
	log_err("spool %s: %s", "/var/lib/netlog/spool", "Permission denied");
	log_warn("node map rejected, keeping the previous one: %s", "bad JSON");
	log_info("%d windows", 3);
	log_debug("window %llu: %u flows, %zu records", 7ULL, 12U, (size_t)2);
}

static void test_default_drops_debug_only(void)
{
	char *out = capture("netlogd", 0, NO_JOURNAL, emit_each_level);

	CHECK_STR(out,
		  "netlogd: spool /var/lib/netlog/spool: Permission denied\n"
		  "netlogd: node map rejected, keeping the previous one: bad JSON\n"
		  "netlogd: 3 windows\n");
	free(out);
}

static void test_verbose_keeps_debug(void)
{
	char *out = capture("netlogd", 1, NO_JOURNAL, emit_each_level);

	CHECK_STR(out,
		  "netlogd: spool /var/lib/netlog/spool: Permission denied\n"
		  "netlogd: node map rejected, keeping the previous one: bad JSON\n"
		  "netlogd: 3 windows\n"
		  "netlogd: window 7: 12 flows, 2 records\n");
	free(out);
}

static void test_journal_gets_priorities(void)
{
	char *out = capture("netlogd", 1, JOURNAL_IS_STDERR, emit_each_level);

	CHECK_STR(out,
		  "<3>netlogd: spool /var/lib/netlog/spool: Permission denied\n"
		  "<4>netlogd: node map rejected, keeping the previous one: bad JSON\n"
		  "<6>netlogd: 3 windows\n"
		  "<7>netlogd: window 7: 12 flows, 2 records\n");
	free(out);
}

static void test_journal_elsewhere_gets_none(void)
{
	static const enum journal cases[] = {
		JOURNAL_ELSEWHERE, JOURNAL_GARBLED,
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = capture("netlogd", 0, cases[i], emit_each_level);

		CHECK_STR(out,
			  "netlogd: spool /var/lib/netlog/spool: Permission denied\n"
			  "netlogd: node map rejected, keeping the previous one: bad JSON\n"
			  "netlogd: 3 windows\n");
		free(out);
	}
}

static void emit_genl_errors(void)
{
	genl_perror(NULL, "set", -EPERM);
	genl_perror(NULL, "drain", -ENOBUFS);
	genl_perror_open("netlog", -ENOENT);
}

/* netlogctl's own words, through the same helper. */
static void test_genl_perror_names_the_program(void)
{
	char *out = capture("netlogctl", 0, NO_JOURNAL, emit_genl_errors);

	CHECK_STR(out,
		  "netlogctl: set: permission denied (CAP_NET_ADMIN needed)\n"
		  "netlogctl: drain: No buffer space available\n"
		  "netlogctl: netlog: module not loaded (genetlink family 'netlog' not found)\n");
	free(out);
	out = capture("netlogctl", 0, JOURNAL_IS_STDERR, emit_genl_errors);
	CHECK(!strncmp(out, "<3>netlogctl: set: permission denied", 36));
	free(out);
}

int main(void)
{
	test_default_drops_debug_only();
	test_verbose_keeps_debug();
	test_journal_gets_priorities();
	test_journal_elsewhere_gets_none();
	test_genl_perror_names_the_program();
	return check_done("test-log");
}

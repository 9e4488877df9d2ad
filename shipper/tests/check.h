/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host tests' checks: each failed one is reported with its file and line
 * and counted in `failures`, and the test goes on. One test program a file.
 */
#ifndef NETLOG_CHECK_H
#define NETLOG_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			failures++;					\
		}							\
	} while (0)

#define CHECK_EQ(got, want)						\
	do {								\
		long long g_ = (long long)(got), w_ = (long long)(want);\
		if (g_ != w_) {						\
			fprintf(stderr, "%s:%d: %s is %lld, want %lld\n",\
				__FILE__, __LINE__, #got, g_, w_);	\
			failures++;					\
		}							\
	} while (0)

#define CHECK_STR(got, want)						\
	do {								\
		const char *g_ = (got), *w_ = (want);			\
		if (!g_ || strcmp(g_, w_)) {				\
			fprintf(stderr, "%s:%d: %s is '%s', want '%s'\n",\
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)",\
				w_);					\
			failures++;					\
		}							\
	} while (0)

/* Two strings, and both shown in full when they differ. */
static inline void check_str_at(const char *file, int line,
				const char *what, const char *got,
				const char *want)
{
	if (strcmp(got, want)) {
		fprintf(stderr, "%s:%d: %s:\n  got  '%s'\n  want '%s'\n",
			file, line, what, got, want);
		failures++;
	}
}

#define check_str(what, got, want) \
	check_str_at(__FILE__, __LINE__, what, got, want)

/* main()'s last words: the tally, and the exit status it means. */
static inline int check_done(const char *prog)
{
	if (failures) {
		fprintf(stderr, "%s: %d failures\n", prog, failures);
		return 1;
	}
	printf("%s: all passed\n", prog);
	return 0;
}

#endif /* NETLOG_CHECK_H */

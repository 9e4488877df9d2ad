/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scratch directory per test program: root, made by its main() with
 * mkdtemp(); path() names a file in it; rm_one() removes it with nftw();
 * count_files() counts what a crash or a test left in a folder of it.
 */
#ifndef NETLOG_TESTS_TMPDIR_H
#define NETLOG_TESTS_TMPDIR_H

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char root[64];

/* Exits 1 with @what and errno's message. */
static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(errno));
	exit(1);
}

static inline char *path(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline char *path(const char *fmt, ...)
{
	static char buf[64][320];
	static int i;
	char name[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	i = (i + 1) % 64;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, name);
	return buf[i];
}

static inline int rm_one(const char *p, const struct stat *st, int type,
			 struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(p);
}

/* The files in @dir whose names end in @suffix (and are longer). */
static inline size_t count_files(const char *dir, const char *suffix)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > strlen(suffix) &&
		    !strcmp(de->d_name + len - strlen(suffix), suffix))
			n++;
	}
	closedir(d);
	return n;
}

#endif /* NETLOG_TESTS_TMPDIR_H */

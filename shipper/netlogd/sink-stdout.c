// SPDX-License-Identifier: GPL-2.0
/* The stdout sink: one entry per line, the logtail envelope kept. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "sink.h"

static int stdout_deliver(void *priv, const char *batch, size_t len,
			  uint64_t dropped, uint64_t *entries,
			  uint64_t *skipped, char *err, size_t errlen)
{
	struct sink_lines l = { 0 };
	int ret = sink_lines(batch, len, dropped, &l);

	(void)priv;
	if (ret == -EBADMSG)
		snprintf(err, errlen, "batch is not a JSON array");
	else if (!ret && (ret = write_all(STDOUT_FILENO, l.out.data, l.out.len)))
		snprintf(err, errlen, "stdout: %s", strerror(-ret));
	else if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
	*entries = l.entries;
	*skipped = 0;
	buf_free(&l.out);
	return ret;
}

static int stdout_open(const char *name, const void *opts, void **priv)
{
	(void)name;
	(void)opts;
	*priv = NULL;
	return 0;
}

static void stdout_close(void *priv)
{
	(void)priv;
}

const struct sink_type sink_stdout = {
	.name = "stdout",
	.opts_size = 1,
	.codec = COMPRESS_NONE,
	.open = stdout_open,
	.close = stdout_close,
	.deliver = stdout_deliver,
};

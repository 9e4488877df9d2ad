// SPDX-License-Identifier: GPL-2.0
/*
 * The file sink: one entry per line, appended and fsynced, the logtail
 * envelope kept. It reads its file's last entry at start, so a batch
 * delivered again after a crash adds no line twice, and it opens the file
 * for every batch, so logrotate's create needs no signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "log.h"
#include "fileio.h"
#include "sink.h"

/* How far back the file sink looks for its last complete line. */
#define TAIL_MAX (4 << 20)

struct file_opts {
	char *path;
};

struct file_sink {
	char *path;
	/* the last entry in the file, to skip redelivered ones */
	bool have_last;
	uint32_t last_proc_id;
	uint64_t last_proc_seq;
};

/* The file sink's directory, like /var/log/netlog, on first use. */
static int make_parents(const char *file)
{
	char *dir = strdup(file), *slash;
	int ret = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		ret = mkdir_p(dir, 0750);
	}
	free(dir);
	return ret;
}

/*
 * The last complete entry of @name, open at @fd, into fs->last_*. A torn
 * last line (a crash in the middle of a write: the batch is still in the
 * spool and will be written again) is cut when @cut, else only skipped.
 */
static int last_entry(struct file_sink *fs, int fd, const char *name, bool cut)
{
	struct json_object *obj;
	struct stat st;
	char *buf, *end, *start;
	size_t len;
	off_t off;
	int ret = 0;

	if (fstat(fd, &st))
		return -errno;
	if (!st.st_size)
		return 0;
	len = st.st_size < TAIL_MAX ? st.st_size : TAIL_MAX;
	off = st.st_size - len;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	if (pread(fd, buf, len, off) != (ssize_t)len) {
		ret = errno ? -errno : -EIO;
		goto out_free;
	}
	buf[len] = '\0';
	end = memrchr(buf, '\n', len);
	if (end != buf + len - 1 && cut) {
		off_t keep = end ? off + (end - buf) + 1 : off ? -1 : 0;

		if (keep >= 0 && ftruncate(fd, keep)) {
			ret = -errno;
			goto out_free;
		}
		if (keep >= 0)
			log_warn("%s: cut a torn last line of %lld bytes",
				 name, (long long)(st.st_size - keep));
	}
	if (!end)
		goto out_free;
	*end = '\0';
	start = memrchr(buf, '\n', end - buf);
	start = start ? start + 1 : buf;
	obj = json_tokener_parse(start);
	if (obj && !sink_entry_seq(obj, &fs->last_proc_id, &fs->last_proc_seq))
		fs->have_last = true;
	json_object_put(obj);
out_free:
	free(buf);
	return ret;
}

/*
 * Finds the file sink's last entry, so that a batch delivered again after
 * a crash adds no line twice. When the file is missing or has none, it was
 * rotated (logrotate's create: a new empty file), and the last entry is
 * the last of "<file>.1": uncompressed, as logrotate leaves it with
 * delaycompress or without compress.
 */
static int file_tail(struct file_sink *fs)
{
	char rotated[PATH_MAX];
	int fd, ret;

	fd = open(fs->path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return -errno;
	if (fd >= 0) {
		ret = last_entry(fs, fd, fs->path, true);
		close(fd);
		if (ret || fs->have_last)
			return ret;
	}
	snprintf(rotated, sizeof(rotated), "%s.1", fs->path);
	fd = open(rotated, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("%s: %s; entries it has may be written again",
				 rotated, strerror(errno));
		return 0;
	}
	ret = last_entry(fs, fd, rotated, false);
	close(fd);
	if (ret)
		log_warn("%s: %s; entries it has may be written again",
			 rotated, strerror(-ret));
	return 0;
}

/* Appends @out to the file, fsynced before it counts. */
static int append_file(const char *path, const struct buf *out)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, out->data, out->len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int file_deliver(void *priv, const char *batch, size_t len,
			uint64_t dropped, uint64_t *entries, uint64_t *skipped,
			char *err, size_t errlen)
{
	struct file_sink *fs = priv;
	struct sink_lines l = {
		.dedupe = true,
		.have_last = fs->have_last,
		.last_id = fs->last_proc_id,
		.last_seq = fs->last_proc_seq,
	};
	int ret = sink_lines(batch, len, dropped, &l);

	if (ret == -EBADMSG)
		snprintf(err, errlen, "batch is not a JSON array");
	else if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
	if (!ret) {
		ret = append_file(fs->path, &l.out);
		if (ret)
			snprintf(err, errlen, "%s: %s", fs->path,
				 strerror(-ret));
	}
	if (!ret) {
		fs->have_last = l.have_last;
		fs->last_proc_id = l.last_id;
		fs->last_proc_seq = l.last_seq;
		*entries = l.entries;
		*skipped = l.skipped;
	}
	buf_free(&l.out);
	return ret;
}

static int file_check(const void *opts, char *err, size_t errlen)
{
	const struct file_opts *o = opts;

	if (!o->path) {
		snprintf(err, errlen, "path: the file sink needs one");
		return -EINVAL;
	}
	return 0;
}

static void file_close(void *priv)
{
	struct file_sink *fs = priv;

	if (!fs)
		return;
	free(fs->path);
	free(fs);
}

static int file_open(const char *name, const void *opts, void **priv)
{
	const struct file_opts *o = opts;
	struct file_sink *fs = calloc(1, sizeof(*fs));
	int ret = -ENOMEM;

	if (!fs)
		return ret;
	fs->path = strdup(o->path);
	if (fs->path) {
		ret = make_parents(fs->path);
		if (!ret)
			ret = file_tail(fs);
	}
	if (ret) {
		log_err("sink %s: %s: %s", name, o->path, strerror(-ret));
		file_close(fs);
		return ret;
	}
	*priv = fs;
	return 0;
}

static const struct sink_key file_keys[] = {
	{ "path", SINK_KEY_PATH, offsetof(struct file_opts, path), 0, false },
};

const struct sink_type sink_file = {
	.name = "file",
	.keys = file_keys,
	.nkeys = 1,
	.opts_size = sizeof(struct file_opts),
	.codec = COMPRESS_NONE,
	.check = file_check,
	.open = file_open,
	.close = file_close,
	.deliver = file_deliver,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * The spool directory holds:
 *
 *   proc_id                 the logtail proc_id of this spool, written once
 *   state                   next_seq, the last window spooled, drop counters
 *   <seq>-<n>.batch         an upload body: n entries, proc_seq seq..seq+n-1
 *   <seq>-<n>.pend          a batch written but not yet renamed
 *   <seq>-<n>.window        a window's metadata (struct window_meta): its
 *                           entries are proc_seq seq..seq+n-1, in batches
 *   *.tmp                   a file being written
 *   lock                    flock()ed while a process uses the spool
 *   cursors/<sink>          "next_seq N": the proc_seq of the first entry
 *                           that sink has not delivered, replaced (fsync,
 *                           rename) after each delivery
 *
 * The rename of "state" is the commit point of a window: its batches are
 * first written and fsynced as .pend files, then the state that counts their
 * sequence numbers replaces the old one, then they are renamed to .batch.
 * On open, a .pend file below next_seq belongs to a committed window and is
 * renamed; one at or above it is the remains of a window that never
 * committed and is deleted. Batches the cap deletes are recorded in the same
 * commit (drop_below), so a crash cannot bring them back.
 *
 * A window's .window file is written and fsynced with its last batch,
 * before the commit point, under its final name: it stays exactly as long
 * as a batch of its range does. On open, one without a batch in its range
 * (a window that never committed, or whose last batch went before a crash)
 * is deleted; the same happens each time batches are deleted.
 *
 * Each sink reads the spool through its own cursor. A batch is deleted once
 * every cursor is past it; past the cap the oldest go even so, and a cursor
 * left before the oldest batch still spooled has lost the entries in
 * between: their number is the gap of sequence numbers, so the "N logs
 * dropped" marker needs no state of its own and reaches only the sinks that
 * had not delivered them. A crash between a delivery and the cursor's
 * update sends that batch again (at least once); one between the update
 * and a batch's deletion leaves a batch every cursor is past, deleted when
 * the spool is opened.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "log.h"
#include "buf.h"
#include "fmt.h"
#include "fileio.h"
#include "spool.h"
#include "array.h"

#define STATE_MAGIC "netlog-spool 1"
#define META_MAGIC "netlog-window 1"
#define NAME_MAX_LEN 64
#define CURSOR_DIR "cursors"

struct batch {
	uint64_t first_seq;
	uint32_t entries;
	uint64_t bytes;
};

struct window_id {
	uint64_t seq, start_ns, end_ns;
};

/* A window's metadata and the range of entries it describes. */
struct meta {
	uint64_t first_seq;
	uint32_t entries;
	struct window_meta m;
};

/* A batch written as .pend, to be renamed when its window commits. */
struct pending {
	struct batch b;
	char name[NAME_MAX_LEN];
};

/* The window (or text entry) being spooled, batch by batch. */
struct txn {
	bool active;
	bool have_window;
	struct window_id w;
	struct counts miss, excl;	/* spool_window_counts() */
	char client_time[FMT_TIME_LEN];
	struct buf body;	/* the batch being filled */
	uint64_t first_seq;	/* its first entry's proc_seq */
	uint32_t nbody;		/* its entries */
	uint64_t n;		/* entries so far, in all batches */
	uint64_t bytes;		/* of the batches written */
	struct pending *p;	/* the batches written */
	size_t np, psize;
	bool wrote_meta;	/* its .window file, not yet published */
	struct meta meta;
};

/* One sink's position: entries below pos are delivered (or dropped). */
struct cursor {
	char name[SPOOL_CURSOR_NAME_MAX + 1];
	uint64_t pos;
};

struct spool {
	char *dir;
	int dirfd;
	int curfd;		/* cursors/, made by the first spool_cursor_add() */
	int lockfd;
	uint64_t cap;
	uint32_t proc_id;

	/* Durable state, as in the "state" file. */
	uint64_t next_seq;
	uint64_t drop_below;	/* batches starting below this are deleted */
	uint64_t dropped;	/* entries deleted by the cap, ever */
	bool have_window;
	struct window_id window;

	/* A .pend file could not be removed: rescan before the next put. */
	bool need_scan;

	/* The batches, oldest first: q[qhead] .. q[qhead + qlen - 1]. */
	struct batch *q;
	size_t qhead, qlen, qsize;
	uint64_t bytes, entries;

	/* The windows' metadata, oldest first. */
	struct meta *mq;
	size_t mlen, msize;

	char *body;		/* spool_peek_oldest()'s buffer, reused */
	size_t body_size;	/* its size */

	struct txn txn;

	struct cursor *cur;
	size_t ncur;
};

static void spool_err(const struct spool *sp, const char *what, int err)
{
	log_err("spool %s: %s: %s", sp->dir, what, strerror(err));
}

static void batch_name(char *name, uint64_t first_seq, uint32_t entries,
		       const char *ext)
{
	snprintf(name, NAME_MAX_LEN, "%020" PRIu64 "-%" PRIu32 ".%s",
		 first_seq, entries, ext);
}

/* "<20 digits>-<n>.<ext>": 0 and the numbers, or -EINVAL. */
static int parse_batch_name(const char *name, const char *ext,
			    uint64_t *first_seq, uint32_t *entries)
{
	unsigned long long seq;
	unsigned long n;
	char *end;

	if (strlen(name) < 22 || name[20] != '-')
		return -EINVAL;
	errno = 0;
	seq = strtoull(name, &end, 10);
	if (errno || end != name + 20)
		return -EINVAL;
	n = strtoul(name + 21, &end, 10);
	if (errno || end == name + 21 || *end != '.' || strcmp(end + 1, ext) ||
	    n == 0 || n > UINT32_MAX)
		return -EINVAL;
	*first_seq = seq;
	*entries = n;
	return 0;
}

/* Creates @name in directory @dirfd with @data, fsynced. */
static int write_file(int dirfd, const char *name, const char *data,
		      size_t len)
{
	int fd, ret;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		unlinkat(dirfd, name, 0);
	return ret;
}

static int sync_dir(struct spool *sp)
{
	if (fsync(sp->dirfd)) {
		int ret = -errno;

		spool_err(sp, "fsync", -ret);
		return ret;
	}
	return 0;
}

/*
 * Replaces @name in directory @dirfd atomically: temporary file, fsync,
 * rename. Returns 0 or -errno with the old file untouched. The directory is
 * not synced.
 */
static int replace_file(int dirfd, const char *name, const char *data,
			size_t len)
{
	char tmp[NAME_MAX_LEN];
	int ret;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	ret = write_file(dirfd, tmp, data, len);
	if (ret)
		return ret;
	if (renameat(dirfd, tmp, dirfd, name)) {
		ret = -errno;
		unlinkat(dirfd, tmp, 0);
		return ret;
	}
	return 0;
}

/*
 * Reads @name into *@data, a buffer of *@size bytes that grows as needed
 * (NULL and 0 for a new one), NUL-terminated; *@len is the file's length.
 */
static int read_file_buf(struct spool *sp, const char *name, char **data,
			 size_t *size, size_t *len)
{
	struct stat st;
	size_t off = 0;
	int fd, ret = 0;

	fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out_close;
	}
	if ((size_t)st.st_size + 1 > *size) {
		char *p = realloc(*data, st.st_size + 1);

		if (!p) {
			ret = -ENOMEM;
			goto out_close;
		}
		*data = p;
		*size = st.st_size + 1;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, *data + off, st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out_close;
		}
		off += n;
	}
	(*data)[off] = '\0';
	*len = off;
out_close:
	close(fd);
	return ret;
}

static int read_file(struct spool *sp, const char *name, char **data,
		     size_t *len)
{
	size_t size = 0;
	int ret;

	*data = NULL;
	ret = read_file_buf(sp, name, data, &size, len);
	if (ret) {
		free(*data);
		*data = NULL;
	}
	return ret;
}

static int load_proc_id(struct spool *sp)
{
	char *data, buf[16], *end;
	unsigned long id;
	size_t len;
	uint8_t b[4];
	int ret;

	ret = read_file(sp, "proc_id", &data, &len);
	if (!ret) {
		errno = 0;
		id = strtoul(data, &end, 10);
		if (errno || end == data || (*end && *end != '\n') || !id ||
		    id > UINT32_MAX) {
			log_err("spool %s: proc_id: corrupt file", sp->dir);
			free(data);
			return -EINVAL;
		}
		free(data);
		sp->proc_id = id;
		return 0;
	}
	if (ret != -ENOENT) {
		spool_err(sp, "proc_id", -ret);
		return ret;
	}
	/* Like logtail: 4 random bytes, little-endian, 0 replaced by 7. */
	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		spool_err(sp, "getrandom", errno);
		return -errno;
	}
	sp->proc_id = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	if (!sp->proc_id)
		sp->proc_id = 7;
	snprintf(buf, sizeof(buf), "%" PRIu32 "\n", sp->proc_id);
	ret = replace_file(sp->dirfd, "proc_id", buf, strlen(buf));
	if (!ret)
		ret = sync_dir(sp);
	if (ret)
		spool_err(sp, "proc_id", -ret);
	return ret;
}

static int load_state(struct spool *sp)
{
	char *data, *line, *save;
	size_t len;
	int ret;

	ret = read_file(sp, "state", &data, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		spool_err(sp, "state", -ret);
		return ret;
	}
	line = strtok_r(data, "\n", &save);
	if (!line || strcmp(line, STATE_MAGIC))
		goto corrupt;
	while ((line = strtok_r(NULL, "\n", &save))) {
		uint64_t a, b, c;
		int n;

		if (sscanf(line, "next_seq %" SCNu64 "%n", &a, &n) == 1 &&
		    !line[n])
			sp->next_seq = a;
		else if (sscanf(line, "drop_below %" SCNu64 "%n", &a, &n) == 1 &&
			 !line[n])
			sp->drop_below = a;
		else if (sscanf(line, "dropped %" SCNu64 "%n", &a, &n) == 1 &&
			 !line[n])
			sp->dropped = a;
		else if (sscanf(line, "window %" SCNu64 " %" SCNu64 " %" SCNu64 "%n",
				&a, &b, &c, &n) == 3 && !line[n]) {
			sp->have_window = true;
			sp->window = (struct window_id){ a, b, c };
		} else {
			goto corrupt;
		}
	}
	free(data);
	if (!sp->next_seq)
		goto corrupt_freed;
	return 0;
corrupt:
	free(data);
corrupt_freed:
	log_err("spool %s: state: corrupt file", sp->dir);
	return -EINVAL;
}

static int format_state(char *buf, size_t size, uint64_t next_seq,
			uint64_t drop_below, uint64_t dropped,
			const struct window_id *w)
{
	int n;

	n = snprintf(buf, size, STATE_MAGIC "\nnext_seq %" PRIu64
		     "\ndrop_below %" PRIu64 "\ndropped %" PRIu64 "\n",
		     next_seq, drop_below, dropped);
	if (w)
		n += snprintf(buf + n, size - n, "window %" PRIu64 " %" PRIu64
			      " %" PRIu64 "\n", w->seq, w->start_ns, w->end_ns);
	return n;
}

static int queue_push(struct spool *sp, const struct batch *b)
{
	if (sp->qhead + sp->qlen == sp->qsize) {
		if (sp->qhead > sp->qsize / 2) {
			memmove(sp->q, sp->q + sp->qhead, sp->qlen * sizeof(*sp->q));
			sp->qhead = 0;
		} else {
			size_t size = sp->qsize ? sp->qsize * 2 : 64;
			struct batch *q = realloc(sp->q, size * sizeof(*q));

			if (!q)
				return -ENOMEM;
			sp->q = q;
			sp->qsize = size;
		}
	}
	sp->q[sp->qhead + sp->qlen++] = *b;
	sp->bytes += b->bytes;
	sp->entries += b->entries;
	return 0;
}

static void queue_pop(struct spool *sp)
{
	struct batch *b = &sp->q[sp->qhead];

	sp->bytes -= b->bytes;
	sp->entries -= b->entries;
	sp->qhead++;
	sp->qlen--;
	if (!sp->qlen)
		sp->qhead = 0;
}

static int batch_cmp(const void *a, const void *b)
{
	const struct batch *x = a, *y = b;

	return x->first_seq < y->first_seq ? -1 : x->first_seq > y->first_seq;
}

/* Deletes a file that must not come back; one already gone is fine. */
static int drop_file(struct spool *sp, const char *name)
{
	if (unlinkat(sp->dirfd, name, 0) && errno != ENOENT)
		return -errno;
	return 0;
}

/* --- window metadata ------------------------------------------------- */

static int meta_push(struct spool *sp, const struct meta *m)
{
	if (sp->mlen == sp->msize) {
		size_t size = sp->msize ? 2 * sp->msize : 16;
		struct meta *q = realloc(sp->mq, size * sizeof(*q));

		if (!q)
			return -ENOMEM;
		sp->mq = q;
		sp->msize = size;
	}
	sp->mq[sp->mlen++] = *m;
	return 0;
}

static int meta_cmp(const void *a, const void *b)
{
	const struct meta *x = a, *y = b;

	return x->first_seq < y->first_seq ? -1 : x->first_seq > y->first_seq;
}

static void meta_unlink(struct spool *sp, const struct meta *m)
{
	char name[NAME_MAX_LEN];

	batch_name(name, m->first_seq, m->entries, "window");
	unlinkat(sp->dirfd, name, 0);
}

/* Writes @m's .window file, fsynced; the directory is not synced. */
static int meta_write(struct spool *sp, const struct meta *m)
{
	const struct window_meta *w = &m->m;
	char name[NAME_MAX_LEN], data[256];
	int len;

	batch_name(name, m->first_seq, m->entries, "window");
	len = snprintf(data, sizeof(data), META_MAGIC "\nwindow %" PRIu64 " %"
		       PRIu64 " %" PRIu64 "\nmiss_table_full %" PRIu64 " %"
		       PRIu64 "\nexcluded %" PRIu64 " %" PRIu64 "\n", w->seq,
		       w->start_ns, w->end_ns, w->miss_table_full.pkts,
		       w->miss_table_full.bytes, w->excluded.pkts,
		       w->excluded.bytes);
	return write_file(sp->dirfd, name, data, len);
}

/* The .window file @name into @m (its range already set): 0 or -errno. */
static int meta_read(struct spool *sp, const char *name, struct meta *m)
{
	struct window_meta *w = &m->m;
	char *data;
	size_t len;
	int n = -1, ret;

	ret = read_file(sp, name, &data, &len);
	if (ret)
		return ret;
	sscanf(data, META_MAGIC "\nwindow %" SCNu64 " %" SCNu64 " %" SCNu64
	       "\nmiss_table_full %" SCNu64 " %" SCNu64 "\nexcluded %" SCNu64
	       " %" SCNu64 "\n%n", &w->seq, &w->start_ns, &w->end_ns,
	       &w->miss_table_full.pkts, &w->miss_table_full.bytes,
	       &w->excluded.pkts, &w->excluded.bytes, &n);
	free(data);
	return n >= 0 && (size_t)n == len ? 0 : -EINVAL;
}

/*
 * A .window file found by scan(): queued; deleted when unreadable (a
 * window that never committed may have been cut short by a crash).
 */
static int scan_meta(struct spool *sp, const char *name, const struct batch *b,
		     bool *changed)
{
	struct meta m = { .first_seq = b->first_seq, .entries = b->entries };
	int ret = meta_read(sp, name, &m);

	if (ret == -ENOMEM)
		return ret;
	if (!ret)
		return meta_push(sp, &m);
	if (b->first_seq < sp->next_seq)
		log_warn("spool %s: %s: corrupt file, deleted", sp->dir, name);
	*changed = true;
	return drop_file(sp, name);
}

/*
 * After a scan: the metadata of a window without a batch in the queue (one
 * that never committed, or whose last batch was deleted before a crash)
 * is deleted. Returns whether any was.
 */
static bool meta_scan_prune(struct spool *sp)
{
	size_t i, j = 0, k = 0;

	qsort(sp->mq, sp->mlen, sizeof(*sp->mq), meta_cmp);
	for (i = 0; i < sp->mlen; i++) {
		const struct meta *m = &sp->mq[i];

		while (j < sp->qlen && sp->q[sp->qhead + j].first_seq < m->first_seq)
			j++;
		if (j < sp->qlen &&
		    sp->q[sp->qhead + j].first_seq < m->first_seq + m->entries)
			sp->mq[k++] = *m;
		else
			meta_unlink(sp, m);
	}
	i = sp->mlen;
	sp->mlen = k;
	return k != i;
}

/*
 * Deletes the metadata of the oldest windows whose last batch is gone
 * (batches go oldest first). Returns whether any was.
 */
static bool meta_collect(struct spool *sp)
{
	uint64_t oldest = sp->qlen ? sp->q[sp->qhead].first_seq : UINT64_MAX;
	size_t n = 0;

	while (n < sp->mlen &&
	       sp->mq[n].first_seq + sp->mq[n].entries <= oldest)
		meta_unlink(sp, &sp->mq[n++]);
	memmove(sp->mq, sp->mq + n, (sp->mlen - n) * sizeof(*sp->mq));
	sp->mlen -= n;
	return n;
}

/* The metadata of the window batch @b is part of, or NULL. */
static const struct meta *meta_of(const struct spool *sp,
				  const struct batch *b)
{
	size_t lo = 0, hi = sp->mlen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct meta *m = &sp->mq[mid];

		if (b->first_seq < m->first_seq)
			hi = mid;
		else if (b->first_seq >= m->first_seq + m->entries)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

/* Queues the batch file @name, sized from the file. */
static int queue_file(struct spool *sp, const char *name, struct batch *b)
{
	struct stat st;

	if (fstatat(sp->dirfd, name, &st, 0))
		return -errno;
	b->bytes = st.st_size;
	return queue_push(sp, b);
}

/*
 * A .pend file: renamed to .batch and queued when its window committed
 * (below next_seq), deleted when it never did or the cap dropped it.
 */
static int scan_pend(struct spool *sp, const char *name, struct batch *b,
		     bool *changed)
{
	char final[NAME_MAX_LEN];

	*changed = true;
	if (b->first_seq >= sp->next_seq || b->first_seq < sp->drop_below)
		return drop_file(sp, name);
	batch_name(final, b->first_seq, b->entries, "batch");
	if (renameat(sp->dirfd, name, sp->dirfd, final))
		return -errno;
	return queue_file(sp, final, b);
}

/* A .batch file: queued, unless the cap dropped it before a crash. */
static int scan_batch(struct spool *sp, const char *name, struct batch *b,
		      bool *changed)
{
	int ret;

	if (b->first_seq < sp->drop_below) {
		*changed = true;
		return drop_file(sp, name);
	}
	ret = queue_file(sp, name, b);
	if (ret)
		return ret;
	/* a lost state file must not reuse sequence numbers */
	if (b->first_seq + b->entries > sp->next_seq)
		sp->next_seq = b->first_seq + b->entries;
	return 0;
}

/*
 * One directory entry; *@changed is set when the directory changes (and
 * needs an fsync). Files of other names are left alone.
 */
static int scan_entry(struct spool *sp, const char *name, bool *changed)
{
	size_t len = strlen(name);
	struct batch b;

	if (len > 4 && !strcmp(name + len - 4, ".tmp")) {
		unlinkat(sp->dirfd, name, 0);
		*changed = true;
		return 0;
	}
	if (!parse_batch_name(name, "pend", &b.first_seq, &b.entries))
		return scan_pend(sp, name, &b, changed);
	if (!parse_batch_name(name, "batch", &b.first_seq, &b.entries))
		return scan_batch(sp, name, &b, changed);
	if (!parse_batch_name(name, "window", &b.first_seq, &b.entries))
		return scan_meta(sp, name, &b, changed);
	return 0;
}

/*
 * Rebuilds the queue from the directory, finishing or undoing what a crash
 * interrupted (see the top of the file).
 */
static int scan(struct spool *sp)
{
	bool changed = false;
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;

	sp->qhead = sp->qlen = 0;
	sp->bytes = sp->entries = 0;
	sp->mlen = 0;
	fd = openat(sp->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!ret && (errno = 0, de = readdir(d)))
		ret = scan_entry(sp, de->d_name, &changed);
	if (!ret && errno)
		ret = -errno;
	closedir(d);
	if (ret)
		return ret;
	if (sp->qlen)
		qsort(sp->q + sp->qhead, sp->qlen, sizeof(*sp->q), batch_cmp);
	if (meta_scan_prune(sp))
		changed = true;
	sp->need_scan = false;
	if (changed)
		return sync_dir(sp);
	return 0;
}

int spool_open(const char *dir, uint64_t cap_bytes, struct spool **spool)
{
	struct spool *sp;
	int ret;

	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->dirfd = sp->lockfd = sp->curfd = -1;
	sp->cap = cap_bytes;
	sp->next_seq = 1;
	sp->dir = strdup(dir);
	if (!sp->dir) {
		ret = -ENOMEM;
		goto err;
	}
	ret = mkdir_p(dir, 0700);
	if (ret) {
		spool_err(sp, "mkdir", -ret);
		goto err;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		ret = -errno;
		spool_err(sp, "open", -ret);
		goto err;
	}
	sp->lockfd = openat(sp->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
			    0600);
	if (sp->lockfd < 0) {
		ret = -errno;
		spool_err(sp, "lock", -ret);
		goto err;
	}
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (ret == -EBUSY)
			log_err("spool %s: in use by another process", dir);
		else
			spool_err(sp, "lock", -ret);
		goto err;
	}
	ret = load_proc_id(sp);
	if (ret)
		goto err;
	ret = load_state(sp);
	if (ret)
		goto err;
	ret = scan(sp);
	if (ret) {
		spool_err(sp, "recovery", -ret);
		goto err;
	}
	*spool = sp;
	return 0;
err:
	spool_close(sp);
	return ret;
}

/* The logtail member's value, rendered by json-c. Free with json_object_put. */
static struct json_object *logtail_meta(const struct spool *sp,
					const char *client_time, uint64_t seq)
{
	struct json_object *lt = json_object_new_object();

	if (!lt)
		return NULL;
	if (json_object_object_add(lt, "client_time",
				   json_object_new_string(client_time)) ||
	    json_object_object_add(lt, "proc_id",
				   json_object_new_int64(sp->proc_id)) ||
	    json_object_object_add(lt, "proc_seq",
				   json_object_new_uint64(seq))) {
		json_object_put(lt);
		return NULL;
	}
	return lt;
}

static int now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return fmt_time((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec, buf,
			size);
}

static void unlink_pending(struct spool *sp, struct pending *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (unlinkat(sp->dirfd, p[i].name, 0) && errno != ENOENT)
			sp->need_scan = true;
}

/* Ends the transaction: what it wrote and did not commit is deleted. */
static void txn_end(struct spool *sp)
{
	struct txn *t = &sp->txn;

	unlink_pending(sp, t->p, t->np);
	if (t->wrote_meta)
		meta_unlink(sp, &t->meta);
	free(t->p);
	buf_free(&t->body);
	memset(t, 0, sizeof(*t));
}

static int txn_begin(struct spool *sp, const struct window_id *w)
{
	struct txn *t = &sp->txn;
	int ret;

	if (t->active)
		return -EBUSY;
	if (sp->need_scan) {
		ret = scan(sp);
		if (ret)
			return ret;
	}
	ret = now_rfc3339(t->client_time, sizeof(t->client_time));
	if (ret)
		return ret;
	t->active = true;
	t->have_window = w;
	if (w)
		t->w = *w;
	t->first_seq = sp->next_seq;
	return 0;
}

/* Writes the batch being filled as a .pend file, fsynced. */
static int txn_flush(struct spool *sp)
{
	struct txn *t = &sp->txn;
	struct pending *p;
	int ret;

	if (!t->nbody)
		return 0;
	ret = buf_append(&t->body, "]", 1);
	if (ret)
		return ret;
	if (t->np == t->psize) {
		size_t size = t->psize ? 2 * t->psize : 8;

		p = realloc(t->p, size * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->p = p;
		t->psize = size;
	}
	p = &t->p[t->np];
	p->b.first_seq = t->first_seq;
	p->b.entries = t->nbody;
	p->b.bytes = t->body.len;
	batch_name(p->name, p->b.first_seq, p->b.entries, "pend");
	ret = write_file(sp->dirfd, p->name, t->body.data, t->body.len);
	if (ret) {
		spool_err(sp, p->name, -ret);
		return ret;
	}
	t->np++;
	t->bytes += t->body.len;
	t->first_seq += t->nbody;
	t->nbody = 0;
	t->body.len = 0;
	return 0;
}

/*
 * Appends the entry made of @nparts pieces to the batch being filled,
 * writing that batch out first when the entry would take it past
 * SPOOL_BATCH_MAX (an entry larger on its own is a batch by itself).
 */
static int txn_entry(struct spool *sp, const char *const *part,
		     const size_t *len, size_t nparts)
{
	struct txn *t = &sp->txn;
	size_t total = 0, i;
	int ret;

	for (i = 0; i < nparts; i++)
		total += len[i];
	if (t->nbody && t->body.len + 1 + total + 1 > SPOOL_BATCH_MAX) {
		ret = txn_flush(sp);
		if (ret)
			return ret;
	}
	ret = buf_append(&t->body, t->nbody ? "," : "[", 1);
	for (i = 0; !ret && i < nparts; i++)
		ret = buf_append(&t->body, part[i], len[i]);
	if (ret)
		return ret;
	t->nbody++;
	t->n++;
	return 0;
}

static uint64_t txn_seq(const struct spool *sp)
{
	return sp->next_seq + sp->txn.n;
}

/*
 * {"logtail":{...}, + the message's members: the splice logtail does, with
 * the metadata rendered by json-c.
 */
static int txn_message(struct spool *sp, const char *msg, size_t len)
{
	static const char head[] = "{\"logtail\":";
	struct json_object *lt;
	const char *rest = msg + 1, *meta, *part[4];
	size_t plen[4], mlen;
	int ret;

	if (len < 2 || msg[0] != '{' || msg[len - 1] != '}')
		return -EINVAL;
	lt = logtail_meta(sp, sp->txn.client_time, txn_seq(sp));
	if (!lt)
		return -ENOMEM;
	meta = json_object_to_json_string_length(lt, JSON_C_TO_STRING_PLAIN,
						 &mlen);
	while (rest < msg + len && strchr(" \t\r\n", *rest))
		rest++;
	part[0] = head;
	plen[0] = sizeof(head) - 1;
	part[1] = meta;
	plen[1] = meta ? mlen : 0;
	part[2] = ",";
	plen[2] = *rest != '}';
	part[3] = rest;
	plen[3] = msg + len - rest;
	ret = meta ? txn_entry(sp, part, plen, 4) : -ENOMEM;
	json_object_put(lt);
	return ret;
}

static int txn_text(struct spool *sp, const char *text)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *lt = logtail_meta(sp, sp->txn.client_time,
					      txn_seq(sp));
	const char *json;
	size_t len;
	int ret = -ENOMEM;

	if (!obj || !lt)
		goto out;
	if (json_object_object_add(obj, "logtail", lt)) {
		json_object_put(lt);
		goto out;
	}
	if (json_object_object_add(obj, "text", json_object_new_string(text)))
		goto out;
	json = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE,
						 &len);
	if (json)
		ret = txn_entry(sp, &json, &len, 1);
out:
	if (obj)
		json_object_put(obj);
	else if (lt)
		json_object_put(lt);
	return ret;
}

/*
 * How many of the oldest batches must go so that @add more bytes fit under
 * the cap, and how many entries they hold.
 */
static size_t cap_drops(const struct spool *sp, uint64_t add,
			uint64_t *entries)
{
	uint64_t bytes = sp->bytes;
	size_t n = 0;

	*entries = 0;
	if (!sp->cap)
		return 0;
	while (n < sp->qlen && bytes + add > sp->cap) {
		const struct batch *b = &sp->q[sp->qhead + n];

		bytes -= b->bytes;
		*entries += b->entries;
		n++;
	}
	return n;
}

/*
 * Makes room under the cap for what the transaction wrote and the batch it
 * fills: the oldest batches are to go (*@ndrop of them, holding *@ndropped
 * entries). Each cursor behind them learns of it from the gap.
 */
static void txn_make_room(struct spool *sp, size_t *ndrop, uint64_t *ndropped)
{
	struct txn *t = &sp->txn;

	/* what is written, the open batch and its bracket */
	*ndrop = cap_drops(sp, t->bytes + t->body.len + 1, ndropped);
}

/*
 * The commit point: the state that counts the transaction's entries and
 * records the drops replaces the old one.
 */
static int txn_write_state(struct spool *sp, uint64_t drop_below,
			   uint64_t ndropped)
{
	struct txn *t = &sp->txn;
	char state[256];
	int len, ret;

	len = format_state(state, sizeof(state), sp->next_seq + t->n,
			   drop_below, sp->dropped + ndropped,
			   t->have_window ? &t->w :
			   sp->have_window ? &sp->window : NULL);
	ret = replace_file(sp->dirfd, "state", state, len);
	if (ret)
		spool_err(sp, "state", -ret);
	return ret;
}

/*
 * After the commit point: renames the batches, deletes the @ndrop oldest
 * and queues the new ones. What fails here, scan() rolls forward.
 */
static int txn_publish(struct spool *sp, size_t ndrop)
{
	struct txn *t = &sp->txn;
	char final[NAME_MAX_LEN];
	size_t i;
	int ret = 0;

	for (i = 0; i < t->np; i++) {
		batch_name(final, t->p[i].b.first_seq, t->p[i].b.entries,
			   "batch");
		if (renameat(sp->dirfd, t->p[i].name, sp->dirfd, final)) {
			ret = -errno;
			spool_err(sp, t->p[i].name, -ret);
			sp->need_scan = true;
			break;
		}
	}
	for (i = 0; i < ndrop && sp->qlen; i++) {
		struct batch *b = &sp->q[sp->qhead];

		batch_name(final, b->first_seq, b->entries, "batch");
		unlinkat(sp->dirfd, final, 0);
		queue_pop(sp);
	}
	meta_collect(sp);
	if (sync_dir(sp) && !ret)
		ret = -EIO;
	for (i = 0; !sp->need_scan && i < t->np; i++)
		if (queue_push(sp, &t->p[i].b))
			sp->need_scan = true;
	if (!sp->need_scan && t->wrote_meta && meta_push(sp, &t->meta))
		sp->need_scan = true;
	/* renamed or rolled forward by the scan: nothing to unlink */
	t->np = 0;
	t->wrote_meta = false;
	if (sp->need_scan) {
		int err = scan(sp);

		if (err && !ret)
			ret = err;
	}
	return ret;
}

/* A window's .window file, before the commit point; none without entries. */
static int txn_write_meta(struct spool *sp)
{
	struct txn *t = &sp->txn;
	int ret;

	if (!t->have_window || !t->n)
		return 0;
	t->meta = (struct meta){
		.first_seq = sp->next_seq,
		.entries = t->n,
		.m = { t->w.seq, t->w.start_ns, t->w.end_ns, t->miss, t->excl },
	};
	ret = meta_write(sp, &t->meta);
	if (ret)
		spool_err(sp, "window metadata", -ret);
	t->wrote_meta = !ret;
	return ret;
}

/*
 * Makes room under the cap, writes the last batch, commits the new state,
 * then renames the batches and deletes the dropped ones.
 */
static int txn_commit(struct spool *sp)
{
	struct txn *t = &sp->txn;
	uint64_t drop_below = sp->drop_below, ndropped;
	size_t ndrop;
	int ret;

	if (!t->active)
		return -EINVAL;
	txn_make_room(sp, &ndrop, &ndropped);
	ret = txn_flush(sp);
	if (!ret)
		ret = txn_write_meta(sp);
	if (ret)
		goto out;
	if (ndrop)
		drop_below = ndrop < sp->qlen ?
			     sp->q[sp->qhead + ndrop].first_seq : sp->next_seq;
	ret = txn_write_state(sp, drop_below, ndropped);
	if (ret)
		goto out;

	/* Committed: from here on, a crash is repaired by scan(). */
	sp->next_seq += t->n;
	sp->drop_below = drop_below;
	sp->dropped += ndropped;
	if (t->have_window) {
		sp->have_window = true;
		sp->window = t->w;
	}
	ret = txn_publish(sp, ndrop);
out:
	txn_end(sp);
	return ret;
}

int spool_window_begin(struct spool *sp, uint64_t win_seq, uint64_t start_ns,
		       uint64_t end_ns)
{
	struct window_id w = { win_seq, start_ns, end_ns };

	if (sp->have_window && sp->window.seq == win_seq &&
	    sp->window.start_ns == start_ns && sp->window.end_ns == end_ns)
		return SPOOL_DUPLICATE;
	return txn_begin(sp, &w);
}

int spool_window_add(struct spool *sp, const char *msg, size_t len)
{
	int ret;

	if (!sp->txn.active)
		return -EINVAL;
	ret = txn_message(sp, msg, len);
	if (ret)
		txn_end(sp);
	return ret;
}

int spool_window_counts(struct spool *sp, const struct counts *miss_table_full,
			const struct counts *excluded)
{
	if (!sp->txn.active || !sp->txn.have_window)
		return -EINVAL;
	sp->txn.miss = *miss_table_full;
	sp->txn.excl = *excluded;
	return 0;
}

int spool_window_commit(struct spool *sp)
{
	return txn_commit(sp);
}

void spool_window_abort(struct spool *sp)
{
	txn_end(sp);
}

int spool_put_window(struct spool *sp, uint64_t win_seq, uint64_t start_ns,
		     uint64_t end_ns, const char *const *msgs,
		     const size_t *lens, size_t n)
{
	size_t i;
	int ret;

	ret = spool_window_begin(sp, win_seq, start_ns, end_ns);
	for (i = 0; !ret && i < n; i++)
		ret = spool_window_add(sp, msgs[i], lens[i]);
	return ret ? ret : spool_window_commit(sp);
}

int spool_put_text(struct spool *sp, const char *text)
{
	int ret = txn_begin(sp, NULL);

	if (ret)
		return ret;
	ret = txn_text(sp, text);
	if (ret) {
		txn_end(sp);
		return ret;
	}
	return txn_commit(sp);
}

/* Removes the oldest batch's file and its place in the queue (not synced). */
static int pop_oldest(struct spool *sp)
{
	const struct batch *b = &sp->q[sp->qhead];
	char name[NAME_MAX_LEN];

	batch_name(name, b->first_seq, b->entries, "batch");
	if (unlinkat(sp->dirfd, name, 0) && errno != ENOENT) {
		int ret = -errno;

		spool_err(sp, name, -ret);
		return ret;
	}
	queue_pop(sp);
	return 0;
}

int spool_peek_oldest(struct spool *sp, const char **body, size_t *len)
{
	char name[NAME_MAX_LEN];
	int ret;

	while (sp->qlen) {
		struct batch *b = &sp->q[sp->qhead];

		batch_name(name, b->first_seq, b->entries, "batch");
		ret = read_file_buf(sp, name, &sp->body, &sp->body_size, len);
		if (ret == -ENOENT) {
			/* deleted behind our back: nothing left to send */
			queue_pop(sp);
			continue;
		}
		if (ret) {
			spool_err(sp, name, -ret);
			return ret;
		}
		*body = sp->body;
		return 0;
	}
	return -ENOENT;
}

int spool_delete_oldest(struct spool *sp)
{
	int ret;

	if (!sp->qlen)
		return -ENOENT;
	ret = pop_oldest(sp);
	if (ret)
		return ret;
	meta_collect(sp);
	return sync_dir(sp);
}

/* When batch @b was written: its mtime; 0 if unknown. */
static uint64_t batch_mtime(const struct spool *sp, const struct batch *b)
{
	char name[NAME_MAX_LEN];
	struct stat st;

	batch_name(name, b->first_seq, b->entries, "batch");
	if (fstatat(sp->dirfd, name, &st, 0))
		return 0;
	return (uint64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

/* When the oldest batch was written; 0 if unknown or none. */
static uint64_t oldest_ns(const struct spool *sp)
{
	return sp->qlen ? batch_mtime(sp, &sp->q[sp->qhead]) : 0;
}

void spool_stats(const struct spool *sp, struct spool_stats *st)
{
	st->oldest_ns = oldest_ns(sp);
	st->batches = sp->qlen;
	st->entries = sp->entries;
	st->bytes = sp->bytes;
	st->dropped = sp->dropped;
	st->next_seq = sp->next_seq;
	st->proc_id = sp->proc_id;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->dirfd >= 0)
		txn_end(sp);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	if (sp->curfd >= 0)
		close(sp->curfd);
	free(sp->cur);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->q);
	free(sp->mq);
	free(sp->body);
	free(sp->dir);
	free(sp);
}

bool spool_cursor_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n && n <= SPOOL_CURSOR_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Batch @i of the queue, from the oldest: the first seq past its end. */
static uint64_t batch_end(const struct spool *sp, size_t i)
{
	const struct batch *b = &sp->q[sp->qhead + i];

	return b->first_seq + b->entries;
}

/* Where a new cursor starts: at the oldest batch still spooled. */
static uint64_t oldest_seq(const struct spool *sp)
{
	return sp->qlen ? sp->q[sp->qhead].first_seq : sp->next_seq;
}

static int write_cursor(struct spool *sp, const struct cursor *c)
{
	char data[48];
	int len, ret;

	len = snprintf(data, sizeof(data), "next_seq %" PRIu64 "\n", c->pos);
	ret = replace_file(sp->curfd, c->name, data, len);
	if (!ret && fsync(sp->curfd))
		ret = -errno;
	return ret;
}

/* The cursor file of @c->name into c->pos: 0, -ENOENT, or -EINVAL. */
static int read_cursor(struct spool *sp, struct cursor *c)
{
	char data[64];
	ssize_t n;
	int fd, len;

	fd = openat(sp->curfd, c->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	data[n] = '\0';
	if (sscanf(data, "next_seq %" SCNu64 "\n%n", &c->pos, &len) != 1 ||
	    len != n || c->pos > sp->next_seq)
		return -EINVAL;
	return 0;
}

static int open_cursor_dir(struct spool *sp)
{
	if (sp->curfd >= 0)
		return 0;
	if (mkdirat(sp->dirfd, CURSOR_DIR, 0700) && errno != EEXIST)
		return -errno;
	sp->curfd = openat(sp->dirfd, CURSOR_DIR,
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return sp->curfd < 0 ? -errno : 0;
}

int spool_cursor_add(struct spool *sp, const char *name, int *id)
{
	struct cursor *c;
	size_t i;
	int ret;

	if (!spool_cursor_name_valid(name))
		return -EINVAL;
	for (i = 0; i < sp->ncur; i++)
		if (!strcmp(sp->cur[i].name, name)) {
			*id = i;	/* a sink opened again */
			return 0;
		}
	ret = open_cursor_dir(sp);
	if (ret) {
		spool_err(sp, CURSOR_DIR, -ret);
		return ret;
	}
	c = realloc(sp->cur, (sp->ncur + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	sp->cur = c;
	c = &sp->cur[sp->ncur];
	snprintf(c->name, sizeof(c->name), "%s", name);
	ret = read_cursor(sp, c);
	if (ret == -ENOENT || ret == -EINVAL) {
		if (ret == -EINVAL)
			log_warn("spool %s: cursor of sink %s: corrupt file; it starts at the oldest batch",
				 sp->dir, name);
		c->pos = oldest_seq(sp);
		ret = write_cursor(sp, c);
	}
	if (ret) {
		log_err("spool %s: cursor of sink %s: %s", sp->dir, name,
			strerror(-ret));
		return ret;
	}
	*id = sp->ncur++;
	return 0;
}

/* The lowest cursor: batches ending at or below it are delivered to all. */
static uint64_t min_pos(const struct spool *sp)
{
	uint64_t m = UINT64_MAX;
	size_t i;

	for (i = 0; i < sp->ncur; i++)
		if (sp->cur[i].pos < m)
			m = sp->cur[i].pos;
	return m;
}

/* Deletes the batches every cursor is past; none without cursors. */
static int collect(struct spool *sp)
{
	uint64_t m = min_pos(sp);
	bool changed = false;

	if (!sp->ncur)
		return 0;
	while (sp->qlen && batch_end(sp, 0) <= m) {
		int ret = pop_oldest(sp);

		if (ret)
			return ret;
		changed = true;
	}
	if (meta_collect(sp))
		changed = true;
	return changed ? sync_dir(sp) : 0;
}

static bool cursor_known(const struct spool *sp, const char *name)
{
	size_t i;

	for (i = 0; i < sp->ncur; i++)
		if (!strcmp(sp->cur[i].name, name))
			return true;
	return false;
}

int spool_cursor_prune(struct spool *sp)
{
	struct dirent *de;
	DIR *d;
	int fd, ret;

	ret = open_cursor_dir(sp);
	if (ret)
		return ret;
	fd = openat(sp->curfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || cursor_known(sp, de->d_name))
			continue;
		if (unlinkat(sp->curfd, de->d_name, 0) && errno != ENOENT)
			ret = -errno;
		else if (!strstr(de->d_name, ".tmp"))
			log_info("spool %s: sink %s is no longer configured: its cursor is forgotten",
				 sp->dir, de->d_name);
	}
	closedir(d);
	if (!ret && fsync(sp->curfd))
		ret = -errno;
	if (ret) {
		spool_err(sp, CURSOR_DIR, -ret);
		return ret;
	}
	return collect(sp);
}

/* The first batch cursor @c has not delivered: its queue index, or -1. */
static ssize_t cursor_batch(const struct spool *sp, const struct cursor *c)
{
	size_t i;

	for (i = 0; i < sp->qlen; i++)
		if (batch_end(sp, i) > c->pos)
			return i;
	return -1;
}

/* The window's metadata when @b is the first batch of it @c reads. */
static void cursor_meta(const struct spool *sp, const struct cursor *c,
			const struct batch *b, struct spool_item *it)
{
	const struct meta *m = meta_of(sp, b);

	it->has_meta = m && c->pos <= m->first_seq;
	if (it->has_meta)
		it->meta = m->m;
}

int spool_cursor_read(struct spool *sp, int id, struct buf *body,
		      struct spool_item *it)
{
	struct cursor *c = &sp->cur[id];
	char name[NAME_MAX_LEN];
	ssize_t i;
	size_t len;
	int ret;

	for (;;) {
		struct batch *b;

		i = cursor_batch(sp, c);
		if (i < 0)
			return -ENOENT;
		b = &sp->q[sp->qhead + i];
		batch_name(name, b->first_seq, b->entries, "batch");
		body->len = 0;
		ret = read_file_buf(sp, name, &body->data, &body->cap, &len);
		if (ret == -ENOENT && i == 0) {
			/* deleted behind our back: nothing left to send */
			queue_pop(sp);
			continue;
		}
		if (ret) {
			spool_err(sp, name, -ret);
			return ret;
		}
		body->len = len;
		it->first_seq = b->first_seq;
		it->entries = b->entries;
		it->dropped = b->first_seq > c->pos ? b->first_seq - c->pos : 0;
		snprintf(it->name, sizeof(it->name), "%s", name);
		cursor_meta(sp, c, b, it);
		return 0;
	}
}

int spool_cursor_done(struct spool *sp, int id, const struct spool_item *it)
{
	struct cursor *c = &sp->cur[id];
	uint64_t old = c->pos;
	int ret;

	c->pos = it->first_seq + it->entries;
	ret = write_cursor(sp, c);
	if (ret) {
		c->pos = old;
		log_err("spool %s: cursor of sink %s: %s", sp->dir, c->name,
			strerror(-ret));
		return ret;
	}
	return collect(sp);
}

void spool_cursor_stats(const struct spool *sp, int id,
			struct spool_cursor_stats *st)
{
	const struct cursor *c = &sp->cur[id];
	ssize_t i = cursor_batch(sp, c);

	memset(st, 0, sizeof(*st));
	st->next_seq = c->pos;
	if (i < 0)
		return;
	st->batches = sp->qlen - i;
	st->oldest_ns = batch_mtime(sp, &sp->q[sp->qhead + i]);
	if (sp->q[sp->qhead + i].first_seq > c->pos)
		st->dropped = sp->q[sp->qhead + i].first_seq - c->pos;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The spool: a durable queue of upload bodies on disk, between the kernel's
 * windows and the collector. A window's messages are wrapped in the logtail
 * envelope and written as batches before the kernel window is acknowledged;
 * a batch leaves the spool only after the sink took it.
 */
#ifndef NETLOG_SPOOL_H
#define NETLOG_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* Upload body limit (logtail's maxSize): a batch is at most this, uncompressed. */
#define SPOOL_BATCH_MAX 262144

/* spool_put_window(): this window was spooled before; nothing was written. */
#define SPOOL_DUPLICATE 1

struct spool;

struct spool_stats {
	uint64_t batches;	/* batch files waiting for upload */
	uint64_t entries;	/* entries in them */
	uint64_t bytes;		/* their size, uncompressed */
	uint64_t dropped;	/* entries deleted by the byte cap, ever */
	uint64_t next_seq;	/* proc_seq of the next entry */
	uint32_t proc_id;
	uint64_t oldest_ns;	/* the oldest batch written (its mtime, ns
				 * since the epoch); 0 when empty */
};

/*
 * Opens (creating it and its parents, mode 0700, if needed) and locks the
 * spool in @dir, recovering from a crash: temporary files are deleted,
 * batches of a committed window that were not yet renamed are completed,
 * those of an uncommitted one are deleted. @cap_bytes bounds the batches'
 * total size; 0 means no bound. Returns 0, -EBUSY when another process holds
 * the spool, -EINVAL for a corrupt state file, or another -errno.
 */
int spool_open(const char *dir, uint64_t cap_bytes, struct spool **spool);

/*
 * Spools one window, message by message, without holding the window's
 * entries in memory:
 *
 *   spool_window_begin()   SPOOL_DUPLICATE if a window with this identity
 *                          (@win_seq, @start_ns, @end_ns) was the last one
 *                          spooled: nothing is to be written again.
 *   spool_window_add()     one message, a compact JSON object, wrapped as
 *                          {"logtail":{"client_time":...,"proc_id":...,
 *                          "proc_seq":...},<members>}. Entries are cut into
 *                          batches of at most SPOOL_BATCH_MAX bytes (an
 *                          entry that is larger on its own is a batch by
 *                          itself); a full batch is written and fsynced at
 *                          once, but stays invisible until the commit.
 *   spool_window_commit()  commits the window and its identity: after a
 *                          crash either all its entries are in the spool or
 *                          none is. Returns 0 once everything is on disk
 *                          (then the kernel window may be acknowledged).
 *   spool_window_abort()   forgets what was added.
 *
 * When the new entries would take the spool past its cap, the commit deletes
 * the oldest batches and an entry {"logtail":{...},"text":"----------- N logs
 * dropped ----------"} follows the window's entries.
 *
 * An error from add or commit ends the window (as abort does): -EINVAL for a
 * message that is not an object, or another -errno; nothing is committed,
 * unless the error came after the commit point (the spool then repairs
 * itself on the next call). One window at a time: begin returns -EBUSY while
 * one is open.
 */
int spool_window_begin(struct spool *spool, uint64_t win_seq,
		       uint64_t start_ns, uint64_t end_ns);
int spool_window_add(struct spool *spool, const char *msg, size_t len);
int spool_window_commit(struct spool *spool);
void spool_window_abort(struct spool *spool);

/* The same for the @n messages of a window held in memory. */
int spool_put_window(struct spool *spool, uint64_t win_seq, uint64_t start_ns,
		     uint64_t end_ns, const char *const *msgs,
		     const size_t *lens, size_t n);

/*
 * Spools one {"logtail":{...},"text":@text} entry as a batch of its own, such
 * as logtail's "logger closing down\n" at shutdown.
 */
int spool_put_text(struct spool *spool, const char *text);

/*
 * The oldest batch: a JSON array of entries, the body to upload. The buffer
 * belongs to the spool and stays valid until the next call on it. Returns 0,
 * -ENOENT when the spool is empty, or another -errno.
 */
int spool_peek_oldest(struct spool *spool, const char **body, size_t *len);

/* Deletes the oldest batch, once the sink accepted it. -ENOENT when empty. */
int spool_delete_oldest(struct spool *spool);

void spool_stats(const struct spool *spool, struct spool_stats *stats);

/* Unlocks and frees; everything spooled stays on disk. NULL is fine. */
void spool_close(struct spool *spool);

#endif /* NETLOG_SPOOL_H */

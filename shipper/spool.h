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
 * Spools the @n messages of one window, in order. Each message is one
 * compact JSON object; it is wrapped as
 * {"logtail":{"client_time":...,"proc_id":...,"proc_seq":...},<members>}.
 * The entries are cut into batches of at most SPOOL_BATCH_MAX bytes (an
 * entry that is larger on its own is a batch by itself) and committed
 * together with the window identity (@win_seq, @start_ns, @end_ns): after a
 * crash either all of them are in the spool or none is. A window with the
 * identity of the last one spooled is not written again: SPOOL_DUPLICATE.
 *
 * When the new entries would take the spool past its cap, the oldest batches
 * are deleted first and an entry {"logtail":{...},"text":"----------- N logs
 * dropped ----------"} goes ahead of the window's entries.
 *
 * Returns 0 once everything is on disk (then the kernel window may be
 * acknowledged), SPOOL_DUPLICATE, -EINVAL if a message is not an object, or
 * another -errno (nothing committed, unless the error came after the commit
 * point; the spool then repairs itself on the next call).
 */
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

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The spool: a durable queue of upload bodies on disk, between the kernel's
 * windows and the collector. A window's messages are wrapped in the logtail
 * envelope and written as batches before the kernel window is acknowledged;
 * a batch leaves the spool only after the sink took it.
 */
#ifndef NETLOG_SPOOL_H
#define NETLOG_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "window.h"

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
 *   spool_window_counts()  the window's misses and excluded counts (0s when
 *                          not called), for its metadata.
 *   spool_window_commit()  commits the window and its identity: after a
 *                          crash either all its entries are in the spool or
 *                          none is. Returns 0 once everything is on disk
 *                          (then the kernel window may be acknowledged).
 *                          A window with entries also leaves its metadata
 *                          (struct window_meta), committed with them and
 *                          deleted with its last batch.
 *   spool_window_abort()   forgets what was added.
 *
 * When the new entries would take the spool past its cap, the commit deletes
 * the oldest batches, delivered or not; each cursor that had not delivered
 * them sees how many entries it lost (struct spool_item's dropped).
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
int spool_window_counts(struct spool *spool, const struct counts *miss_table_full,
			const struct counts *excluded);
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

/* A sink's name, which names its cursor: [A-Za-z0-9_-], 1 to 32 of them. */
#define SPOOL_CURSOR_NAME_MAX 32

bool spool_cursor_name_valid(const char *name);

/*
 * Each sink reads the spool through its own cursor, persistent in
 * cursors/NAME: the next batch it has not delivered. A batch is deleted
 * when every cursor is past it (or by the cap).
 *
 * spool_cursor_add()    the cursor of sink @name: the one on disk, or a
 *                       new one at the oldest batch still spooled. @id
 *                       names it in the other calls; a name added again
 *                       gets the same cursor. -EINVAL for a bad name.
 * spool_cursor_prune()  once every sink is added: forgets the cursors of
 *                       sinks no longer configured and deletes the batches
 *                       that only they were holding.
 * spool_cursor_read()   the cursor's next batch into @body (reused from call
 *                       to call) and @it; -ENOENT when it has them all.
 * spool_cursor_done()   that batch was delivered (or set aside): the cursor
 *                       moves past it, durably (fsync, rename), before
 *                       batches every cursor is past are deleted.
 */
struct spool_item {
	uint64_t first_seq;	/* proc_seq of its first entry */
	uint32_t entries;
	uint64_t dropped;	/* entries the cap deleted before this sink had
				 * them: "N logs dropped" goes with this batch */
	char name[64];		/* the batch file's name, for messages */
	/*
	 * The batch is the first of its window this cursor reads (its first
	 * one, or the first the cap left): the window's metadata goes with it.
	 */
	bool has_meta;
	struct window_meta meta;
};

struct spool_cursor_stats {
	uint64_t next_seq;	/* the cursor: the first entry not delivered */
	uint64_t batches;	/* not yet delivered */
	uint64_t oldest_ns;	/* when the oldest of them was written; 0: none */
	uint64_t dropped;	/* entries lost to the cap, not yet reported */
};

int spool_cursor_add(struct spool *spool, const char *name, int *id);
int spool_cursor_prune(struct spool *spool);
int spool_cursor_read(struct spool *spool, int id, struct buf *body,
		      struct spool_item *it);
int spool_cursor_done(struct spool *spool, int id,
		      const struct spool_item *it);
void spool_cursor_stats(const struct spool *spool, int id,
			struct spool_cursor_stats *st);

/*
 * Without cursors (tests, tools): the oldest batch: a JSON array of entries, the body to upload. The buffer
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

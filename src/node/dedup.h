/*
 * The deduplication index: deduplication key -> the stored event it
 * belongs to, on disk (DIR/feeds/dedup.idx), so that it survives restarts
 * and covers seven days of keys without holding them in the heap.
 *
 * The file is an open-addressing hash table (linear probing) of 16-byte
 * slots, mapped into memory:
 *
 *   header (4096 bytes): "PXDEDUP1", version, clean flag, slot count,
 *                        slots in use
 *   slot:  key (8 bytes, 0 = empty) | event id (48 bits) | bucket end
 *          day (16 bits, days since 1970)
 *
 * The store is the truth and the index only a cache of it: entries are
 * added after the transaction that stored their events committed, and the
 * file is marked clean only when closed after msync.  A file found
 * unclean (the process or the machine stopped during an ingest) or
 * missing is rebuilt from the store's events of the last seven days, so
 * a crash can neither lose a key (an event counted twice) nor keep one
 * whose event was rolled back (an event lost).
 *
 * Slots whose bucket ended more than PX_DEDUP_DAYS ago no longer match
 * and are reused; the table doubles (dropping them) past 70% use.  Pages
 * are handed back to the kernel's page cache every PX_DEDUP_RESIDENT
 * bytes touched, so the process's resident memory stays bounded whatever
 * the number of keys.
 *
 * One writer at a time: px_dedup_open takes an exclusive lock on the
 * file (waiting up to `wait_ms` for another ingest to finish).
 */
#ifndef PX_NODE_DEDUP_H
#define PX_NODE_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define PX_DEDUP_DAYS     7
#define PX_DEDUP_RESIDENT (64u << 20)

struct px_dedup;

/* Opens (creating, or rebuilding from `st` if unclean) the index at
 * `path`; `today` is the current day (days since 1970).  *rebuilt (may
 * be NULL) says whether it was rebuilt. */
PX_MUST_CHECK int px_dedup_open(struct px_dedup **out, const char *path,
    struct px_store *st, int64_t today, int64_t wait_ms, bool *rebuilt);
/* 1 and the event id if `key` is known and not expired, else 0. */
int px_dedup_find(struct px_dedup *d, uint64_t key, int64_t *id);
/* Adds a key (growing the table if needed). */
PX_MUST_CHECK int px_dedup_add(
    struct px_dedup *d, uint64_t key, int64_t id, int64_t bday);
/* Hands touched pages back to the page cache (cheap; call between
 * chunks). */
void px_dedup_trim(struct px_dedup *d);
/* Writes everything out, marks the file clean and unlocks it; frees d.
 * NULL is a no-op. */
PX_MUST_CHECK int px_dedup_close(struct px_dedup *d);
/* Frees d without marking it clean (after a failure). */
void px_dedup_abandon(struct px_dedup *d);
/* Keys in use, slots, and the file's size in bytes. */
void px_dedup_stats(
    const struct px_dedup *d, uint64_t *used, uint64_t *slots, uint64_t *bytes);

#endif

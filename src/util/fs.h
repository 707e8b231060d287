/*
 * Small file helpers.  Writes are atomic (temporary file, fsync, rename,
 * fsync of the directory), so a crash leaves the old or the new file, never
 * a torn one.
 */
#ifndef PX_FS_H
#define PX_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

/* Reads the whole file into `out` (appending), failing with PX_ETOOBIG past
 * `cap` bytes and PX_ENOTFOUND when it does not exist. */
PX_MUST_CHECK int px_file_read(
    struct px_buf *out, const char *path, size_t cap);
/* Atomically replaces `path` with `len` bytes, created with `mode`. */
PX_MUST_CHECK int px_file_write(
    const char *path, const void *data, size_t len, mode_t mode);
/* The same, written piece by piece: px_file_out_open, then any number of
 * px_file_out_write, then px_file_out_commit (the file appears whole) or
 * px_file_out_abort (nothing appears).  Path "-" is standard output. */
struct px_file_out {
	char *path, *tmp, *buf;
	size_t len;
	int fd;
};
PX_MUST_CHECK int px_file_out_open(
    struct px_file_out *o, const char *path, mode_t mode);
PX_MUST_CHECK int px_file_out_write(
    struct px_file_out *o, const void *data, size_t len);
PX_MUST_CHECK int px_file_out_commit(struct px_file_out *o);
void px_file_out_abort(struct px_file_out *o);
/* Creates `path` and its parents with `mode`; existing directories are fine.
 */
PX_MUST_CHECK int px_mkdir_p(const char *path, mode_t mode);
int px_file_exists(const char *path);
/* 0 if `path` (file or directory) gives other users no access at all
 * (mode & 077 == 0), or does not exist; else PX_EINVAL with a message that
 * names `what`, the mode, and the chmod that fixes it.  A node directory
 * holds TLP:RED cases, token hashes and mail secrets. */
PX_MUST_CHECK int px_path_private(const char *path, const char *what);
/* 1 if `path` is a directory with no entries (besides . and ..), else 0. */
int px_dir_empty(const char *path);

#endif

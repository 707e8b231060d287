#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/mem.h"

int
px_file_read(struct px_buf *out, const char *path, size_t cap)
{
	char chunk[65536];
	struct px_buf b;
	int fd, rc = 0;
	ssize_t n;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return px_error_set(errno == ENOENT ? PX_ENOTFOUND : PX_ERR,
		    "cannot open %s: %s", path, strerror(errno));
	}
	px_buf_init(&b, cap);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = px_error_set(PX_ERR, "cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (px_buf_add(&b, chunk, (size_t)n) < 0) {
			rc = px_error_set(PX_ETOOBIG,
			    "%s is larger than the limit of %zu bytes", path,
			    cap);
			goto out;
		}
	}
	if (px_buf_add(out, b.data ? b.data : "", b.len) < 0)
		rc = PX_ETOOBIG;
out:
	px_buf_dispose(&b);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static void
fsync_dir_of(const char *path)
{
	char *dir = px_strdup(path);
	char *slash = strrchr(dir, '/');
	int fd;

	if (slash == NULL) {
		free(dir);
		dir = px_strdup(".");
	} else if (slash == dir) {
		slash[1] = '\0';
	} else {
		*slash = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Bytes gathered before a write(2). */
#define OUT_BUF 65536

int
px_file_out_open(struct px_file_out *o, const char *path, mode_t mode)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (strcmp(path, "-") == 0)
		return 0;
	o->path = px_strdup(path);
	o->tmp = px_asprintf("%s.tmp.%ld", path, (long)getpid());
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (o->fd < 0) {
		int rc = px_error_set(
		    PX_ERR, "cannot create %s: %s", o->tmp, strerror(errno));

		free(o->path);
		free(o->tmp);
		o->path = o->tmp = NULL;
		return rc;
	}
	o->buf = px_malloc(OUT_BUF);
	return 0;
}

static int
write_all(struct px_file_out *o, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(o->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return px_error_set(PX_ERR, "cannot write %s: %s",
			    o->tmp, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
out_flush(struct px_file_out *o)
{
	size_t len = o->len;

	o->len = 0;
	return write_all(o, o->buf, len);
}

int
px_file_out_write(struct px_file_out *o, const void *data, size_t len)
{
	int rc;

	if (o->fd < 0)
		return fwrite(data, 1, len, stdout) == len
		    ? 0
		    : px_error_set(PX_ERR, "cannot write to stdout");
	if (o->len + len > OUT_BUF && (rc = out_flush(o)) < 0)
		return rc;
	if (len >= OUT_BUF)
		return write_all(o, data, len);
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return 0;
}

void
px_file_out_abort(struct px_file_out *o)
{
	if (o->fd >= 0) {
		close(o->fd);
		unlink(o->tmp);
	}
	free(o->buf);
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

int
px_file_out_commit(struct px_file_out *o)
{
	int rc = 0;

	if (o->fd < 0) {
		rc = fflush(stdout) == 0
		    ? 0
		    : px_error_set(PX_ERR, "cannot write to stdout");
		px_file_out_abort(o);
		return rc;
	}
	if ((rc = out_flush(o)) == 0 && fsync(o->fd) < 0)
		rc = px_error_set(
		    PX_ERR, "cannot sync %s: %s", o->tmp, strerror(errno));
	if (rc == 0 && rename(o->tmp, o->path) < 0)
		rc = px_error_set(PX_ERR, "cannot rename %s to %s: %s", o->tmp,
		    o->path, strerror(errno));
	if (rc < 0) {
		px_file_out_abort(o);
		return rc;
	}
	close(o->fd);
	o->fd = -1;
	fsync_dir_of(o->path);
	px_file_out_abort(o);
	return 0;
}

int
px_file_write(const char *path, const void *data, size_t len, mode_t mode)
{
	struct px_file_out o;
	int rc;

	if ((rc = px_file_out_open(&o, path, mode)) < 0)
		return rc;
	if ((rc = px_file_out_write(&o, data, len)) < 0) {
		px_file_out_abort(&o);
		return rc;
	}
	return px_file_out_commit(&o);
}

int
px_mkdir_p(const char *path, mode_t mode)
{
	char *p = px_strdup(path);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = px_error_set(PX_ERR,
			    "cannot create directory "
			    "%s: %s",
			    p, strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

int
px_file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int
px_path_private(const char *path, const char *what)
{
	struct stat st;
	unsigned mode;

	if (stat(path, &st) < 0)
		return 0;
	mode = (unsigned)(st.st_mode & 0777);
	if ((mode & 077) == 0)
		return 0;
	return px_error_set(PX_EINVAL,
	    "%s %s is open to other users (mode %03o); a node's files are "
	    "for its owner only: run chmod %s %s",
	    what, path, mode, S_ISDIR(st.st_mode) ? "700" : "600", path);
}

int
px_dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

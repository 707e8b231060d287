/*
 * The chunk store (chunks.h).
 */
#define _GNU_SOURCE /* syncfs, sync_file_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sign.h"
#include "store/chunks.h"
#include "util/util.h"

struct px_chunks {
	char *dir; /* DIR/evidence */
};

static int
mkdirs(const char *p)
{
	return px_mkdir_p(p, 0700);
}

int
px_chunks_open(struct px_chunks **out, const char *node_dir)
{
	struct px_chunks *s = px_calloc(1, sizeof(*s));
	const char *sub[] = { "chunks", "items", "staging" };
	int rc = 0;

	s->dir = px_asprintf("%s/evidence", node_dir);
	for (size_t i = 0; rc == 0 && i < PX_ARRAY_LEN(sub); i++) {
		char *p = px_asprintf("%s/%s", s->dir, sub[i]);

		rc = mkdirs(p);
		free(p);
	}
	if (rc < 0) {
		px_chunks_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
px_chunks_free(struct px_chunks *s)
{
	if (s == NULL)
		return;
	free(s->dir);
	free(s);
}

const char *
px_chunks_dir(const struct px_chunks *s)
{
	return s->dir;
}

static char *
chunk_path(const struct px_chunks *s, const px_digest d)
{
	char hex[65];

	px_hex_encode(hex, d, 32);
	return px_asprintf("%s/chunks/%.2s/%s", s->dir, hex, hex);
}

static int
write_all(int fd, const void *data, size_t len, const char *path)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return px_error_set(PX_ERR, "cannot write %s: %s", path,
			    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes `path` through a temporary name in the same directory, so that
 * it exists only whole.  No fsync here: px_chunks_sync makes a batch
 * durable at once. */
static int
write_file(const char *path, const void *data, size_t len)
{
	static _Atomic unsigned long seq;
	char *tmp = px_asprintf("%s.tmp.%ld.%lu", path, (long)getpid(), seq++);
	int fd, rc;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = px_error_set(
		    PX_ERR, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	rc = write_all(fd, data, len, tmp);
	/* Start writing it back now, without waiting: the syncfs that
	 * makes a whole object durable (px_chunks_sync) then finds little
	 * left to do, instead of a gigabyte at once. */
	if (rc == 0)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (close(fd) < 0 && rc == 0)
		rc = px_error_set(
		    PX_ERR, "cannot write %s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = px_error_set(PX_ERR, "cannot rename %s to %s: %s", tmp,
		    path, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Reads a whole file of at most `cap` bytes straight into `out` (reset
 * first): one allocation and no copy, since every chunk read goes
 * through here. */
static int
read_file(const char *path, struct px_buf *out, size_t cap)
{
	struct stat st;
	int fd, rc = 0;
	size_t want;

	px_buf_reset(out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return px_error_set(errno == ENOENT ? PX_ENOTFOUND : PX_ERR,
		    "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size < 0 || (size_t)st.st_size > cap) {
		rc = px_error_set(PX_ETOOBIG,
		    "%s is not a file of at most %zu bytes", path, cap);
		goto out;
	}
	want = (size_t)st.st_size;
	px_buf_reserve(out, want);
	if (out->alloc < want + 1) {
		rc = px_error_set(PX_ETOOBIG,
		    "%s does not fit a buffer of %zu bytes", path, out->cap);
		goto out;
	}
	while (out->len < want) {
		ssize_t n = read(fd, out->data + out->len, want - out->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = px_error_set(PX_ERR, "cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break; /* shrank meanwhile: the digest will say */
		out->len += (size_t)n;
	}
	out->data[out->len] = '\0';
out:
	close(fd);
	return rc;
}

int
px_chunks_put(
    struct px_chunks *s, const void *data, size_t len, px_digest digest)
{
	char *p, *dir;
	int rc = 0;

	px_sha256(digest, data, len);
	p = chunk_path(s, digest);
	if (access(p, F_OK) == 0) {
		free(p);
		return 0;
	}
	dir = px_strndup(p, strrchr(p, '/') - p);
	if ((rc = mkdirs(dir)) == 0)
		rc = write_file(p, data, len);
	free(dir);
	free(p);
	return rc;
}

int
px_chunks_get(struct px_chunks *s, const px_digest digest, struct px_buf *out,
    bool verify)
{
	char *p = chunk_path(s, digest);
	px_digest got;
	char hex[65];
	int rc;

	rc = read_file(p, out, PX_CHUNK_SIZE);
	free(p);
	px_hex_encode(hex, digest, 32);
	if (rc == PX_ENOTFOUND)
		return px_error_set(PX_ENOTFOUND,
		    "chunk %.16s... is missing from the store", hex);
	if (rc < 0)
		return rc;
	if (verify) {
		px_sha256(got, out->data, out->len);
		if (memcmp(got, digest, 32) != 0)
			return px_error_set(PX_EINVAL,
			    "chunk %.16s... no longer has its SHA-256: the "
			    "stored copy was altered",
			    hex);
	}
	return 0;
}

/* The whole file's SHA-256, computed by a second thread while this one
 * takes each chunk's digest and writes it: on two cores adding a file
 * costs one hash pass of wall time rather than two.  The hasher is given
 * one buffer at a time; giving the next waits until it is done with the
 * previous, so two buffers alternate. */
struct bg_sha {
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct px_sha256_ctx ctx;
	const uint8_t *buf; /* being hashed, or NULL */
	size_t len;
	bool quit, running;
};

static void *
bg_run(void *arg)
{
	struct bg_sha *g = arg;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		const uint8_t *b;
		size_t n;

		while (g->buf == NULL && !g->quit)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->buf == NULL)
			break;
		b = g->buf;
		n = g->len;
		pthread_mutex_unlock(&g->mu);
		px_sha256_update(&g->ctx, b, n);
		pthread_mutex_lock(&g->mu);
		g->buf = NULL;
		pthread_cond_broadcast(&g->cv);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

static void
bg_start(struct bg_sha *g)
{
	memset(g, 0, sizeof(*g));
	px_sha256_init(&g->ctx);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->running = pthread_create(&g->t, NULL, bg_run, g) == 0;
}

/* Hashes `b` (kept unchanged by the caller until the next bg_give or
 * bg_end): in the background, or here when no thread could start. */
static void
bg_give(struct bg_sha *g, const uint8_t *b, size_t n)
{
	if (!g->running) {
		px_sha256_update(&g->ctx, b, n);
		return;
	}
	pthread_mutex_lock(&g->mu);
	while (g->buf != NULL)
		pthread_cond_wait(&g->cv, &g->mu);
	g->buf = b;
	g->len = n;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void
bg_end(struct bg_sha *g, px_digest out)
{
	if (g->running) {
		pthread_mutex_lock(&g->mu);
		while (g->buf != NULL)
			pthread_cond_wait(&g->cv, &g->mu);
		g->quit = true;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->t, NULL);
	}
	if (out)
		px_sha256_final(&g->ctx, out);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
}

static int
read_full(int fd, uint8_t *buf, size_t want, size_t *got, const char *path)
{
	*got = 0;
	while (*got < want) {
		ssize_t n = read(fd, buf + *got, want - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return px_error_set(PX_ERR, "cannot read %s: %s", path,
			    strerror(errno));
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

int
px_chunks_put_file(struct px_chunks *s, const char *path, int64_t max,
    struct px_chunks_file *out)
{
	uint8_t *bufs[2] = { px_malloc(PX_CHUNK_SIZE),
		px_malloc(PX_CHUNK_SIZE) };
	struct bg_sha bg;
	size_t cap = 0;
	int fd, rc = 0, k = 0;

	memset(out, 0, sizeof(*out));
	bg_start(&bg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = px_error_set(errno == ENOENT ? PX_ENOTFOUND : PX_ERR,
		    "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	for (;; k ^= 1) {
		size_t got = 0;

		if ((rc = read_full(fd, bufs[k], PX_CHUNK_SIZE, &got, path)) <
		    0)
			goto out;
		if (got == 0)
			break;
		out->size += (int64_t)got;
		if (out->size > max) {
			rc = px_error_set(PX_ETOOBIG,
			    "%s is larger than %lld bytes, the largest item "
			    "this node keeps (parley.conf [evidence] max_item)",
			    path, (long long)max);
			goto out;
		}
		bg_give(&bg, bufs[k], got);
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->digests =
			    px_realloc(out->digests, cap * sizeof(px_digest));
		}
		if ((rc = px_chunks_put(
		         s, bufs[k], got, out->digests[out->n])) < 0)
			goto out;
		out->n++;
		if (got < PX_CHUNK_SIZE)
			break;
	}
out:
	bg_end(&bg, rc == 0 ? out->sha256 : NULL);
	if (fd >= 0)
		close(fd);
	free(bufs[0]);
	free(bufs[1]);
	if (rc < 0) {
		free(out->digests);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

int
px_chunks_sync(struct px_chunks *s)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return px_error_set(
		    PX_ERR, "cannot open %s: %s", s->dir, strerror(errno));
	if (syncfs(fd) < 0)
		rc = px_error_set(
		    PX_ERR, "cannot sync %s: %s", s->dir, strerror(errno));
	close(fd);
	return rc;
}

static int
check_hex(const char *h)
{
	uint8_t b[32];

	if (h == NULL || strlen(h) != 64 || px_hex_decode(b, 32, h) < 0)
		return px_error_set(
		    PX_EINVAL, "'%s' is not 64 hex digits", h ? h : "");
	return 0;
}

static int
list_write(const char *path, const px_digest *d, size_t n)
{
	return write_file(path, d, n * sizeof(px_digest));
}

static int
list_read(const char *path, px_digest **out, size_t *n)
{
	struct px_buf b;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_file_read(&b, path, (size_t)1 << 30)) < 0)
		goto out;
	if (b.len % sizeof(px_digest) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s is not a chunk list (%zu bytes, not a multiple of "
		    "32)",
		    path, b.len);
		goto out;
	}
	*n = b.len / sizeof(px_digest);
	*out = px_malloc(b.len + 1);
	memcpy(*out, b.data, b.len);
out:
	px_buf_dispose(&b);
	return rc;
}

int
px_chunks_list_put(
    struct px_chunks *s, const char *root, const px_digest *digests, size_t n)
{
	char *p;
	int rc;

	if ((rc = check_hex(root)) < 0)
		return rc;
	p = px_asprintf("%s/items/%s", s->dir, root);
	rc = list_write(p, digests, n);
	free(p);
	return rc;
}

int
px_chunks_list_get(
    struct px_chunks *s, const char *root, px_digest **out, size_t *n)
{
	char *p;
	int rc;

	if ((rc = check_hex(root)) < 0)
		return rc;
	p = px_asprintf("%s/items/%s", s->dir, root);
	rc = list_read(p, out, n);
	if (rc == PX_ENOTFOUND)
		rc = px_error_set(PX_ENOTFOUND,
		    "this node holds no copy of object %.16s...", root);
	free(p);
	return rc;
}

int
px_chunks_list_remove(struct px_chunks *s, const char *root)
{
	char *p;
	int rc = 0;

	if ((rc = check_hex(root)) < 0)
		return rc;
	p = px_asprintf("%s/items/%s", s->dir, root);
	if (unlink(p) < 0 && errno != ENOENT)
		rc = px_error_set(
		    PX_ERR, "cannot remove %s: %s", p, strerror(errno));
	free(p);
	return rc;
}

int
px_chunks_read(struct px_chunks *s, const char *root, bool verify,
    int (*cb)(void *arg, const void *data, size_t len), void *arg,
    px_digest sha256)
{
	px_digest *d = NULL;
	struct px_sha256_ctx all;
	struct px_buf b;
	size_t n = 0;
	int rc;

	px_buf_init(&b, PX_CHUNK_SIZE);
	if ((rc = px_chunks_list_get(s, root, &d, &n)) < 0)
		goto out;
	px_sha256_init(&all);
	for (size_t i = 0; i < n; i++) {
		if ((rc = px_chunks_get(s, d[i], &b, verify)) < 0) {
			px_error_prefix(
			    "chunk %zu of %zu of object %.16s...", i, n, root);
			goto out;
		}
		if (sha256)
			px_sha256_update(&all, b.data, b.len);
		if (cb && (rc = cb(arg, b.data, b.len)) != 0)
			goto out;
	}
	if (sha256)
		px_sha256_final(&all, sha256);
out:
	free(d);
	px_buf_dispose(&b);
	return rc;
}

/* --- staging ------------------------------------------------------- */

static char *
stage_dir(const struct px_chunks *s, const char *key)
{
	return px_asprintf("%s/staging/%s", s->dir, key);
}

static char *
stage_chunk(const struct px_chunks *s, const char *key, size_t index)
{
	return px_asprintf("%s/staging/%s/%08zu", s->dir, key, index);
}

int
px_chunks_stage_exists(struct px_chunks *s, const char *key)
{
	char *p = stage_dir(s, key);
	int ok = check_hex(key) == 0 && px_file_exists(p);

	free(p);
	return ok;
}

int
px_chunks_stage_list_put(
    struct px_chunks *s, const char *key, const px_digest *digests, size_t n)
{
	char *d, *p;
	int rc;

	if ((rc = check_hex(key)) < 0)
		return rc;
	d = stage_dir(s, key);
	p = px_asprintf("%s/list", d);
	if ((rc = mkdirs(d)) == 0 && !px_file_exists(p))
		rc = list_write(p, digests, n);
	free(d);
	free(p);
	return rc;
}

int
px_chunks_stage_list_get(
    struct px_chunks *s, const char *key, px_digest **out, size_t *n)
{
	char *p;
	int rc;

	if ((rc = check_hex(key)) < 0)
		return rc;
	p = px_asprintf("%s/staging/%s/list", s->dir, key);
	rc = list_read(p, out, n);
	free(p);
	return rc;
}

int
px_chunks_stage_put(struct px_chunks *s, const char *key, size_t index,
    const void *data, size_t len)
{
	char *p;
	int rc;

	if ((rc = check_hex(key)) < 0)
		return rc;
	p = stage_chunk(s, key, index);
	rc = write_file(p, data, len);
	free(p);
	return rc;
}

int
px_chunks_stage_get(
    struct px_chunks *s, const char *key, size_t index, struct px_buf *out)
{
	char *p = stage_chunk(s, key, index);
	int rc = read_file(p, out, PX_CHUNK_SIZE);

	free(p);
	return rc;
}

int
px_chunks_stage_has(struct px_chunks *s, const char *key, size_t index)
{
	char *p = stage_chunk(s, key, index);
	int ok = px_file_exists(p);

	free(p);
	return ok;
}

int
px_chunks_stage_scan(struct px_chunks *s, const char *key, int64_t size,
    size_t *have, size_t *next)
{
	px_digest *d = NULL, got;
	struct px_buf b;
	size_t n = 0;
	int rc;

	*have = 0;
	*next = 0;
	px_buf_init(&b, PX_CHUNK_SIZE);
	if ((rc = px_chunks_stage_list_get(s, key, &d, &n)) < 0)
		goto out;
	*next = n;
	for (size_t i = 0; i < n; i++) {
		size_t want = i + 1 < n
		    ? PX_CHUNK_SIZE
		    : (size_t)(size - (int64_t)(n - 1) * PX_CHUNK_SIZE);
		char *p = stage_chunk(s, key, i);

		rc = read_file(p, &b, PX_CHUNK_SIZE);
		if (rc == 0) {
			px_sha256(got, b.data, b.len);
			if (b.len != want || memcmp(got, d[i], 32) != 0) {
				/* Torn by a crash: fetch it again. */
				unlink(p);
				rc = PX_ENOTFOUND;
			}
		}
		free(p);
		if (rc == PX_ENOTFOUND) {
			if (*next == n)
				*next = i;
			rc = 0;
			continue;
		}
		if (rc < 0)
			goto out;
		(*have)++;
	}
out:
	free(d);
	px_buf_dispose(&b);
	return rc;
}

/* Removes the directory `p` and the files in it (one level). */
static int
remove_dir(const char *p)
{
	DIR *dir = opendir(p);
	struct dirent *e;
	int rc = 0;

	if (dir == NULL)
		return errno == ENOENT
		    ? 0
		    : px_error_set(
		          PX_ERR, "cannot open %s: %s", p, strerror(errno));
	while ((e = readdir(dir)) != NULL) {
		char *f;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		f = px_asprintf("%s/%s", p, e->d_name);
		if (unlink(f) < 0 && errno != ENOENT)
			rc = px_error_set(
			    PX_ERR, "cannot remove %s: %s", f, strerror(errno));
		free(f);
	}
	closedir(dir);
	if (rc == 0 && rmdir(p) < 0 && errno != ENOENT)
		rc = px_error_set(
		    PX_ERR, "cannot remove %s: %s", p, strerror(errno));
	return rc;
}

int
px_chunks_stage_commit(struct px_chunks *s, const char *key, const char *root)
{
	px_digest *d = NULL;
	size_t n = 0;
	char *dir = NULL;
	int rc;

	if ((rc = px_chunks_stage_list_get(s, key, &d, &n)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char *from = stage_chunk(s, key, i), *to = chunk_path(s, d[i]);
		char *sub = px_strndup(to, strrchr(to, '/') - to);

		if (access(to, F_OK) == 0) {
			/* Already held for another object. */
			unlink(from);
		} else if ((rc = mkdirs(sub)) == 0 && rename(from, to) < 0) {
			rc = px_error_set(PX_ERR, "cannot move %s to %s: %s",
			    from, to, strerror(errno));
		}
		if (rc == 0 && access(to, F_OK) != 0)
			rc = px_error_set(
			    PX_ERR, "chunk %zu of %s is not staged", i, key);
		free(from);
		free(to);
		free(sub);
		if (rc < 0)
			goto out;
	}
	if ((rc = px_chunks_list_put(s, root, d, n)) < 0 ||
	    (rc = px_chunks_sync(s)) < 0)
		goto out;
	dir = stage_dir(s, key);
	rc = remove_dir(dir);
out:
	free(dir);
	free(d);
	return rc;
}

int
px_chunks_stage_discard(struct px_chunks *s, const char *key)
{
	char *dir;
	int rc;

	if ((rc = check_hex(key)) < 0)
		return rc;
	dir = stage_dir(s, key);
	rc = remove_dir(dir);
	free(dir);
	return rc;
}

/* --- garbage collection -------------------------------------------- */

static int
cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(px_digest));
}

/* Appends every digest listed under items/ and every staging list. */
static int
collect_lists(struct px_chunks *s, const char *sub, bool staging,
    px_digest **all, size_t *n)
{
	char *p = px_asprintf("%s/%s", s->dir, sub);
	DIR *dir = opendir(p);
	struct dirent *e;
	int rc = 0;

	if (dir == NULL) {
		free(p);
		return 0;
	}
	while (rc == 0 && (e = readdir(dir)) != NULL) {
		px_digest *d = NULL;
		size_t k = 0;
		char *f;

		if (e->d_name[0] == '.' || check_hex(e->d_name) < 0) {
			px_error_clear();
			continue;
		}
		f = staging ? px_asprintf("%s/%s/list", p, e->d_name)
		            : px_asprintf("%s/%s", p, e->d_name);
		rc = list_read(f, &d, &k);
		if (rc == PX_ENOTFOUND)
			rc = 0;
		if (rc == 0 && k) {
			*all = px_realloc(*all, (*n + k) * sizeof(px_digest));
			memcpy(*all + *n, d, k * sizeof(px_digest));
			*n += k;
		}
		free(d);
		free(f);
	}
	closedir(dir);
	free(p);
	return rc;
}

int
px_chunks_gc(struct px_chunks *s, size_t *removed)
{
	px_digest *keep = NULL;
	size_t nkeep = 0;
	int rc;

	*removed = 0;
	if ((rc = collect_lists(s, "items", false, &keep, &nkeep)) < 0 ||
	    (rc = collect_lists(s, "staging", true, &keep, &nkeep)) < 0)
		goto out;
	if (nkeep)
		qsort(keep, nkeep, sizeof(px_digest), cmp_digest);
	for (int a = 0; a < 256; a++) {
		char *p = px_asprintf("%s/chunks/%02x", s->dir, a);
		DIR *dir = opendir(p);
		struct dirent *e;

		while (dir && (e = readdir(dir)) != NULL) {
			px_digest d;
			char *f;

			if (strlen(e->d_name) != 64 ||
			    px_hex_decode(d, 32, e->d_name) < 0)
				continue;
			if (nkeep &&
			    bsearch(
			        d, keep, nkeep, sizeof(px_digest), cmp_digest))
				continue;
			f = px_asprintf("%s/%s", p, e->d_name);
			if (unlink(f) == 0)
				(*removed)++;
			free(f);
		}
		if (dir)
			closedir(dir);
		free(p);
	}
	px_error_clear();
out:
	free(keep);
	return rc;
}

/*
 * The deduplication index (dedup.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/dedup.h"
#include "util/util.h"

#define HDR       4096
#define MAGIC     "PXDEDUP1"
#define MIN_SLOTS (UINT64_C(1) << 16)
#define ID_BITS   48
#define ID_MASK   ((UINT64_C(1) << ID_BITS) - 1)

struct hdr {
	char magic[8];
	uint32_t version;
	uint32_t clean;
	uint64_t slots;
	uint64_t used;
};

struct slot {
	uint64_t key;
	uint64_t val; /* id | bday << 48 */
};

struct px_dedup {
	char *path;
	int fd;
	uint8_t *map;
	size_t len;
	struct hdr *h;
	struct slot *s;
	uint64_t mask;
	int64_t today;
	uint64_t touched; /* slots written since the last trim */
};

static int
sys_fail(const char *what, const char *path)
{
	return px_error_set(PX_ERR, "deduplication index %s: %s: %s", path,
	    what, strerror(errno));
}

static int
map_file(struct px_dedup *d)
{
	struct stat st;

	if (fstat(d->fd, &st) < 0)
		return sys_fail("stat", d->path);
	d->len = (size_t)st.st_size;
	d->map =
	    mmap(NULL, d->len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	if (d->map == MAP_FAILED) {
		d->map = NULL;
		return sys_fail("mmap", d->path);
	}
	d->h = (struct hdr *)d->map;
	d->s = (struct slot *)(d->map + HDR);
	d->mask = d->h->slots - 1;
	return 0;
}

static void
unmap(struct px_dedup *d)
{
	if (d->map)
		munmap(d->map, d->len);
	d->map = NULL;
}

/* Creates an empty table of `slots` at `path` (truncating), open in fd. */
static int
create(const char *path, uint64_t slots, int *fd_out)
{
	struct hdr h;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return sys_fail("create", path);
	if (ftruncate(fd, (off_t)(HDR + slots * sizeof(struct slot))) < 0) {
		close(fd);
		return sys_fail("size", path);
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, 8);
	h.version = 1;
	h.slots = slots;
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		close(fd);
		return sys_fail("write", path);
	}
	*fd_out = fd;
	return 0;
}

static bool
live(const struct px_dedup *d, const struct slot *s)
{
	return s->key != 0 &&
	    (int64_t)(s->val >> ID_BITS) + PX_DEDUP_DAYS >= d->today;
}

static inline uint64_t
norm(uint64_t key)
{
	return key ? key : 1; /* 0 marks an empty slot */
}

int
px_dedup_find(struct px_dedup *d, uint64_t key, int64_t *id)
{
	uint64_t i;

	key = norm(key);
	d->touched++;
	for (i = key & d->mask;; i = (i + 1) & d->mask) {
		const struct slot *s = &d->s[i];

		if (s->key == 0)
			return 0;
		if (s->key == key && live(d, s)) {
			*id = (int64_t)(s->val & ID_MASK);
			return 1;
		}
	}
}

/* Inserts without growing; the caller keeps the load below 1. */
static void
put(struct px_dedup *d, uint64_t key, uint64_t val)
{
	uint64_t i;

	for (i = key & d->mask;; i = (i + 1) & d->mask) {
		struct slot *s = &d->s[i];

		if (s->key == 0 || !live(d, s) || s->key == key) {
			if (s->key == 0)
				d->h->used++;
			s->key = key;
			s->val = val;
			d->touched++;
			return;
		}
	}
}

/* Doubles the table (or keeps its size if enough expired), dropping
 * expired slots: written to a new file renamed over the old. */
static int
grow(struct px_dedup *d)
{
	uint64_t live_n = 0, slots = MIN_SLOTS;
	char *tmp = px_asprintf("%s.tmp", d->path);
	struct px_dedup nd;
	int rc;

	for (uint64_t i = 0; i <= d->mask; i++)
		live_n += live(d, &d->s[i]);
	while (slots < live_n * 2 + 2)
		slots <<= 1;
	memset(&nd, 0, sizeof(nd));
	nd.path = tmp;
	nd.today = d->today;
	if ((rc = create(tmp, slots, &nd.fd)) < 0)
		goto out;
	if ((rc = map_file(&nd)) < 0) {
		close(nd.fd);
		goto out;
	}
	for (uint64_t i = 0; i <= d->mask; i++)
		if (live(d, &d->s[i]))
			put(&nd, d->s[i].key, d->s[i].val);
	if (msync(nd.map, nd.len, MS_SYNC) < 0 || rename(tmp, d->path) < 0) {
		rc = sys_fail("replace", d->path);
		unmap(&nd);
		close(nd.fd);
		unlink(tmp);
		goto out;
	}
	/* The lock moves to the new file. */
	if (flock(nd.fd, LOCK_EX | LOCK_NB) < 0) {
		rc = sys_fail("lock", d->path);
		unmap(&nd);
		close(nd.fd);
		goto out;
	}
	unmap(d);
	close(d->fd);
	d->fd = nd.fd;
	d->map = nd.map;
	d->len = nd.len;
	d->h = nd.h;
	d->s = nd.s;
	d->mask = nd.mask;
	d->touched = 0;
	rc = 0;
out:
	free(tmp);
	return rc;
}

int
px_dedup_add(struct px_dedup *d, uint64_t key, int64_t id, int64_t bday)
{
	int rc;

	if ((d->h->used + 1) * 10 > d->h->slots * 7 && (rc = grow(d)) < 0)
		return rc;
	if (bday < 0)
		bday = 0;
	if (bday > 0xffff)
		bday = 0xffff;
	put(d, norm(key),
	    ((uint64_t)bday << ID_BITS) | ((uint64_t)id & ID_MASK));
	return 0;
}

void
px_dedup_trim(struct px_dedup *d)
{
	/* Pages of a shared file mapping stay in the page cache (dirty ones
	 * too); dropping them from the process's page tables bounds its
	 * resident size. */
	if (d->len > PX_DEDUP_RESIDENT &&
	    d->touched >= PX_DEDUP_RESIDENT / 4096) {
		madvise(d->map, d->len, MADV_DONTNEED);
		d->touched = 0;
	}
}

struct rebuild {
	struct px_dedup *d;
	int rc;
};

static int
rebuild_one(int64_t key, int64_t id, int64_t bday, void *arg)
{
	struct rebuild *r = arg;
	int64_t have;

	/* Newest first: a key seen again later (an older event's row) is
	 * kept as first found. */
	if (px_dedup_find(r->d, (uint64_t)key, &have))
		return 0;
	if ((r->rc = px_dedup_add(r->d, (uint64_t)key, id, bday)) < 0)
		return r->rc;
	return 0;
}

static int
lock_wait(int fd, int64_t wait_ms, const char *path)
{
	int64_t waited = 0;

	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return sys_fail("lock", path);
		if (waited >= wait_ms)
			return px_error_set(PX_ECONFLICT,
			    "another ingest is running on this node (it holds "
			    "%s); try again when it has finished",
			    path);
		usleep(50000);
		waited += 50;
	}
	return 0;
}

int
px_dedup_open(struct px_dedup **out, const char *path, struct px_store *st,
    int64_t today, int64_t wait_ms, bool *rebuilt)
{
	struct px_dedup *d = px_calloc(1, sizeof(*d));
	struct stat sb;
	bool fresh = false;
	int rc;

	d->path = px_strdup(path);
	d->today = today;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0 && errno != ENOENT) {
		rc = sys_fail("open", path);
		goto fail;
	}
	if (d->fd < 0) {
		if ((rc = create(path, MIN_SLOTS, &d->fd)) < 0)
			goto fail;
		fresh = true;
	}
	if ((rc = lock_wait(d->fd, wait_ms, path)) < 0)
		goto fail;
	/* Another process may have replaced the file while we waited for
	 * its lock: open the one now at the path. */
	if (fstat(d->fd, &sb) == 0 && sb.st_nlink == 0) {
		close(d->fd);
		free(d->path);
		free(d);
		return px_dedup_open(out, path, st, today, wait_ms, rebuilt);
	}
	if ((rc = map_file(d)) < 0)
		goto fail;
	if (d->len < HDR || memcmp(d->h->magic, MAGIC, 8) != 0 ||
	    d->h->version != 1 || d->h->slots < MIN_SLOTS ||
	    (d->h->slots & (d->h->slots - 1)) != 0 ||
	    d->len != HDR + d->h->slots * sizeof(struct slot) || !d->h->clean ||
	    fresh) {
		/* Unclean, damaged or new: start empty and refill from
		 * the store, which is the truth. */
		unmap(d);
		if (ftruncate(d->fd, 0) < 0 ||
		    ftruncate(d->fd,
		        (off_t)(HDR + MIN_SLOTS * sizeof(struct slot))) < 0) {
			rc = sys_fail("reset", path);
			goto fail;
		}
		{
			struct hdr h;

			memset(&h, 0, sizeof(h));
			memcpy(h.magic, MAGIC, 8);
			h.version = 1;
			h.slots = MIN_SLOTS;
			if (pwrite(d->fd, &h, sizeof(h), 0) !=
			    (ssize_t)sizeof(h)) {
				rc = sys_fail("write", path);
				goto fail;
			}
		}
		if ((rc = map_file(d)) < 0)
			goto fail;
		{
			struct rebuild r = { .d = d };

			rc = PX_STORE_CALL(st, feed_event_keys,
			    today - PX_DEDUP_DAYS, rebuild_one, &r);
			if (rc == 0)
				rc = r.rc;
			if (rc < 0)
				goto fail;
		}
		if (rebuilt)
			*rebuilt = !fresh || d->h->used > 0;
	} else if (rebuilt) {
		*rebuilt = false;
	}
	/* In use: unclean until closed properly. */
	d->h->clean = 0;
	if (msync(d->map, HDR, MS_SYNC) < 0) {
		rc = sys_fail("sync", path);
		goto fail;
	}
	*out = d;
	return 0;
fail:
	px_dedup_abandon(d);
	return rc;
}

int
px_dedup_close(struct px_dedup *d)
{
	int rc = 0;

	if (d == NULL)
		return 0;
	if (msync(d->map, d->len, MS_SYNC) < 0)
		rc = sys_fail("sync", d->path);
	if (rc == 0) {
		d->h->clean = 1;
		if (msync(d->map, HDR, MS_SYNC) < 0)
			rc = sys_fail("sync", d->path);
	}
	px_dedup_abandon(d);
	return rc;
}

void
px_dedup_abandon(struct px_dedup *d)
{
	if (d == NULL)
		return;
	unmap(d);
	if (d->fd >= 0)
		close(d->fd); /* also releases the lock */
	free(d->path);
	free(d);
}

void
px_dedup_stats(
    const struct px_dedup *d, uint64_t *used, uint64_t *slots, uint64_t *bytes)
{
	*used = d->h->used;
	*slots = d->h->slots;
	*bytes = d->len;
}

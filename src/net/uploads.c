/*
 * The upload budget (uploads.h).
 */
#include <pthread.h>
#include <string.h>

#include "net/uploads.h"
#include "util/util.h"

struct share {
	char *key;
	size_t used;
};

struct px_uploads {
	pthread_mutex_t mu;
	size_t total, per_key, used;
	unsigned long refused;
	struct share *v;
	size_t n, cap;
};

struct px_uploads *
px_uploads_new(size_t total, size_t per_key)
{
	struct px_uploads *u = px_calloc(1, sizeof(*u));

	pthread_mutex_init(&u->mu, NULL);
	u->total = total;
	u->per_key = per_key;
	return u;
}

void
px_uploads_free(struct px_uploads *u)
{
	if (u == NULL)
		return;
	for (size_t i = 0; i < u->n; i++)
		free(u->v[i].key);
	free(u->v);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

static struct share *
find(struct px_uploads *u, const char *key)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->v[i].key, key) == 0)
			return &u->v[i];
	return NULL;
}

int
px_uploads_take(struct px_uploads *u, const char *key, size_t n)
{
	struct share *s;
	int rc = 0;

	pthread_mutex_lock(&u->mu);
	s = find(u, key);
	if (n > u->total - u->used || n > u->per_key - (s ? s->used : 0)) {
		u->refused++;
		rc = PX_ETOOBIG;
		goto out;
	}
	if (s == NULL) {
		if (u->n == u->cap) {
			u->cap = u->cap ? u->cap * 2 : 16;
			u->v = px_realloc(u->v, u->cap * sizeof(*u->v));
		}
		s = &u->v[u->n++];
		s->key = px_strdup(key);
		s->used = 0;
	}
	s->used += n;
	u->used += n;
out:
	pthread_mutex_unlock(&u->mu);
	return rc;
}

void
px_uploads_give(struct px_uploads *u, const char *key, size_t n)
{
	struct share *s;

	pthread_mutex_lock(&u->mu);
	if ((s = find(u, key)) != NULL) {
		if (n > s->used)
			n = s->used;
		s->used -= n;
		u->used -= n;
		if (s->used == 0) {
			free(s->key);
			*s = u->v[--u->n];
		}
	}
	pthread_mutex_unlock(&u->mu);
}

void
px_uploads_stats(struct px_uploads *u, size_t *in_use, unsigned long *refused)
{
	pthread_mutex_lock(&u->mu);
	*in_use = u->used;
	*refused = u->refused;
	pthread_mutex_unlock(&u->mu);
}

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

void
px_buf_init(struct px_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void
px_buf_dispose(struct px_buf *b)
{
	free(b->data);
	px_buf_init(b, b->cap);
}

void
px_buf_reset(struct px_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
px_buf_reserve(struct px_buf *b, size_t n)
{
	if (n > b->cap || b->len > b->cap - n || b->len + n + 1 <= b->alloc)
		return;
	b->data = px_realloc(b->data, b->len + n + 1);
	b->alloc = b->len + n + 1;
	if (b->len == 0)
		b->data[0] = '\0';
}

static int
grow(struct px_buf *b, size_t more)
{
	size_t need, n;

	if (more > b->cap || b->len > b->cap - more)
		return px_error_set(PX_ETOOBIG,
		    "data larger than the limit of %zu bytes", b->cap);
	need = b->len + more + 1;
	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n > ((size_t)-1) / 2 ? need : n * 2;
	b->data = px_realloc(b->data, n);
	b->alloc = n;
	return 0;
}

int
px_buf_add(struct px_buf *b, const void *p, size_t n)
{
	int rc;

	if ((rc = grow(b, n)) < 0)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
px_buf_adds(struct px_buf *b, const char *s)
{
	return px_buf_add(b, s, strlen(s));
}

int
px_buf_addc(struct px_buf *b, char c)
{
	return px_buf_add(b, &c, 1);
}

int
px_buf_vprintf(struct px_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return px_error_set(PX_ERR, "bad format");
	if ((rc = grow(b, (size_t)n)) < 0)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
px_buf_printf(struct px_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = px_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *
px_buf_detach(struct px_buf *b, size_t *len_out)
{
	char *p;

	if (b->data == NULL)
		b->data = px_calloc(1, 1);
	p = b->data;
	if (len_out)
		*len_out = b->len;
	px_buf_init(b, b->cap);
	return p;
}

void
px_buf_put(struct px_buf *b, const void *p, size_t n)
{
	int rc = px_buf_add(b, p, n);

	assert(rc == 0);
	(void)rc;
}

void
px_buf_puts(struct px_buf *b, const char *s)
{
	px_buf_put(b, s, strlen(s));
}

void
px_buf_putf(struct px_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = px_buf_vprintf(b, fmt, ap);
	va_end(ap);
	assert(rc == 0);
	(void)rc;
}

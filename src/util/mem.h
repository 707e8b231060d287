/*
 * Allocation wrappers.  Allocation failure aborts here, so callers never
 * check for NULL (after tmux's xmalloc.c).
 */
#ifndef PX_MEM_H
#define PX_MEM_H

#include <stddef.h>

/* Returns zeroed memory of `n` bytes; caller frees with free(). */
void *px_calloc(size_t nmemb, size_t size);
void *px_malloc(size_t n);
void *px_realloc(void *p, size_t n);
/* Returns a heap copy of `s`; caller frees.  px_strdup(NULL) is NULL. */
char *px_strdup(const char *s);
char *px_strndup(const char *s, size_t n);
/* Returns a heap string formatted like printf; caller frees. */
char *px_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/*
 * Error reporting.  A function that can fail returns int: 0, or one of the
 * negative codes below.  Only failures a caller acts on get a specific
 * code; everything else is PX_ERR.  The human-readable message is set once,
 * where the failure is detected, with px_error_set(), and callers pass the
 * code up unchanged (after libgit2's error-handling.md).  The message is
 * thread-local.
 */
#ifndef PX_ERR_H
#define PX_ERR_H

enum px_err {
	PX_OK = 0,
	PX_ERR = -1,       /* anything a caller cannot act on */
	PX_EINVAL = -2,    /* bad input: malformed, forged, out of range */
	PX_ENOTFOUND = -3, /* the named thing does not exist */
	PX_ECONFLICT = -4, /* exists already, or the state forbids it */
	PX_ETOOBIG = -5,   /* a size cap was hit */
	PX_EPERM = -6,     /* a policy (the TLP marking) forbids it */
};

#define PX_MUST_CHECK __attribute__((warn_unused_result))

/* Sets the thread's error message and returns `code` for tail calls:
 * `return px_error_set(PX_EINVAL, "bad %s", x);` */
int px_error_set(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefixes the current message with more context ("while X: <old>"). */
void px_error_prefix(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Returns the thread's last message (borrowed until the next px_error_*),
 * never NULL. */
const char *px_error_last(void);
void px_error_clear(void);

#endif

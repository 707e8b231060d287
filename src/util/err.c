#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

static _Thread_local char msg[1024];

int
px_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return code;
}

void
px_error_prefix(const char *fmt, ...)
{
	char old[sizeof(msg)];
	char pre[512];
	va_list ap;

	memcpy(old, msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s", pre, old);
}

const char *
px_error_last(void)
{
	return msg[0] ? msg : "unknown error";
}

void
px_error_clear(void)
{
	msg[0] = '\0';
}

/*
 * The web console's files, built into the binary (scripts/embed_web.cmake
 * writes the table from src/web/static/ at build time).
 */
#ifndef PX_WEB_ASSETS_H
#define PX_WEB_ASSETS_H

#include <stddef.h>

struct px_web_asset {
	const char *name; /* file name, e.g. "app.js" */
	const char *type; /* media type for Content-Type */
	const unsigned char *data;
	size_t len;
	const char *etag; /* 24 hex digits of the file's SHA-256 */
};

extern const struct px_web_asset px_web_assets[];
extern const size_t px_web_assets_n;

/* The asset called `name`, or NULL. */
const struct px_web_asset *px_web_asset(const char *name);

#endif

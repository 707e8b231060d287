/*
 * Fuzzes the strict JSON parser and the RFC 8785 canonicaliser.  Beyond
 * "no crash", it checks the property signatures depend on: canonical
 * output parses back to an equal value whose canonical form is the same
 * bytes, and px_canon_parse_exact accepts exactly the canonical text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/canon.h"
#include "util/util.h"

#define MAX_LEN (1024 * 1024)

/* Not assert(): the property must hold in release fuzzing builds too. */
#define CHECK(x)                                                          \
	do {                                                              \
		if (!(x)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s (%s)\n", \
			    __FILE__, __LINE__, #x, px_error_last());     \
			abort();                                          \
		}                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct px_buf first, second;
	json_t *v = NULL, *w = NULL;
	int exact;

	px_buf_init(&first, PX_BUF_NOCAP);
	px_buf_init(&second, PX_BUF_NOCAP);
	exact = px_canon_parse_exact(NULL, text, size, MAX_LEN, "fuzz") == 0;
	if (px_json_parse(&v, text, size, MAX_LEN, "fuzz") != 0) {
		CHECK(!exact);
		goto out;
	}
	if (px_canon_append(&first, v) != 0) {
		CHECK(!exact);
		goto out;
	}
	/* Anything our parser produced, it can read back once canonical. */
	CHECK(px_json_parse(&w, first.data, first.len, MAX_LEN, "again") == 0);
	CHECK(json_equal(v, w));
	CHECK(px_canon_append(&second, w) == 0);
	CHECK(first.len == second.len &&
	    memcmp(first.data, second.data, first.len) == 0);
	CHECK(px_canon_parse_exact(
	          NULL, first.data, first.len, MAX_LEN, "canon") == 0);
	/* The exact check accepts the canonical text and nothing else. */
	CHECK(exact ==
	    ((size == first.len ||
	         (size == first.len + 1 && text[first.len] == '\n')) &&
	        memcmp(text, first.data, first.len) == 0));
out:
	json_decref(v);
	json_decref(w);
	px_buf_dispose(&first);
	px_buf_dispose(&second);
	return 0;
}

/*
 * Fuzz target for the parley.conf parser.  Beyond "does not crash", it
 * checks the parser's promises on every input: a failure leaves the result
 * empty with a message that names the input; a success gives entries that
 * px_conf_get finds again (keys are unique per section), and px_conf_sub
 * lists each subsection of a section exactly once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/conf.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* Every subsection of `section` is listed once and has an entry. */
static void
check_subs(const struct px_conf *c, const char *section)
{
	const char *name;

	for (size_t i = 0; (name = px_conf_sub(c, section, i)) != NULL; i++) {
		size_t found = 0;

		check(name[0] != '\0');
		for (size_t k = 0; k < i; k++)
			check(strcmp(px_conf_sub(c, section, k), name) != 0);
		for (size_t j = 0; j < c->n; j++) {
			if (c->e[j].sub &&
			    strcmp(c->e[j].section, section) == 0 &&
			    strcmp(c->e[j].sub, name) == 0)
				found++;
		}
		check(found > 0);
		check(i < c->n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_conf c;
	int rc;

	rc = px_conf_parse(&c, (const char *)data, size, "fuzz.conf");
	if (rc < 0) {
		check(rc == PX_EINVAL || rc == PX_ETOOBIG);
		check(c.n == 0 && c.e == NULL);
		check(strncmp(px_error_last(), "fuzz.conf", 9) == 0);
		px_conf_dispose(&c);
		return 0;
	}
	check(rc == 0);
	for (size_t i = 0; i < c.n; i++) {
		const struct px_conf_entry *x = &c.e[i];

		check(x->line >= 1);
		check(i == 0 || x->line > c.e[i - 1].line);
		check(x->key[0] != '\0');
		check(x->sub == NULL || x->sub[0] != '\0');
		check(px_conf_get(&c, x->section, x->sub, x->key) == x->value);
		/* A section's subsections are checked at its first entry;
		 * bounded so a big input stays quick. */
		if (i < 64 &&
		    (i == 0 || strcmp(c.e[i - 1].section, x->section) != 0))
			check_subs(&c, x->section);
	}
	check(px_conf_get(&c, "", NULL, "no such key!") == NULL);
	px_conf_dispose(&c);
	return 0;
}

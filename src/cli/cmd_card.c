/* parley card: print this node's signed card. */
#include "cli/common.h"
#include "cli/commands.h"
#include "model/canon.h"
#include "util/util.h"

static const struct px_opt opts[] = {
	{ "output", "FILE", "write the card to FILE instead of stdout", 0,
	    'o' },
	{ 0 },
};

static int
run(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *card = NULL;
	const char *out = px_arg(a, "output");
	char *text = NULL, *line = NULL, fp[45];
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_card(&card, n)) < 0)
		goto fail;
	text = px_canon_string(card);
	line = px_asprintf("%s\n", text);
	px_key_fingerprint(fp, n->sign.pk);
	if (out) {
		if ((rc = px_file_write(out, line, strlen(line), 0644)) < 0)
			goto fail;
		if (px_json(a)) {
			json_t *o = json_pack("{sssssIss}", "name", n->name,
			    "file", out, "version",
			    (json_int_t)json_integer_value(json_object_get(
			        json_object_get(card, "card"), "version")),
			    "fingerprint", fp);

			px_cli_print_json(o);
			json_decref(o);
		}
		fprintf(stderr,
		    "Wrote the card of %s (version %lld) to %s\n"
		    "Fingerprint to read to the peer: %s\n",
		    n->name,
		    (long long)json_integer_value(json_object_get(
		        json_object_get(card, "card"), "version")),
		    out, fp);
	} else if (px_json(a)) {
		px_cli_print_json(card);
	} else {
		fputs(line, stdout);
	}
	rc = 0;
	goto out;
fail:
	rc = px_cli_fail(a, rc);
out:
	free(text);
	free(line);
	json_decref(card);
	px_node_free(n);
	return rc;
}

const struct px_cmd px_cmd_card = {
	.name = "card",
	.summary = "print this node's signed card (to give to peers)",
	.opts = opts,
	.run = run,
};

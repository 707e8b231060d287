/*
 * parley evidence: files on a case, their chain of custody, and their
 * transfer to the peer (docs/evidence.md).  Every custody event is a
 * signed message queued for the peer like any other.
 */
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "net/client.h"
#include "node/evidence.h"
#include "node/transfer.h"
#include "util/util.h"

/* Resolves CASE ITEM, or ITEM alone (looked up in every case), from the
 * first `npos` positionals: *case_id heap, *item borrowed from argv. */
static int
case_and_item_n(const struct px_args *a, size_t npos, struct px_node *n,
    char **case_id, const char **item)
{
	int rc;

	if (npos >= 2) {
		*case_id = px_strdup(px_pos(a, 0));
		*item = px_pos(a, 1);
		return 0;
	}
	*item = px_pos(a, 0);
	if ((rc = px_ev_lookup(case_id, n, *item)) < 0)
		return rc;
	return 0;
}

static int
case_and_item(const struct px_args *a, struct px_node *n, char **case_id,
    const char **item)
{
	return case_and_item_n(a, px_npos(a), n, case_id, item);
}

static void
human_size(char *out, size_t n, int64_t b)
{
	if (b >= (INT64_C(1) << 30))
		snprintf(out, n, "%.1f GiB", (double)b / (1 << 30));
	else if (b >= (1 << 20))
		snprintf(out, n, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 1024)
		snprintf(out, n, "%.1f KiB", (double)b / 1024);
	else
		snprintf(out, n, "%lld bytes", (long long)b);
}

static void
print_sent(const struct px_args *a, struct px_node *n, const struct px_msg *m)
{
	const char *ev = json_string_value(json_object_get(m->body, "event"));
	const char *item = json_string_value(json_object_get(m->body, "item"));
	char ref[9];

	px_case_ref(ref, m->case_id);
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss ss ss ss sI}", "case", m->case_id,
		    "ref", ref, "item", item, "event", ev, "message", m->hash,
		    "seq", (json_int_t)m->seq);

		px_cli_print_json(o);
		json_decref(o);
		return;
	}
	printf("Case %s: evidence %s of item %.16s... signed and queued for "
	       "%s (seq %lld).\n",
	    ref, ev, item, m->to, (long long)m->seq);
	px_cli_queued(n, m->to);
}

/* --- add ------------------------------------------------------------- */

static const struct px_opt add_opts[] = {
	{ "exhibit", "ID", "the exhibit number (A-1)", PX_OPT_REQUIRED },
	{ "tool", "NAME", "the acquisition tool", PX_OPT_REQUIRED },
	{ "tool-version", "V", "its version", PX_OPT_REQUIRED },
	{ "tool-args", "ARGS", "the arguments it ran with", 0 },
	{ "method", "TEXT", "how it was acquired (default: logical copy)", 0 },
	{ "operator", "NAME", "who acquired it (default: --by)", 0 },
	{ "place", "TEXT", "where (default: this node's name)", 0 },
	{ "acquired", "TIME", "when, RFC 3339 (default: now)", 0 },
	{ "legal", "TYPE",
	    "legal basis: warrant, court-order, production-order, "
	    "preservation-order, mla-request, statutory, consent, voluntary, "
	    "own-systems (default), other",
	    0 },
	{ "legal-ref", "REF", "the authorisation's reference", 0 },
	{ "derived-from", "ITEM", "an item of the case this one comes from",
	    PX_OPT_MULTI },
	{ "root-exhibit", "ID", "the exhibit this one is part of", 0 },
	{ "name", "FILE", "the file name to record (default: FILE's)", 0 },
	{ "description", "TEXT", "what it is", 0 },
	{ "media-type", "TYPE", "default application/octet-stream", 0 },
	{ "tlp", "T", "its TLP marking (default: the case's)", 0 },
	{ "by", "NAME", "who adds it (default: $USER)", 0 },
	{ "why", "TEXT", "why (recorded in the custody chain)", 0 },
	{ 0 },
};

static int
run_add(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	size_t nd = 0;
	struct px_ev_add in = {
		.case_ref = px_pos(a, 0),
		.path = px_pos(a, 1),
		.exhibit = px_arg(a, "exhibit"),
		.root_exhibit = px_arg(a, "root-exhibit"),
		.name = px_arg(a, "name"),
		.description = px_arg(a, "description"),
		.media_type = px_arg(a, "media-type"),
		.tlp = px_arg(a, "tlp"),
		.method = px_arg(a, "method"),
		.tool = px_arg(a, "tool"),
		.tool_version = px_arg(a, "tool-version"),
		.tool_args = px_arg(a, "tool-args"),
		.operator_ = px_arg(a, "operator"),
		.place = px_arg(a, "place"),
		.acquired = px_arg(a, "acquired"),
		.legal_type = px_arg(a, "legal"),
		.legal_ref = px_arg(a, "legal-ref"),
		.by = px_arg(a, "by"),
		.why = px_arg(a, "why"),
	};
	int rc;

	in.derived_from = px_arg_all(a, "derived-from", &nd);
	in.nderived = nd;
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_ev_add_file(n, &in, &m)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		print_sent(a, n, m);
	} else {
		const json_t *man = json_object_get(m->body, "manifest");
		char sz[32];

		human_size(sz, sizeof(sz),
		    json_integer_value(json_object_get(man, "size")));
		printf("Exhibit %s added to case %.8s: %s, %lld chunks\n"
		       "  item    %s\n  sha256  %s\n  root    %s\n",
		    in.exhibit, m->case_id + 28, sz,
		    (long long)json_integer_value(
		        json_object_get(man, "chunks")),
		    json_string_value(json_object_get(m->body, "item")),
		    json_string_value(json_object_get(
		        json_object_get(man, "hashes"), "sha256")),
		    json_string_value(json_object_get(man, "root")));
		printf("Its acquisition is signed and queued for %s (seq "
		       "%lld); offer it with: parley evidence offer %.8s %s\n",
		    m->to, (long long)m->seq, m->case_id + 28, in.exhibit);
	}
out:
	px_msg_free(m);
	px_node_free(n);
	return rc;
}

/* --- list / show ------------------------------------------------------- */

static int
list_row(const struct px_evidence_row *r, void *arg)
{
	char sz[32];

	if (px_json(arg))
		return 0;
	human_size(sz, sizeof(sz), r->size);
	printf("%-8.8s  %-12s  %-12s  %10s  %.16s  %s\n", r->case_id + 28,
	    r->exhibit, r->state, sz, r->item, r->peer);
	return 0;
}

static int
json_row(const struct px_evidence_row *r, void *arg)
{
	json_array_append_new(arg, px_ev_row_json(r));
	return 0;
}

static int
run_list(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_evidence_filter f = { .state = px_arg(a, "state") };
	char *id = NULL;
	json_t *arr = json_array();
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		goto done;
	if (px_npos(a) == 1 &&
	    (rc = PX_STORE_CALL(n->store, case_find, px_pos(a, 0), &id)) < 0) {
		rc = px_cli_fail(a, rc);
		goto done;
	}
	f.case_id = id;
	if (!px_json(a))
		printf("%-8s  %-12s  %-12s  %10s  %-16s  %s\n", "CASE",
		    "EXHIBIT", "STATE", "SIZE", "ITEM", "PEER");
	rc = PX_STORE_CALL(n->store, evidence_list, &f,
	    px_json(a) ? json_row : list_row, px_json(a) ? (void *)arr : a);
	if (rc < 0) {
		rc = px_cli_fail(a, rc);
		goto done;
	}
	if (px_json(a))
		px_cli_print_json(arr);
done:
	json_decref(arr);
	free(id);
	px_node_free(n);
	return rc;
}

static int
run_show(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_case c;
	const struct px_ev_item *it = NULL;
	const char *ref = NULL;
	char *case_id = NULL, sz[32];
	json_t *all = NULL, *v = NULL;
	int rc;

	px_case_init(&c);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = case_and_item(a, n, &case_id, &ref)) < 0 ||
	    (rc = px_ev_load(&c, &it, n, case_id, ref)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	all = px_ev_view(n, &c);
	for (size_t i = 0; i < json_array_size(all); i++)
		if (strcmp(px_cli_str(json_array_get(all, i), "item"),
		        it->man.item) == 0)
			v = json_array_get(all, i);
	if (px_json(a)) {
		px_cli_print_json(v);
		goto out;
	}
	human_size(sz, sizeof(sz), it->man.size);
	printf("Exhibit %s of case %.8s (%s)\n", it->man.exhibit, c.id + 28,
	    c.title);
	printf("  item        %s\n  root        %s\n  sha256      %s\n",
	    it->man.item, it->man.root, it->man.sha256);
	printf("  size        %s (%lld bytes, %lld chunks)\n  media type  "
	       "%s, TLP:%s\n",
	    sz, (long long)it->man.size, (long long)it->man.chunks,
	    it->man.media_type, px_tlp_names[it->man.tlp].label + 4);
	{
		const json_t *acq = json_object_get(it->man.obj, "acquisition");
		const json_t *tool = json_object_get(acq, "tool");
		const json_t *lb = json_object_get(it->man.obj, "legal_basis");

		printf("  acquired    %s by %s at %s (%s)\n",
		    px_cli_str(acq, "time"), px_cli_str(acq, "operator"),
		    px_cli_str(acq, "place"), px_cli_str(acq, "method"));
		printf("  tool        %s %s%s%s\n", px_cli_str(tool, "name"),
		    px_cli_str(tool, "version"),
		    json_object_get(tool, "args") ? " " : "",
		    json_object_get(tool, "args") ? px_cli_str(tool, "args")
		                                  : "");
		printf("  legal basis %s: %s\n", px_cli_str(lb, "type"),
		    px_cli_str(lb, "reference"));
	}
	printf("  state       %s%s%s\n", px_cli_str(v, "state"),
	    json_is_true(json_object_get(v, "local")) ? " (bytes held here)"
	                                              : "",
	    json_is_true(json_object_get(v, "custody_ok"))
	        ? ""
	        : "  ** CUSTODY CHAIN BROKEN: see parley evidence custody **");
	if (json_is_object(json_object_get(v, "progress"))) {
		const json_t *p = json_object_get(v, "progress");

		printf("  transfer    %lld of %lld chunks\n",
		    (long long)json_integer_value(json_object_get(p, "have")),
		    (long long)json_integer_value(
		        json_object_get(p, "chunks")));
	}
	if (it->status >= 0 || it->reason)
		printf("  receipt     %s%s%s\n",
		    it->status >= 0 ? px_ev_status_names[it->status].wire : "-",
		    it->reason ? ": " : "", it->reason ? it->reason : "");
out:
	json_decref(all);
	free(case_id);
	px_case_dispose(&c);
	px_node_free(n);
	return rc;
}

/* --- verify / custody / get -------------------------------------------- */

static int
run_verify(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_case c;
	const struct px_ev_item *it = NULL;
	const char *ref = NULL;
	char *case_id = NULL;
	json_t *o = NULL;
	int rc;

	px_case_init(&c);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = case_and_item(a, n, &case_id, &ref)) < 0 ||
	    (rc = px_ev_load(&c, &it, n, case_id, ref)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	rc = px_ev_verify(&o, n, it);
	if (px_json(a))
		px_cli_print_json(o);
	else if (rc == 0)
		printf(
		    "Exhibit %s verifies: %lld chunks against their digests, "
		    "the root %.16s..., SHA-256 %s.\n",
		    it->man.exhibit, (long long)it->man.chunks, it->man.root,
		    it->man.sha256);
	if (rc < 0) {
		if (!px_json(a))
			fprintf(stderr, "parley: %s\n", px_error_last());
		rc = px_exit_for(rc);
	}
out:
	json_decref(o);
	free(case_id);
	px_case_dispose(&c);
	px_node_free(n);
	return rc;
}

static int
run_custody(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_case c;
	const struct px_ev_item *it = NULL;
	const char *ref = NULL;
	char *case_id = NULL;
	json_t *o = NULL, *e;
	size_t i;
	int rc;

	px_case_init(&c);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = case_and_item(a, n, &case_id, &ref)) < 0 ||
	    (rc = px_ev_load(&c, &it, n, case_id, ref)) < 0 ||
	    (rc = px_ev_custody(&o, n, &c, it)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(o);
		goto out;
	}
	printf("Chain of custody of exhibit %s (case %.8s)\n  item %s\n  "
	       "sha256 %s\n\n",
	    it->man.exhibit, c.id + 28, it->man.item, it->man.sha256);
	json_array_foreach(json_object_get(o, "events"), i, e)
	{
		const json_t *log = json_object_get(e, "log");
		const json_t *w = json_object_get(e, "witnesses"), *x;
		size_t k;

		printf("%2zu. %s  %-11s by %s", i + 1, px_cli_str(e, "time"),
		    px_cli_str(e, "event"), px_cli_str(e, "from"));
		if (json_object_get(e, "by"))
			printf(" (%s)", px_cli_str(e, "by"));
		if (json_object_get(e, "status"))
			printf("  status %s", px_cli_str(e, "status"));
		printf("\n");
		if (json_object_get(e, "why"))
			printf("      why: %s\n", px_cli_str(e, "why"));
		if (json_object_get(e, "third_party"))
			printf("      to: %s\n", px_cli_str(e, "third_party"));
		if (json_object_get(e, "reason"))
			printf("      reason: %s\n", px_cli_str(e, "reason"));
		if (json_object_get(e, "hash_before") ||
		    json_object_get(e, "hash_after"))
			printf("      hash before %.16s...  after %.16s...\n",
			    px_cli_str(e, "hash_before"),
			    px_cli_str(e, "hash_after"));
		if (json_is_object(log))
			printf("      %s's log, index %lld",
			    px_cli_str(log, "node"),
			    (long long)json_integer_value(
			        json_object_get(log, "index")));
		else
			printf("      not yet proven in its signer's log");
		json_array_foreach(w, k, x) printf("%s%s (checkpoint %lld)",
		    k ? ", " : "; witnessed by ", px_cli_str(x, "peer"),
		    (long long)json_integer_value(json_object_get(x, "size")));
		printf("\n");
		if (!json_is_null(json_object_get(e, "effect")))
			printf(
			    "      NO EFFECT: %s\n", px_cli_str(e, "effect"));
	}
	if (json_is_true(json_object_get(o, "chain_ok")))
		printf("\nThe chain holds: every hash before is the one "
		       "attested last, every hash after the manifest's.\n");
	else
		printf("\nTHE CHAIN IS BROKEN: %s\n", px_cli_str(o, "problem"));
out:
	json_decref(o);
	free(case_id);
	px_case_dispose(&c);
	px_node_free(n);
	return rc;
}

static int
run_get(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	const char *ref = NULL;
	char *case_id = NULL;
	struct px_ev_act act = { .by = px_arg(a, "by"),
		.why = px_arg(a, "why") };
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = case_and_item(a, n, &case_id, &ref)) < 0 ||
	    (rc = px_ev_get(n, case_id, ref, px_arg(a, "output"), &act, &m)) <
	        0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (!px_json(a))
		printf(
		    "Wrote %s (its SHA-256 verified).  ", px_arg(a, "output"));
	print_sent(a, n, m);
out:
	px_msg_free(m);
	free(case_id);
	px_node_free(n);
	return rc;
}

/* --- events ------------------------------------------------------------ */

/* Signs `ev` about the item the first `npos` positionals name. */
static int
send_event_n(struct px_args *a, size_t npos, enum px_ev_event ev,
    const struct px_ev_act *act)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	const char *ref = NULL;
	char *case_id = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = case_and_item_n(a, npos, n, &case_id, &ref)) < 0 ||
	    (rc = px_ev_event(n, case_id, ref, ev, act, &m)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	print_sent(a, n, m);
out:
	px_msg_free(m);
	free(case_id);
	px_node_free(n);
	return rc;
}

static int
send_event(struct px_args *a, enum px_ev_event ev, const struct px_ev_act *act)
{
	return send_event_n(a, px_npos(a), ev, act);
}

static int
run_offer(struct px_args *a)
{
	struct px_ev_act act = { .by = px_arg(a, "by"),
		.why = px_arg(a, "why") };

	return send_event(a, PX_EV_OFFERED, &act);
}

static int
run_accept(struct px_args *a)
{
	return send_event(a, PX_EV_ACCEPTED, NULL);
}

static int
run_decline(struct px_args *a)
{
	struct px_ev_act act = { .reason = px_arg(a, "reason") };

	return send_event(a, PX_EV_DECLINED, &act);
}

static int
run_event(struct px_args *a)
{
	static const enum px_ev_event allowed[] = { PX_EV_ACCESSED,
		PX_EV_SEALED, PX_EV_RELEASED, PX_EV_DESTROYED, PX_EV_RECEIVED };
	struct px_ev_act act = { .by = px_arg(a, "by"),
		.why = px_arg(a, "why"),
		.to = px_arg(a, "to"),
		.reason = px_arg(a, "reason") };
	const char *name = px_pos(a, px_npos(a) - 1);
	int ev = PX_LOOKUP(px_ev_event_names, "custody event", name);

	if (ev < 0)
		return px_cli_fail(a, ev);
	for (size_t i = 0; i < PX_ARRAY_LEN(allowed); i++)
		if ((enum px_ev_event)ev == allowed[i]) {
			if (ev == PX_EV_RECEIVED)
				act.status = "incomplete";
			if (ev != PX_EV_RECEIVED &&
			    (act.why == NULL || *act.why == '\0'))
				return px_cli_usage(a,
				    "say why (--why): the chain of custody "
				    "records it");
			/* EVENT is the last positional. */
			return send_event_n(
			    a, px_npos(a) - 1, (enum px_ev_event)ev, &act);
		}
	return px_cli_usage(a,
	    "'%s' is signed by its own command or by the transfer; by hand: "
	    "accessed, sealed, released, destroyed, received (incomplete)",
	    name);
}

static int
run_decide(struct px_args *a)
{
	struct px_node *n = NULL;
	size_t k = 0;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_ev_decide_pending(n, px_flag(a, "accept-all"), &k)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{sI}", "decided", (json_int_t)k);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Answered %zu offer%s by this node's policy "
		       "(parley.conf [evidence]).\n",
		    k, k == 1 ? "" : "s");
	}
out:
	px_node_free(n);
	return rc;
}

/* --- transfer ---------------------------------------------------------- */

struct bar {
	int64_t t0, last;
	bool tty;
};

static void
draw(void *arg, int64_t have, int64_t total, int64_t bytes)
{
	struct bar *b = arg;
	int64_t now = px_time_now_ms();
	double s = (double)(now - b->t0) / 1000.0;
	int w = 30, fill = total ? (int)(w * have / total) : w;

	if (now - b->last < 200 && have < total)
		return;
	b->last = now;
	fprintf(stderr, "%s[%.*s%*s] %lld/%lld chunks  %.1f MiB/s%s",
	    b->tty ? "\r" : "", fill, "##############################",
	    w - fill, "", (long long)have, (long long)total,
	    s > 0 ? (double)bytes / (1 << 20) / s : 0.0,
	    b->tty && have < total ? "" : "\n");
	fflush(stderr);
}

static int
run_transfer(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_client *c = NULL;
	struct px_peer *p = NULL;
	struct px_case cs;
	const struct px_ev_item *it = NULL;
	const char *ref = NULL;
	char *case_id = NULL, *cert = NULL, *key = NULL, item[PX_HASH_HEX];
	struct bar b = { .t0 = px_time_now_ms(), .tty = isatty(2) };
	const char *peer;
	int rc;

	px_case_init(&cs);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = case_and_item(a, n, &case_id, &ref)) < 0 ||
	    (rc = px_ev_load(&cs, &it, n, case_id, ref)) < 0)
		goto fail;
	peer = strcmp(cs.requester, n->name) == 0 ? cs.responder : cs.requester;
	snprintf(item, sizeof(item), "%s", it->man.item);
	if (strcmp(px_ev_state(n, &cs, it), "sending") != 0) {
		rc = px_error_set(PX_ECONFLICT,
		    "item %s is %s; a transfer starts once %s accepted the "
		    "offer",
		    it->man.exhibit, px_ev_state(n, &cs, it), peer);
		goto fail;
	}
	if ((rc = px_peer_load(&p, n, peer)) < 0)
		goto fail;
	if (p->card.url == NULL || *p->card.url == '\0') {
		rc = px_error_set(PX_EINVAL,
		    "%s's card names no URL: carry the item by hand (parley "
		    "evidence export %.8s %s -o DIR)",
		    peer, cs.id + 28, it->man.exhibit);
		goto fail;
	}
	cert = px_asprintf("%s/tls/cert.pem", n->dir);
	key = px_asprintf("%s/tls/key.pem", n->dir);
	if ((rc = px_client_new(&c, p->card.url, p->card.tls, cert, key)) < 0)
		goto fail;
	do {
		rc = px_xfer_push(n, c, peer, cs.id, item,
		    px_json(a) ? NULL : draw, &b, NULL);
		if (rc == 0)
			sleep(1); /* busy: it asked us to wait */
	} while (rc == 0);
	if (rc < 0)
		goto fail;
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss ss sb}", "case", cs.id, "item",
		    item, "peer", peer, "done", 1);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s holds exhibit %s: every chunk, the root and the "
		       "SHA-256 verified; \"transferred\" is signed and "
		       "queued.\n",
		    peer, it->man.exhibit);
	}
	rc = 0;
	goto out;
fail:
	rc = px_cli_fail(a, rc);
out:
	px_client_free(c);
	px_peer_free(p);
	free(cert);
	free(key);
	free(case_id);
	px_case_dispose(&cs);
	px_node_free(n);
	return rc;
}

static int
run_export(struct px_args *a)
{
	struct px_node *n = NULL;
	const char *ref = NULL;
	char *case_id = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = case_and_item(a, n, &case_id, &ref)) < 0 ||
	    (rc = px_xfer_export_dir(n, case_id, ref, px_arg(a, "output"))) <
	        0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{ss}", "directory", px_arg(a, "output"));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Wrote the bundle directory %s; carry it to the peer "
		       "(parley evidence import DIR there).  \"transferred\" "
		       "is signed and queued.\n",
		    px_arg(a, "output"));
	}
out:
	free(case_id);
	px_node_free(n);
	return rc;
}

static int
run_import(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *st = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_xfer_import_dir(&st, n, px_pos(a, 0))) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a))
		px_cli_print_json(st);
	else
		printf("Item %.16s...: %s (%lld of %lld chunks).  The receipt "
		       "is signed and queued.\n",
		    px_cli_str(st, "item"), px_cli_str(st, "state"),
		    (long long)json_integer_value(json_object_get(st, "have")),
		    (long long)json_integer_value(
		        json_object_get(st, "chunks")));
out:
	json_decref(st);
	px_node_free(n);
	return rc;
}

/* --- the table ------------------------------------------------------------ */

static const struct px_opt list_opts[] = {
	{ "state", "STATE", "only items in this state (held, receiving, ...)",
	    0 },
	{ 0 },
};
static const struct px_opt get_opts[] = {
	{ "output", "FILE", "where to write the item", PX_OPT_REQUIRED, 'o' },
	{ "why", "TEXT", "why it is exported (recorded)", PX_OPT_REQUIRED },
	{ "by", "NAME", "who (default: $USER)", 0 },
	{ 0 },
};
static const struct px_opt offer_opts[] = {
	{ "by", "NAME", "who offers it (default: $USER)", 0 },
	{ "why", "TEXT", "why (recorded)", 0 },
	{ 0 },
};
static const struct px_opt decline_opts[] = {
	{ "reason", "TEXT", "why it is declined", PX_OPT_REQUIRED },
	{ 0 },
};
static const struct px_opt event_opts[] = {
	{ "by", "NAME", "who (default: $USER)", 0 },
	{ "why", "TEXT", "why (recorded; required but for received)", 0 },
	{ "to", "WHO", "released: the third party", 0 },
	{ "reason", "TEXT", "received: why it is incomplete", 0 },
	{ 0 },
};
static const struct px_opt decide_opts[] = {
	{ "accept-all", NULL,
	    "accept what the policy allows even when auto_accept = no", 0 },
	{ 0 },
};
static const struct px_opt export_opts[] = {
	{ "output", "DIR", "the bundle directory to write", PX_OPT_REQUIRED,
	    'o' },
	{ 0 },
};

#define ITEM_USAGE "[CASE] ITEM"

static const struct px_cmd add = {
	.name = "add",
	.summary = "add a file to a case as an evidence item",
	.usage = "CASE FILE",
	.min_pos = 2,
	.max_pos = 2,
	.opts = add_opts,
	.run = run_add,
	.details = "Stores FILE in this node's chunk store (1 MiB chunks, "
	           "content-addressed), computes its SHA-256 and Merkle root, "
	           "and signs the \"acquired\" event with its manifest, queued "
	           "for the case's peer.  The bytes leave only when offered.",
};
static const struct px_cmd list = {
	.name = "list",
	.summary = "evidence items and their state",
	.usage = "[CASE]",
	.min_pos = 0,
	.max_pos = 1,
	.opts = list_opts,
	.run = run_list,
};
static const struct px_cmd show = {
	.name = "show",
	.summary = "one item: manifest, hashes, state, transfer",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.run = run_show,
	.details = "ITEM is an exhibit number, or at least 8 hex digits of "
	           "the item's hash or root; without CASE every case is "
	           "searched.",
};
static const struct px_cmd get = {
	.name = "get",
	.summary = "write an item's bytes to a file (signs \"exported\")",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.opts = get_opts,
	.run = run_get,
};
static const struct px_cmd verify = {
	.name = "verify",
	.summary = "re-read an item: chunks, root and SHA-256",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.run = run_verify,
	.details = "Exit code 0 when the copy held verifies, 3 when it no "
	           "longer does (the message names the chunk), 4 when none is "
	           "held.",
};
static const struct px_cmd custody = {
	.name = "custody",
	.summary = "the chain of custody with log indices and witnesses",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.run = run_custody,
};
static const struct px_cmd offer = {
	.name = "offer",
	.summary = "offer an item to the case's peer",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.opts = offer_opts,
	.run = run_offer,
	.details = "The offer carries the manifest, the chunk count and the "
	           "root; the peer's policy answers (accept or decline, with "
	           "its limits), then a serving node moves the chunks (or "
	           "parley evidence transfer, or export/import by hand).",
};
static const struct px_cmd accept = {
	.name = "accept",
	.summary = "accept an item offered to this node",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.run = run_accept,
};
static const struct px_cmd decline = {
	.name = "decline",
	.summary = "decline an item offered to this node, saying why",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.opts = decline_opts,
	.run = run_decline,
};
static const struct px_cmd decide = {
	.name = "decide",
	.summary = "answer waiting offers by this node's policy",
	.opts = decide_opts,
	.run = run_decide,
	.details = "Declines offers over parley.conf [evidence] max_item, of "
	           "a media type not in media_types, or that would leave less "
	           "than min_free; accepts the rest when auto_accept = yes "
	           "(the default).  A serving node does this by itself.",
};
static const struct px_cmd event = {
	.name = "event",
	.summary = "sign a custody event: accessed, sealed, released, "
	           "destroyed, received (incomplete)",
	.usage = "[CASE] ITEM EVENT",
	.min_pos = 2,
	.max_pos = 3,
	.opts = event_opts,
	.run = run_event,
	.details = "The node hashes the copy it holds and records the hash "
	           "before (the last one it attested) and after.  destroyed "
	           "also deletes the bytes.",
};
static const struct px_cmd transfer = {
	.name = "transfer",
	.summary = "push an accepted item to the peer now, with progress",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.run = run_transfer,
	.details = "Resumes from the first chunk the peer lacks; a serving "
	           "node does the same in the background.",
};
static const struct px_cmd export_ = {
	.name = "export",
	.summary = "write an accepted item as a bundle directory",
	.usage = ITEM_USAGE,
	.min_pos = 1,
	.max_pos = 2,
	.opts = export_opts,
	.run = run_export,
};
static const struct px_cmd import_ = {
	.name = "import",
	.summary = "import a bundle directory (checks every chunk and the "
	           "root, then signs the receipt)",
	.usage = "DIR",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_import,
};
static const struct px_cmd *const subs[] = { &add, &list, &show, &get, &verify,
	&custody, &offer, &accept, &decline, &decide, &event, &transfer,
	&export_, &import_, NULL };

const struct px_cmd px_cmd_evidence = {
	.name = "evidence",
	.summary = "evidence items: add, custody, transfer",
	.subs = subs,
};

/* parley peer: enrol and inspect peers. */
#include "cli/common.h"
#include "cli/commands.h"
#include "model/canon.h"
#include "model/card.h"
#include "node/channel.h"
#include "node/agreement.h"
#include "util/util.h"

static const struct px_opt add_opts[] = {
	{ "replace", NULL,
	    "accept a new signing key for a known peer (after checking its "
	    "fingerprint out of band)",
	    0 },
	{ 0 },
};

static int
run_add(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf b;
	enum px_peer_added how;
	char fp[45], *name = NULL;
	struct px_card incoming = { 0 };
	struct px_peer *old = NULL;
	json_t *diff = NULL;
	int rc;

	px_buf_init(&b, PX_CARD_MAX_BYTES);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_cli_read(&b, px_pos(a, 0), PX_CARD_MAX_BYTES)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	/* The pinned card before, to show the peer's operator what changed
	 * in the points of contact. */
	if (px_card_parse(&incoming, b.data, b.len, px_pos(a, 0)) == 0 &&
	    px_peer_load(&old, n, incoming.name) < 0)
		old = NULL;
	if ((rc = px_peer_add(n, b.data, b.len, px_pos(a, 0),
	         px_flag(a, "replace"), &how, fp, &name)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (old && how == PX_PEER_UPDATED)
		diff = px_card_contacts_diff(old->card.c, incoming.c);
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss ss}", "name", name, "result",
		    how == PX_PEER_NEW           ? "added"
		        : how == PX_PEER_UPDATED ? "updated"
		                                 : "unchanged",
		    "fingerprint", fp);

		if (diff)
			json_object_set(o, "contacts_changed", diff);
		px_cli_print_json(o);
		json_decref(o);
	} else if (how == PX_PEER_SAME) {
		printf("Peer %s is already pinned with this card; nothing "
		       "changed.\n",
		    name);
	} else {
		printf("%s peer %s\n  signing key fingerprint  %s\n"
		       "Check this fingerprint with %s by phone before "
		       "trusting its messages.\n",
		    how == PX_PEER_NEW ? "Pinned" : "Updated", name, fp, name);
	}
	if (diff && !px_json(a)) {
		const char *lab[] = { "added", "removed" };
		size_t i;
		json_t *v;

		printf("Card version %lld -> %lld.\n",
		    (long long)json_integer_value(
		        json_object_get(diff, "from_version")),
		    (long long)json_integer_value(
		        json_object_get(diff, "to_version")));
		for (int k = 0; k < 2; k++)
			json_array_foreach(json_object_get(diff, lab[k]), i, v)
			    printf("  contact %s: %s\n", lab[k],
			        json_string_value(v));
		json_array_foreach(json_object_get(diff, "changed"), i, v)
		{
			char *f = json_dumps(
			    json_object_get(v, "fields"), JSON_COMPACT);

			printf("  contact changed: %s %s\n",
			    json_string_value(json_object_get(v, "id")), f);
			free(f);
		}
		if (json_is_true(json_object_get(diff, "roster_changed")))
			printf("  the on-call roster changed\n");
		{
			const char *k;
			json_t *d;

			/* Routing follows the constituency: say what moves
			 * (docs/routing.md). */
			json_object_foreach(
			    json_object_get(diff, "constituency"), k, d)
			{
				printf("  constituency %s:", k);
				json_array_foreach(json_object_get(d, "added"),
				    i, v) printf(" +%s", json_string_value(v));
				json_array_foreach(
				    json_object_get(d, "removed"), i, v)
				    printf(" -%s", json_string_value(v));
				printf("\n");
			}
		}
	}
out:
	json_decref(diff);
	px_peer_free(old);
	if (incoming.env)
		px_card_dispose(&incoming);
	free(name);
	px_buf_dispose(&b);
	px_node_free(n);
	return rc;
}

static int
list_one(const struct px_peer_row *p, void *arg)
{
	json_t *out = arg, *card = NULL;
	const json_t *c;
	char fp[45], tm[PX_TIME_STRLEN];
	uint8_t pk[32];
	size_t len = 0;

	if (px_json_parse(&card, p->card, strlen(p->card), PX_CARD_MAX_BYTES,
	        "stored card") < 0)
		return PX_ERR;
	c = json_object_get(card, "card");
	if (px_b64_decode(pk, sizeof(pk), &len, p->sign_key) < 0)
		memset(pk, 0, sizeof(pk));
	px_key_fingerprint(fp, pk);
	px_time_format(tm, p->added_ms);
	json_array_append_new(out,
	    json_pack("{ss sO sO sI ss ss ss}", "name", p->name, "url",
	        json_object_get(c, "url"), "timezone",
	        json_object_get(c, "timezone"), "card_version",
	        (json_int_t)p->card_version, "fingerprint", fp, "tls",
	        p->tls_fp, "added", tm));
	json_decref(card);
	return 0;
}

static int
run_list(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *arr = json_array(), *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, peer_list, list_one, arr)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(arr);
	} else if (json_array_size(arr) == 0) {
		printf("No peers yet.  Enrol one with 'parley peer add "
		       "CARDFILE'.\n");
	} else {
		printf("%-28s %-20s %-44s %s\n", "PEER", "TIME ZONE",
		    "KEY FINGERPRINT", "URL");
		json_array_foreach(arr, i, v) printf("%-28s %-20s %-44s %s\n",
		    json_string_value(json_object_get(v, "name")),
		    json_string_value(json_object_get(v, "timezone")),
		    json_string_value(json_object_get(v, "fingerprint")),
		    json_string_value(json_object_get(v, "url")));
	}
out:
	json_decref(arr);
	px_node_free(n);
	return rc;
}

static void
print_agreement(const struct px_agreement *ag)
{
	char ladder[512], pe[32], ce[32], cw[32], vw[32];

	printf("  %-4s %-9s %-12s %-8s %-15s %s\n", "", "basis", "acknowledge",
	    "triage", "first response", "resolution");
	for (int p = 0; p < PX_PRIO__N; p++) {
		char d[PX_CLK__N][16];

		for (int k = 0; k < PX_CLK__N; k++)
			px_duration_unparse(
			    d[k], sizeof(d[k]), ag->budget[p][k], ag->basis[p]);
		printf("  %-4s %-9s %-12s %-8s %-15s %s\n",
		    px_priority_names[p].wire,
		    ag->basis[p] == PX_BASIS_BUSINESS ? "business" : "calendar",
		    d[0], d[1], d[2], d[3]);
	}
	px_ladder_unparse(ladder, sizeof(ladder), ag);
	px_duration_unparse(pe, sizeof(pe), ag->page_every, 0);
	px_duration_unparse(cw, sizeof(cw), ag->check_within, 0);
	px_duration_unparse(vw, sizeof(vw), ag->verify_within, 0);
	if (ag->check_every)
		px_duration_unparse(ce, sizeof(ce), ag->check_every, 0);
	else
		snprintf(ce, sizeof(ce), "never");
	printf("  ladder %s\n  hotline pages the next person every %s\n"
	       "  checks every %s, answered within %s; contacts stale after "
	       "%s\n",
	    ladder, pe, ce, cw, vw);
}

static int
run_show(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_peer *p = NULL;
	json_t *chan = NULL;
	char fp[45];
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_peer_load(&p, n, px_pos(a, 0))) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	px_key_fingerprint(fp, p->card.sign_pk);
	/* What holds the channel up belongs on the peer's page: a blocked
	 * channel must never be silent. */
	if ((rc = px_channel_status(&chan, n, p->row.name, px_time_now_ms())) <
	    0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss sO so sI}", "name", p->row.name,
		    "fingerprint", fp, "card", p->card.env, "agreement",
		    px_agreement_to_json(&p->agreement), "agreement_version",
		    (json_int_t)p->version);

		json_object_set(o, "channel", json_array_get(chan, 0));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		const json_t *v;
		size_t i;

		printf("Peer %s (card version %lld)\n", p->row.name,
		    (long long)p->card.version);
		printf("  url          %s\n",
		    p->card.url && *p->card.url ? p->card.url : "(offline)");
		printf(
		    "  fingerprint  %s\n  tls          %s\n", fp, p->card.tls);
		printf("  time zone    %s, business hours %s %s\n",
		    p->card.timezone,
		    json_string_value(json_object_get(p->card.hours, "days"))
		        ?: "Mon-Fri",
		    json_string_value(json_object_get(p->card.hours, "time"))
		        ?: "09:00-17:00");
		printf("Contacts:\n");
		json_array_foreach(p->card.contacts, i, v)
		{
			const char *email =
			    json_string_value(json_object_get(v, "email"));
			const char *phone =
			    json_string_value(json_object_get(v, "phone"));

			printf("  %-16s %-24s %s %s\n",
			    json_string_value(json_object_get(v, "role")),
			    json_string_value(json_object_get(v, "name")),
			    email ? email : "", phone ? phone : "");
		}
		printf("Agreement version %lld (deadlines this node and %s "
		       "promise each other; 'parley peer agreement %s' for "
		       "proposals):\n",
		    (long long)p->version, p->row.name, p->row.name);
		print_agreement(&p->agreement);
		printf("  default marking %s (this node's own setting)\n",
		    px_tlp_names[p->default_tlp].label);
		if (chan)
			px_cli_print_channel(json_array_get(chan, 0));
	}
out:
	json_decref(chan);
	px_peer_free(p);
	px_node_free(n);
	return rc;
}

static const struct px_opt agr_opts[] = {
	{ "set", "KEY=VALUE",
	    "propose a new version with this setting changed: "
	    "P1..P4.<clock>=DURATION, P1..P4.basis=calendar|business, "
	    "ladder, page_every, check_every, check_within, verify_within",
	    PX_OPT_MULTI },
	{ "note", "TEXT", "a note to go with the proposal", 0 },
	{ "accept", "V", "accept the peer's pending proposal of version V", 0 },
	{ "decline", "V", "decline the peer's pending proposal of version V",
	    0 },
	{ "withdraw", "V", "withdraw this node's pending proposal of version V",
	    0 },
	{ "reason", "TEXT", "why (with --decline or --withdraw)", 0 },
	{ "local", "KEY=VALUE",
	    "change this node's own setting (not agreed): default_tlp=T",
	    PX_OPT_MULTI },
	{ 0 },
};

static void
print_accord(const json_t *v, const struct px_peer *p)
{
	const json_t *acc = json_object_get(v, "accepted"), *x, *c;
	size_t i, k;

	if (json_is_object(acc))
		printf("Agreement with %s: version %lld in force (proposed by "
		       "%s, accepted by %s at %s)\n",
		    p->row.name, (long long)p->version,
		    json_string_value(json_object_get(acc, "proposed_by")),
		    json_string_value(json_object_get(acc, "accepted_by")),
		    json_string_value(json_object_get(acc, "accepted")));
	else
		printf("Agreement with %s: version 0 in force (the defaults; "
		       "no version accepted yet)\n",
		    p->row.name);
	print_agreement(&p->agreement);
	printf("Local settings (this node's own, not agreed): default "
	       "marking %s\n",
	    px_tlp_names[p->default_tlp].label);
	json_array_foreach(json_object_get(v, "proposals"), i, x)
	{
		const char *st = json_string_value(json_object_get(x, "state"));
		const char *from =
		    json_string_value(json_object_get(x, "from"));
		bool ours = strcmp(from, p->row.name) != 0;
		const char *why = json_string_value(json_object_get(x, "why"));
		const char *reason =
		    json_string_value(json_object_get(x, "reason"));
		long long ver = (long long)json_integer_value(
		    json_object_get(x, "version"));

		if (i == 0)
			printf("Proposals:\n");
		printf("  version %lld (case %s), proposed by %s at %s: %s%s\n",
		    ver, json_string_value(json_object_get(x, "ref")),
		    ours ? "this node" : from,
		    json_string_value(json_object_get(x, "proposed")), st,
		    json_is_true(json_object_get(x, "in_force")) ? " (in force)"
		                                                 : "");
		json_array_foreach(json_object_get(x, "changes"), k, c)
		    printf("      %s\n", json_string_value(c));
		if (why)
			printf("      cannot be read here: %s\n", why);
		if (reason)
			printf("      reason: %s\n", reason);
		if (strcmp(st, "pending") == 0)
			printf(ours ? "      waiting for %s to accept or "
			              "decline it\n"
			            : "      accept: parley peer agreement %s "
			              "--accept %lld  (or --decline %lld "
			              "--reason ...)\n",
			    p->row.name, ver, ver);
	}
	json_array_foreach(json_object_get(v, "disagreements"), i, x)
	{
		if (i == 0)
			printf("Disagreements (%lld):\n",
			    (long long)json_integer_value(
			        json_object_get(v, "disagreements_total")));
		if (strcmp(json_string_value(json_object_get(x, "kind")),
		        "case") == 0)
			printf("  case %s: %s\n",
			    json_string_value(json_object_get(x, "ref")),
			    json_string_value(json_object_get(x, "text")));
		else
			printf("  version %lld: %s\n",
			    (long long)json_integer_value(
			        json_object_get(x, "version")),
			    json_string_value(json_object_get(x, "text")));
	}
}

/* The version an --accept/--decline/--withdraw names. */
static int
version_arg(int64_t *v, const char *s, const char *opt)
{
	char *end = NULL;
	long long x = strtoll(s, &end, 10);

	if (end == s || *end != '\0' || x < 1)
		return px_error_set(PX_EINVAL,
		    "--%s takes a version number (1, 2, ...), not '%s'", opt,
		    s);
	*v = x;
	return 0;
}

/* Sends an agreement message and describes it. */
static int
send_agreement(
    struct px_args *a, struct px_node *n, struct px_peer *p, json_t **sent)
{
	const char *const ops[] = { "accept", "decline", "withdraw" };
	const enum px_answer how[] = { PX_ANSWER_ACCEPT, PX_ANSWER_DECLINE,
		PX_ANSWER_WITHDRAW };
	const char *const *kv;
	size_t nkv, nops = 0;
	json_t *body = NULL, *changes = NULL;
	struct px_msg *m = NULL;
	char case_id[PX_UUID_STRLEN], ref[9];
	enum px_msg_type type = PX_MSG_PROPOSE;
	int64_t v = 0;
	int rc, op = -1;

	kv = px_arg_all(a, "set", &nkv);
	for (int i = 0; i < 3; i++)
		if (px_arg(a, ops[i])) {
			op = i;
			nops++;
		}
	if (nops + (nkv > 0) > 1)
		return px_error_set(PX_EINVAL,
		    "give one of --set (propose), --accept, --decline or "
		    "--withdraw");
	if (nops == 0 && nkv == 0)
		return 0;
	if (nkv) {
		if (px_arg(a, "reason"))
			return px_error_set(PX_EINVAL,
			    "--reason goes with --decline or --withdraw; a "
			    "proposal takes --note");
		if ((rc = px_body_propose(&body, &changes, n, p, kv, nkv,
		         px_arg(a, "note"))) < 0 ||
		    (rc = px_node_send(
		         n, p->row.name, NULL, PX_MSG_PROPOSE, body, &m)) < 0)
			goto out;
	} else {
		if ((rc = version_arg(&v, px_arg(a, ops[op]), ops[op])) < 0 ||
		    (rc = px_body_answer(&body, &type, case_id, n, p, v,
		         how[op], px_arg(a, "reason"))) < 0 ||
		    (rc = px_node_send(n, NULL, case_id, type, body, &m)) < 0)
			goto out;
	}
	px_case_ref(ref, m->case_id);
	if (!px_json(a) && type == PX_MSG_PROPOSE) {
		size_t i;
		json_t *c;

		printf("Proposed agreement version %lld to %s (case %s; queued "
		       "in the outbox, seq %lld):\n",
		    (long long)px_accord_next_version(&p->accord), p->row.name,
		    ref, (long long)m->seq);
		json_array_foreach(changes, i, c)
		    printf("  %s\n", json_string_value(c));
		printf("It takes effect when %s accepts it.\n\n", p->row.name);
	} else if (!px_json(a)) {
		printf(
		    "%s agreement version %lld of %s (case %s; queued in the "
		    "outbox, seq %lld).%s\n\n",
		    type == PX_MSG_ACCEPT        ? "Accepted"
		        : type == PX_MSG_DECLINE ? "Declined"
		                                 : "Withdrew",
		    (long long)v,
		    type == PX_MSG_WITHDRAW ? "this node" : p->row.name, ref,
		    (long long)m->seq,
		    type == PX_MSG_ACCEPT ? " It is in force now; cases opened "
		                            "from now on name it."
		                          : "");
	}
	*sent = json_pack("{ss sI ss ss ss sI so}", "type",
	    px_msg_type_names[m->type].wire, "version",
	    (json_int_t)(nkv ? px_accord_next_version(&p->accord) : v), "case",
	    m->case_id, "ref", ref, "message", m->hash, "seq",
	    (json_int_t)m->seq, "changes",
	    changes ? json_incref(changes) : json_null());
	rc = 0;
out:
	json_decref(body);
	json_decref(changes);
	px_msg_free(m);
	return rc;
}

static int
run_agreement(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_peer *p = NULL;
	const char *const *kv;
	json_t *sent = NULL, *v = NULL;
	size_t nkv;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	kv = px_arg_all(a, "local", &nkv);
	if (nkv && (rc = px_peer_set_local(n, px_pos(a, 0), kv, nkv)) < 0)
		goto fail;
	if ((rc = px_peer_load(&p, n, px_pos(a, 0))) < 0 ||
	    (rc = send_agreement(a, n, p, &sent)) < 0)
		goto fail;
	/* Shown as it stands after what was sent. */
	px_peer_free(p);
	p = NULL;
	if ((rc = px_peer_load(&p, n, px_pos(a, 0))) < 0)
		goto fail;
	if ((v = px_view_accord(n, p)) == NULL) {
		rc = PX_ERR;
		goto fail;
	}
	if (px_json(a)) {
		json_object_set(v, "sent", sent ? sent : json_null());
		px_cli_print_json(v);
	} else {
		print_accord(v, p);
	}
	goto out;
fail:
	rc = px_cli_fail(a, rc);
out:
	json_decref(sent);
	json_decref(v);
	px_peer_free(p);
	px_node_free(n);
	return rc;
}

static const struct px_cmd add = {
	.name = "add",
	.summary = "verify a peer's card and pin it",
	.usage = "CARDFILE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = add_opts,
	.run = run_add,
};
static const struct px_cmd list = {
	.name = "list",
	.summary = "list pinned peers",
	.run = run_list,
};
static const struct px_cmd show = {
	.name = "show",
	.summary = "show a peer's card, contacts and agreement",
	.usage = "NAME",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_show,
};
static const struct px_cmd agreement = {
	.name = "agreement",
	.summary = "show the agreement with a peer; propose, accept or "
	           "decline a version",
	.usage = "NAME",
	.min_pos = 1,
	.max_pos = 1,
	.opts = agr_opts,
	.run = run_agreement,
	.details =
	    "The deadlines are a signed agreement: one party proposes a "
	    "version,\nthe other accepts it (docs/protocol.md).  Until a "
	    "version is accepted both\nsides count under version 0, the "
	    "defaults.\n\nExamples:\n  parley peer agreement cert-b.example "
	    "--set P2.acknowledge=2h --set P3.basis=calendar\n  parley peer "
	    "agreement cert-a.example --accept 1\n  parley peer agreement "
	    "cert-a.example --decline 2 --reason \"too short for us\"\n"
	    "  parley peer agreement cert-b.example --local default_tlp=red",
};
static const struct px_cmd *const subs[] = { &add, &list, &show, &agreement,
	NULL };

const struct px_cmd px_cmd_peer = {
	.name = "peer",
	.summary = "enrol peers and manage agreements",
	.subs = subs,
};

/* parley peer: enrol and inspect peers. */
#include "cli/common.h"
#include "cli/commands.h"
#include "model/canon.h"
#include "model/card.h"
#include "node/channel.h"
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
	printf("  default marking %s\n", px_tlp_names[ag->default_tlp].label);
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
		json_t *o = json_pack("{ss ss sO so}", "name", p->row.name,
		    "fingerprint", fp, "card", p->card.env, "agreement",
		    px_agreement_to_json(&p->agreement));

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
		printf("Agreement (deadlines this node and %s promise each "
		       "other):\n",
		    p->row.name);
		print_agreement(&p->agreement);
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
	    "change a setting: P1..P4.<clock>=DURATION, P1..P4.basis="
	    "calendar|business, default_tlp=T",
	    PX_OPT_MULTI },
	{ 0 },
};

static int
run_agreement(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_peer *p = NULL;
	const char *const *kv;
	size_t nkv;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	kv = px_arg_all(a, "set", &nkv);
	if (nkv && (rc = px_peer_set_agreement(n, px_pos(a, 0), kv, nkv)) < 0)
		goto fail;
	if ((rc = px_peer_load(&p, n, px_pos(a, 0))) < 0)
		goto fail;
	if (px_json(a)) {
		json_t *j = px_agreement_to_json(&p->agreement);

		px_cli_print_json(j);
		json_decref(j);
	} else {
		printf("Agreement with %s%s:\n", p->row.name,
		    nkv ? " (updated)" : "");
		print_agreement(&p->agreement);
	}
	goto out;
fail:
	rc = px_cli_fail(a, rc);
out:
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
	.summary = "show or change the deadlines agreed with a peer",
	.usage = "NAME",
	.min_pos = 1,
	.max_pos = 1,
	.opts = agr_opts,
	.run = run_agreement,
	.details = "Example:\n  parley peer agreement cert-b.example --set "
	           "P2.acknowledge=2h --set P3.basis=calendar",
};
static const struct px_cmd *const subs[] = { &add, &list, &show, &agreement,
	NULL };

const struct px_cmd px_cmd_peer = {
	.name = "peer",
	.summary = "enrol peers and manage agreements",
	.subs = subs,
};

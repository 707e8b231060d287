/*
 * parley log: this node's Merkle log.  parley proof verify: check a C2SP
 * tlog-proof from any conformant log, with no node directory.
 */
#include "cli/common.h"
#include "cli/commands.h"
#include "ledger/checkpoint.h"
#include "ledger/note.h"
#include "node/log.h"
#include "node/record.h"
#include "util/util.h"

static int
run_checkpoint(struct px_args *a)
{
	struct px_node *n = NULL;
	char *note = NULL;
	int64_t size;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_log_checkpoint_note(n, -1, &note, &size)) < 0) {
		if (rc == PX_ENOTFOUND)
			px_error_set(PX_ENOTFOUND,
			    "the log of %s is empty: nothing was sent or "
			    "received yet",
			    n->name);
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		char *lk = px_node_log_vkey(n), *wk = px_node_witness_vkey(n);
		json_t *o = json_pack("{sssIssssss}", "origin", n->name, "size",
		    (json_int_t)size, "note", note, "log_key", lk,
		    "witness_key", wk);

		px_cli_print_json(o);
		json_decref(o);
		free(lk);
		free(wk);
	} else {
		fputs(note, stdout);
	}
out:
	free(note);
	px_node_free(n);
	return rc;
}

static int
parse_index(int64_t *out, const char *s, const char *what)
{
	int64_t v = 0;

	if (s == NULL || *s == '\0')
		return px_error_set(PX_EINVAL, "%s is missing", what);
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_C(1) << 53))
			return px_error_set(PX_EINVAL,
			    "%s '%s' is not a whole number", what, s);
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
}

static const struct px_opt entry_opts[] = {
	{ "output", "FILE",
	    "write the leaf's exact bytes here (default "
	    "stdout)",
	    0, 'o' },
	{ 0 },
};

static int
run_entry(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_log_row r = { 0 };
	const char *out = px_arg(a, "output");
	int64_t idx;
	int rc;

	if ((rc = parse_index(&idx, px_pos(a, 0), "INDEX")) < 0)
		return px_cli_fail(a, rc);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = PX_STORE_CALL(n->store, log_get, idx, &r)) < 0 ||
	    (rc = px_file_write(out ? out : "-", r.entry, r.len, 0644)) < 0)
		rc = px_cli_fail(a, rc);
	else if (out)
		fprintf(stderr, "Wrote entry %lld (%s, %zu bytes) to %s\n",
		    (long long)idx, r.kind, r.len, out);
	px_log_row_dispose(&r);
	px_node_free(n);
	return rc;
}

static const struct px_opt proof_opts[] = {
	{ "size", "N",
	    "prove against the checkpoint of this size (default "
	    "the latest)",
	    0 },
	{ "output", "FILE", "write the proof here (default stdout)", 0, 'o' },
	{ 0 },
};

static int
run_proof(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf b;
	int64_t idx, size = -1;
	const char *out = px_arg(a, "output");
	int rc;

	if ((rc = parse_index(&idx, px_pos(a, 0), "INDEX")) < 0 ||
	    (px_arg(a, "size") &&
	        (rc = parse_index(&size, px_arg(a, "size"), "--size")) < 0))
		return px_cli_fail(a, rc);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_log_proof_text(n, idx, size, &b)) < 0 ||
	    (rc = px_file_write(out ? out : "-", b.data, b.len, 0644)) < 0)
		rc = px_cli_fail(a, rc);
	px_buf_dispose(&b);
	px_node_free(n);
	return rc;
}

static int
run_verify(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf rep;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	px_buf_init(&rep, PX_BUF_NOCAP);
	rc = px_log_verify(n, &rep);
	if (px_json(a)) {
		json_t *o = json_pack("{sbss}", "ok", rc == 0, "report",
		    rep.data ? rep.data : "");

		if (rc < 0)
			json_object_set_new(
			    o, "error", json_string(px_error_last()));
		px_cli_print_json(o);
		json_decref(o);
		if (rc < 0) {
			fprintf(stderr, "parley: %s\n", px_error_last());
			rc = px_exit_for(rc);
		}
	} else {
		printf("Log of %s:\n%s", n->name, rep.data ? rep.data : "");
		if (rc == 0)
			printf("OK: every entry, tree node and checkpoint "
			       "verifies.\n");
		else
			rc = px_cli_fail(a, rc);
	}
	px_buf_dispose(&rep);
	px_node_free(n);
	return rc;
}

static int
print_alert(int64_t t, const char *kind, const char *detail, void *arg)
{
	char tm[PX_TIME_STRLEN];

	px_time_format(tm, t);
	if (arg)
		json_array_append_new(arg,
		    json_pack("{ssssss}", "time", tm, "kind", kind, "detail",
		        detail));
	else
		printf("%.19s  %-12s %s\n", tm, kind, detail);
	return 0;
}

static int
run_alerts(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *arr = px_json(a) ? json_array() : NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = PX_STORE_CALL(n->store, alert_list, NULL, print_alert, arr)) <
	    0)
		rc = px_cli_fail(a, rc);
	else if (arr)
		px_cli_print_json(arr);
	json_decref(arr);
	px_node_free(n);
	return rc;
}

/* "entry 41 in our log (message); proof to checkpoint 57 verified;
 * witnessed by cert-x at T; the peer's log holds it at 12 (verified)" */
static const char *
verdict(const json_t *o)
{
	return json_is_true(json_object_get(o, "verified")) ? "verified"
	                                                    : "DOES NOT VERIFY";
}

static void
print_record(const json_t *o)
{
	const json_t *e = json_object_get(o, "entry"), *w;
	const json_t *p = json_object_get(o, "proof");
	const json_t *pe = json_object_get(o, "peer_entry");
	size_t i;

	printf("%s %s of case %s, %s -> %s, seq %lld, %s\n",
	    json_string_value(json_object_get(o, "type")),
	    json_string_value(json_object_get(o, "hash")),
	    json_string_value(json_object_get(o, "ref")),
	    json_string_value(json_object_get(o, "from")),
	    json_string_value(json_object_get(o, "to")),
	    (long long)json_integer_value(json_object_get(o, "seq")),
	    json_string_value(json_object_get(o, "time")));
	if (!json_is_object(e)) {
		printf("not in our log\n");
		return;
	}
	printf("entry %lld in our log (%s)",
	    (long long)json_integer_value(json_object_get(e, "index")),
	    json_string_value(json_object_get(e, "what")));
	if (json_is_object(p))
		printf("; proof to checkpoint %lld %s",
		    (long long)json_integer_value(json_object_get(p, "size")),
		    verdict(p));
	json_array_foreach(json_object_get(o, "witnesses"), i, w)
	    printf("; witnessed by %s at %s",
	        json_string_value(json_object_get(w, "peer")),
	        json_string_value(json_object_get(w, "time")));
	if (json_is_object(pe))
		printf("; the peer's log holds it at %lld (%s)",
		    (long long)json_integer_value(json_object_get(pe, "index")),
		    verdict(pe));
	printf("\n");
}

static int
run_record(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *o = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_record(&o, n, px_pos(a, 0))) < 0)
		rc = px_cli_fail(a, rc);
	else if (px_json(a))
		px_cli_print_json(o);
	else
		print_record(o);
	json_decref(o);
	px_node_free(n);
	return rc;
}

static const struct px_cmd c_checkpoint = {
	.name = "checkpoint",
	.summary = "print the latest signed checkpoint (C2SP signed note)",
	.run = run_checkpoint,
};
static const struct px_cmd c_entry = {
	.name = "entry",
	.summary = "write a log entry's exact bytes",
	.usage = "INDEX",
	.min_pos = 1,
	.max_pos = 1,
	.opts = entry_opts,
	.run = run_entry,
};
static const struct px_cmd c_proof = {
	.name = "proof",
	.summary = "print a C2SP tlog-proof of an entry",
	.usage = "INDEX",
	.min_pos = 1,
	.max_pos = 1,
	.opts = proof_opts,
	.run = run_proof,
};
static const struct px_cmd c_verify = {
	.name = "verify",
	.summary = "re-verify this node's whole log from the stored entries",
	.run = run_verify,
};
static const struct px_cmd c_alerts = {
	.name = "alerts",
	.summary = "forks and inconsistencies seen in peers' logs",
	.run = run_alerts,
};
static const struct px_cmd c_record = {
	.name = "record",
	.summary = "where a message sits in our log, its proof, witnesses and "
	           "the peer's entry",
	.usage = "HASH",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_record,
	.details = "HASH is messages[].hash of `case show --json`, or a unique "
	           "prefix of at least\n12 digits.",
};
static const struct px_cmd *const log_subs[] = { &c_checkpoint, &c_entry,
	&c_proof, &c_verify, &c_alerts, &c_record, NULL };

const struct px_cmd px_cmd_log = {
	.name = "log",
	.summary = "this node's Merkle log: checkpoints, entries, proofs",
	.subs = log_subs,
};

/* ---- parley proof verify ---- */

static const struct px_opt pv_opts[] = {
	{ "entry", "FILE", "the entry's exact bytes", PX_OPT_REQUIRED },
	{ "key", "VKEY",
	    "a verifier key name+hexid+base64 (the log's; cosigners' too)",
	    PX_OPT_REQUIRED | PX_OPT_MULTI },
	{ 0 },
};

static int
run_pv(struct px_args *a)
{
	struct px_buf proof, entry;
	struct px_tlog_proof p = { 0 };
	struct px_vkey keys[16];
	const char *const *ks;
	size_t nk;
	int rc;

	px_buf_init(&proof, 1 << 20);
	px_buf_init(&entry, 64 << 20);
	ks = px_arg_all(a, "key", &nk);
	if (nk > PX_ARRAY_LEN(keys)) {
		rc = px_error_set(
		    PX_EINVAL, "at most %zu --key", PX_ARRAY_LEN(keys));
		goto fail;
	}
	for (size_t i = 0; i < nk; i++)
		if ((rc = px_vkey_parse(&keys[i], ks[i])) < 0) {
			px_error_prefix("--key %s", ks[i]);
			goto fail;
		}
	if ((rc = px_file_read(&proof, px_pos(a, 0), 1 << 20)) < 0 ||
	    (rc = px_file_read(&entry, px_arg(a, "entry"), 64 << 20)) < 0 ||
	    (rc = px_tlog_proof_parse(&p, proof.data, proof.len)) < 0 ||
	    (rc = px_tlog_proof_verify(&p, entry.data, entry.len, keys, nk)) <
	        0)
		goto fail;
	if (px_json(a)) {
		json_t *o =
		    json_pack("{sbsI}", "ok", 1, "index", (json_int_t)p.index);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("OK: entry %llu is in the log, and the checkpoint is "
		       "signed by the given key(s).\n",
		    (unsigned long long)p.index);
	}
	rc = 0;
	goto out;
fail:
	rc = px_cli_fail(a, rc);
out:
	px_tlog_proof_dispose(&p);
	px_buf_dispose(&proof);
	px_buf_dispose(&entry);
	return rc;
}

static const struct px_cmd c_pv = {
	.name = "verify",
	.summary = "check a C2SP tlog-proof offline, with no node directory",
	.usage = "PROOFFILE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = pv_opts,
	.run = run_pv,
	.details = "Exit 0 only if the checkpoint carries a valid signature "
	           "by a given log key,\nevery given cosigner's signature "
	           "present verifies, and the entry is included.",
};
static const struct px_cmd *const proof_subs[] = { &c_pv, NULL };

const struct px_cmd px_cmd_proof = {
	.name = "proof",
	.summary = "verify proofs from any C2SP-conformant log",
	.subs = proof_subs,
};

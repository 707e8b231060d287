/* Fuzzes tlog-proof parsing: any input either fails cleanly, or parses to
 * a proof that formats back to the input byte for byte and reparses to
 * the same fields; verification against an entry and a key that did not
 * make it fails without crashing. */
#include <assert.h>

#include "ledger/checkpoint.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_tlog_proof p, q;
	struct px_vkey k;
	struct px_buf b;

	if (px_tlog_proof_parse(&p, (const char *)data, size) < 0) {
		assert(p.checkpoint == NULL && p.hashes == NULL &&
		    p.extra == NULL);
		return 0;
	}
	px_buf_init(&b, PX_BUF_NOCAP);
	assert(px_tlog_proof_format(&b, &p) == 0);
	assert(b.len == size && memcmp(b.data, data, size) == 0);
	assert(px_tlog_proof_parse(&q, b.data, b.len) == 0);
	assert(q.index == p.index && q.n == p.n);
	assert(p.n <= PX_MERKLE_MAX_PROOF);
	assert(p.n == 0 || memcmp(q.hashes, p.hashes, 32 * p.n) == 0);
	assert(q.extra_len == p.extra_len);
	assert(p.extra_len == 0 || memcmp(q.extra, p.extra, p.extra_len) == 0);
	assert(q.checkpoint_len == p.checkpoint_len);
	assert(memcmp(q.checkpoint, p.checkpoint, p.checkpoint_len) == 0);
	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), "fuzz.example");
	k.type = PX_NOTE_ED25519;
	k.id = px_note_key_id(k.name, k.type, k.pk);
	assert(px_tlog_proof_verify(&p, data, size, &k, 1) < 0);
	px_tlog_proof_dispose(&q);
	px_tlog_proof_dispose(&p);
	px_buf_dispose(&b);
	return 0;
}

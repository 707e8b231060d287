/* Fuzzes signed-note parsing: any input either fails cleanly, or parses to
 * a note that, written back (body, blank line, one line per signature),
 * is the input byte for byte, and whose verification under an unrelated
 * key fails without crashing. */
#include <assert.h>

#include "ledger/note.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_note n;
	struct px_vkey k;
	struct px_buf b;
	uint64_t mask = 1;
	bool whole = true;

	if (px_note_parse(&n, (const char *)data, size) < 0) {
		assert(n.text == NULL && n.sigs == NULL && n.nsigs == 0);
		return 0;
	}
	assert(n.text_len > 0 && n.text[n.text_len - 1] == '\n');
	assert(strlen(n.text) == n.text_len);
	assert(n.nsigs >= 1 && n.nsigs <= PX_NOTE_MAX_SIGS);
	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_put(&b, n.text, n.text_len);
	px_buf_puts(&b, "\n");
	for (size_t i = 0; i < n.nsigs; i++) {
		assert(px_note_name_valid(n.sigs[i].name));
		if (n.sigs[i].oversize)
			whole = false; /* its bytes were not kept */
		else
			assert(
			    px_note_sig_line(&b, n.sigs[i].name, n.sigs[i].id,
			        n.sigs[i].payload, n.sigs[i].len) == 0);
	}
	if (whole)
		assert(b.len == size && memcmp(b.data, data, size) == 0);
	/* A key named like the first signer but with another public key:
	 * either its ID differs (ignored, so nothing verifies) or it
	 * matches and the signature cannot verify.  Both refuse. */
	memset(&k, 0, sizeof(k));
	memcpy(k.name, n.sigs[0].name, sizeof(k.name));
	k.type = PX_NOTE_ED25519;
	k.pk[0] = 1;
	k.id = px_note_key_id(k.name, k.type, k.pk);
	assert(px_note_verify(&n, &k, 1, &mask) < 0 && mask == 0);
	px_buf_dispose(&b);
	px_note_dispose(&n);
	return 0;
}

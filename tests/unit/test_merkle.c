#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ledger/merkle.h"
#include "helpers.h"

/* ---- an in-memory node store ------------------------------------------ */

#define MAXL 128 /* leaves in the test store */

/* Complete nodes by (level, index), plus the tree size the code under test
 * is working on: reading a node that is not complete within that size is
 * a test failure, because a real store for an older size would not have
 * it (or, worse, would have a different partial hash). */
struct store {
	uint8_t node[8][MAXL][32];
	bool have[8][MAXL];
	uint64_t size;  /* leaves appended */
	uint64_t limit; /* size the current call may look at */
	unsigned gets;  /* reads since reset */
};

static int
store_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct store *s = ctx;

	s->gets++;
	if (level >= 8 || index >= MAXL || !s->have[level][index])
		fail_msg("read of missing node (%u, %llu)", level,
		    (unsigned long long)index);
	if ((index + 1) << level > s->limit)
		fail_msg("read of node (%u, %llu), not complete in a tree of "
		         "%llu",
		    level, (unsigned long long)index,
		    (unsigned long long)s->limit);
	memcpy(out, s->node[level][index], 32);
	return 0;
}

static void
store_append(struct store *s, const uint8_t leaf[32])
{
	struct px_merkle_node nodes[64];
	unsigned n = 99;

	s->limit = s->size;
	assert_int_equal(
	    px_merkle_append(nodes, &n, s->size, leaf, store_get, s), 0);
	/* 1 + trailing zeros of size + 1 nodes, lowest first. */
	assert_int_equal(n, 1 + __builtin_ctzll(s->size + 1));
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(nodes[i].level, i);
		assert_int_equal(nodes[i].index, s->size >> i);
		memcpy(s->node[i][nodes[i].index], nodes[i].hash, 32);
		s->have[i][nodes[i].index] = true;
	}
	s->size++;
}

static void
hex32(uint8_t out[32], const char *hex)
{
	assert_int_equal(px_hex_decode(out, 32, hex), 0);
}

static void
assert_hash_hex(const uint8_t h[32], const char *hex)
{
	char got[65];

	px_hex_encode(got, h, 32);
	assert_string_equal(got, hex);
}

/* ---- reference implementation straight from RFC 9162 2.1 --------------- */

static size_t
split_point(size_t n)
{
	size_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

static void
ref_mth(uint8_t out[32], const uint8_t (*d)[32], size_t n)
{
	uint8_t l[32], r[32];
	size_t k;

	if (n == 0) {
		px_sha256(out, "", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], 32);
		return;
	}
	k = split_point(n);
	ref_mth(l, d, k);
	ref_mth(r, d + k, n - k);
	px_merkle_node_hash(out, l, r);
}

static void
ref_path(
    uint8_t out[][32], size_t *len, size_t m, const uint8_t (*d)[32], size_t n)
{
	size_t k;

	if (n <= 1)
		return;
	k = split_point(n);
	if (m < k) {
		ref_path(out, len, m, d, k);
		ref_mth(out[(*len)++], d + k, n - k);
	} else {
		ref_path(out, len, m - k, d + k, n - k);
		ref_mth(out[(*len)++], d, k);
	}
}

static void
ref_subproof(uint8_t out[][32], size_t *len, size_t m, const uint8_t (*d)[32],
    size_t n, bool b)
{
	size_t k;

	if (m == n) {
		if (!b)
			ref_mth(out[(*len)++], d, n);
		return;
	}
	k = split_point(n);
	if (m <= k) {
		ref_subproof(out, len, m, d, k, b);
		ref_mth(out[(*len)++], d + k, n - k);
	} else {
		ref_subproof(out, len, m - k, d + k, n - k, false);
		ref_mth(out[(*len)++], d, k);
	}
}

/* ---- known answers ------------------------------------------------------ */

/*
 * The RFC 6962 test leaves and the hashes of every complete node and root
 * of the tree they build, from the Certificate Transparency reference tests
 * (google/certificate-transparency merkle_tree_test), as republished in
 * github.com/transparency-dev/merkle testonly/constants.go (LeafInputs,
 * NodeHashes, RootHashes).
 */
static const char *ct_leaves[8] = { "", "00", "10", "2021", "3031", "40414243",
	"5051525354555657", "606162636465666768696a6b6c6d6e6f" };
static const char *ct_nodes[4][8] = {
	{ "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
	    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1" },
	{ "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0" },
	{ "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" },
	{ "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328" },
};
static const char *ct_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static struct store *
ct_store(void)
{
	struct store *s = px_calloc(1, sizeof(*s));

	for (int i = 0; i < 8; i++) {
		uint8_t data[16], leaf[32];
		size_t len = strlen(ct_leaves[i]) / 2;

		assert_int_equal(px_hex_decode(data, len, ct_leaves[i]), 0);
		px_merkle_leaf_hash(leaf, data, len);
		store_append(s, leaf);
	}
	return s;
}

static void
test_rfc6962_tree(void **state)
{
	struct store *s = ct_store();
	uint8_t root[32];

	(void)state;
	/* Every complete node px_merkle_append produced, level by level. */
	for (int l = 0; l < 4; l++)
		for (int i = 0; i < (8 >> l); i++) {
			assert_true(s->have[l][i]);
			assert_hash_hex(s->node[l][i], ct_nodes[l][i]);
		}
	/* Roots of every older size, from the complete nodes alone. */
	for (uint64_t n = 0; n <= 8; n++) {
		s->limit = n;
		s->gets = 0;
		assert_int_equal(px_merkle_root(root, n, store_get, s), 0);
		assert_hash_hex(root, ct_roots[n]);
		assert_int_equal(s->gets, __builtin_popcountll(n));
	}
	free(s);
}

/* Proofs published with the same vectors (certificate-transparency
 * merkle_tree_test.cc / transparency-dev testonly): inclusion of leaves 0
 * and 5 in 8, consistency from 2 to 8 and from 2 to 5. */
static void
test_rfc6962_proofs(void **state)
{
	static const struct {
		uint64_t a, b;
		bool consistency;
		size_t n;
		const char *hex[3];
	} cases[] = {
		{ 0, 8, false, 3,
		    { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b7863"
		      "0a09cfc7",
		        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f5"
		        "0de3031e",
		        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035c"
		        "a39bf6e4" } },
		{ 5, 8, false, 3,
		    { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d"
		      "88599e6b",
		        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5"
		        "975a0ae0",
		        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95"
		        "209614b7" } },
		{ 2, 8, true, 2,
		    { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f5"
		      "0de3031e",
		        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035c"
		        "a39bf6e4" } },
		{ 2, 5, true, 2,
		    { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f5"
		      "0de3031e",
		        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d"
		        "88599e6b" } },
	};
	struct store *s = ct_store();

	(void)state;
	for (size_t c = 0; c < PX_ARRAY_LEN(cases); c++) {
		uint8_t proof[PX_MERKLE_MAX_PROOF][32], r1[32], r2[32],
		    leaf[32];
		size_t n = 99;

		s->limit = cases[c].b;
		if (cases[c].consistency)
			assert_int_equal(
			    px_merkle_consistency_proof(proof, &n, cases[c].a,
			        cases[c].b, store_get, s),
			    0);
		else
			assert_int_equal(
			    px_merkle_inclusion_proof(proof, &n, cases[c].a,
			        cases[c].b, store_get, s),
			    0);
		assert_int_equal(n, cases[c].n);
		for (size_t i = 0; i < n; i++)
			assert_hash_hex(proof[i], cases[c].hex[i]);
		hex32(r2, ct_roots[cases[c].b]);
		if (cases[c].consistency) {
			hex32(r1, ct_roots[cases[c].a]);
			assert_int_equal(
			    px_merkle_verify_consistency(cases[c].a, cases[c].b,
			        r1, r2, (const uint8_t(*)[32])proof, n),
			    0);
		} else {
			hex32(leaf, ct_nodes[0][cases[c].a]);
			assert_int_equal(
			    px_merkle_verify_inclusion(leaf, cases[c].a,
			        cases[c].b, (const uint8_t(*)[32])proof, n, r2),
			    0);
		}
	}
	free(s);
}

/* ---- the transparency-dev/merkle conformance files --------------------- */

/*
 * Decodes a base64 hash field.  The files deliberately hold values of the
 * wrong length ("garbage" before or after a hash, "WrongRoot", empty
 * strings), which our 32-byte typed API cannot carry.  A leaf or proof
 * hash of the wrong length is refused on decoding, as px_tlog_proof_parse
 * and px_checkpoint_parse refuse it (the reference verifier refuses a
 * wrong-size leaf hash too, and a wrong-size proof hash can never chain to
 * a root).  The reference verifier only ever compares a given ROOT for
 * byte equality, so a root of the wrong length is mapped to a stand-in
 * that no SHA-256 computation yields in practice, SHA-256("parley test:
 * not a 32-byte hash" || bytes), keeping equal inputs equal.
 * Returns false if the value cannot be passed.
 */
static bool
vector_hash(uint8_t out[32], json_t *v, bool root, unsigned *standins)
{
	static const char tag[] = "parley test: not a 32-byte hash";
	uint8_t buf[256], tagged[sizeof(tag) + sizeof(buf)];
	const char *s = json_string_value(v);
	size_t n = 0;

	if (s == NULL || px_b64_decode(buf, sizeof(buf), &n, s) < 0)
		fail_msg("vector hash '%s' is not base64", s ? s : "(null)");
	if (n == 32) {
		memcpy(out, buf, 32);
		return true;
	}
	if (!root)
		return false;
	memcpy(tagged, tag, sizeof(tag));
	memcpy(tagged + sizeof(tag), buf, n);
	px_sha256(out, tagged, sizeof(tag) + n);
	(*standins)++;
	return true;
}

/*
 * Reads the unsigned integer member `key` of the JSON text exactly.  The
 * files hold sizes up to 2^64 - 1 ("leafIdx sub 1" of 0), beyond jansson's
 * signed json_int_t, so they are parsed with JSON_DECODE_INT_AS_REAL for
 * structure and re-read here as text for the exact values.
 */
static uint64_t
vector_u64(const char *text, const char *path, const char *key)
{
	char pat[64];
	const char *p;
	char *end;
	unsigned long long v;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(text, pat)) == NULL)
		fail_msg("%s: no %s", path, key);
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		fail_msg("%s: %s is not an unsigned integer", path, key);
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno != 0 ||
	    (*end != ',' && *end != '\n' && *end != ' ' && *end != '}'))
		fail_msg("%s: %s does not fit in 64 bits", path, key);
	return (uint64_t)v;
}

struct vec_count {
	unsigned inclusion, consistency, refused, accepted, standins;
};

/* Returns 0 if our verifier accepts the vector (text, parsed as j),
 * nonzero if it refuses it. */
static int
run_vector(const char *path, const char *text, json_t *j, bool inclusion,
    struct vec_count *c)
{
	uint8_t proof[80][32], r1[32], r2[32], leaf[32];
	json_t *pj = json_object_get(j, "proof"), *e;
	size_t n = 0, i;

	/* "proof": null is an empty proof. */
	if (pj != NULL && !json_is_null(pj)) {
		if (!json_is_array(pj) || json_array_size(pj) > 80)
			fail_msg("%s: bad proof array", path);
		json_array_foreach(pj, i, e)
		{
			if (!vector_hash(proof[n++], e, false, &c->standins))
				return 1;
		}
	}
	if (inclusion) {
		if (!json_is_number(json_object_get(j, "leafIdx")) ||
		    !json_is_number(json_object_get(j, "treeSize")))
			fail_msg("%s: missing leafIdx or treeSize", path);
		if (!vector_hash(leaf, json_object_get(j, "leafHash"), false,
		        &c->standins) ||
		    !vector_hash(
		        r1, json_object_get(j, "root"), true, &c->standins))
			return 1;
		return px_merkle_verify_inclusion(leaf,
		    vector_u64(text, path, "leafIdx"),
		    vector_u64(text, path, "treeSize"),
		    (const uint8_t(*)[32])proof, n, r1);
	}
	if (!json_is_number(json_object_get(j, "size1")) ||
	    !json_is_number(json_object_get(j, "size2")))
		fail_msg("%s: missing size1 or size2", path);
	if (!vector_hash(r1, json_object_get(j, "root1"), true, &c->standins) ||
	    !vector_hash(r2, json_object_get(j, "root2"), true, &c->standins))
		return 1;
	return px_merkle_verify_consistency(vector_u64(text, path, "size1"),
	    vector_u64(text, path, "size2"), r1, r2,
	    (const uint8_t(*)[32])proof, n);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = px_malloc((size_t)n + 1);
	if (n < 0 || fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
walk_vectors(const char *dir, bool inclusion, struct vec_count *c)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		char path[4096], *text;
		struct stat st;
		json_error_t err;
		json_t *j, *want;
		int rc;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			walk_vectors(path, inclusion, c);
			continue;
		}
		text = slurp(path);
		j = json_loads(text,
		    JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &err);
		if (j == NULL)
			fail_msg("%s: %s", path, err.text);
		want = json_object_get(j, "wantErr");
		if (!json_is_boolean(want))
			fail_msg("%s: no wantErr", path);
		rc = run_vector(path, text, j, inclusion, c);
		if ((rc != 0) != json_is_true(want))
			fail_msg("%s: wantErr %s but our verifier %s (%s)",
			    path, json_is_true(want) ? "true" : "false",
			    rc ? "refused it" : "accepted it",
			    rc ? px_error_last() : "-");
		if (rc)
			c->refused++;
		else
			c->accepted++;
		if (inclusion)
			c->inclusion++;
		else
			c->consistency++;
		json_decref(j);
		free(text);
	}
	closedir(d);
}

static void
test_conformance_vectors(void **state)
{
	struct vec_count c = { 0 };

	(void)state;
	walk_vectors(PX_CONFORMANCE_DIR "/merkle/inclusion", true, &c);
	walk_vectors(PX_CONFORMANCE_DIR "/merkle/consistency", false, &c);
	printf("merkle vectors: %u files checked (%u inclusion, %u "
	       "consistency): %u accepted, %u refused as wanted; %u roots "
	       "of the wrong length stood in for\n",
	    c.inclusion + c.consistency, c.inclusion, c.consistency, c.accepted,
	    c.refused, c.standins);
	assert_true(c.inclusion + c.consistency > 190);
	assert_int_equal(c.inclusion + c.consistency, 196);
	assert_true(c.accepted > 0 && c.refused > c.accepted);
}

/* ---- generated proofs for every size against the reference ------------- */

#define N 70

static void
leaf_of(uint8_t out[32], size_t i)
{
	uint8_t data[2] = { (uint8_t)i, (uint8_t)(i * 7) };

	px_merkle_leaf_hash(out, data, sizeof(data));
}

static struct store *
store_of(size_t n, uint8_t (*leaves)[32])
{
	struct store *s = px_calloc(1, sizeof(*s));

	for (size_t i = 0; i < n; i++) {
		leaf_of(leaves[i], i);
		store_append(s, leaves[i]);
	}
	return s;
}

/* The bound on reads: one per proof hash, plus the fold of the one partial
 * node (at most one read per level). */
static unsigned
max_gets(uint64_t size)
{
	unsigned h = 0;

	while (((uint64_t)1 << h) < size)
		h++;
	return 2 * h + 1;
}

static void
test_inclusion_all_sizes(void **state)
{
	uint8_t leaves[N][32];
	struct store *s = store_of(N, leaves);
	unsigned checked = 0;

	(void)state;
	for (size_t size = 1; size <= N; size++) {
		uint8_t root[32], want_root[32], prev_root[32];

		s->limit = size;
		ref_mth(prev_root, (const uint8_t(*)[32])leaves, size - 1);
		assert_int_equal(px_merkle_root(root, size, store_get, s), 0);
		ref_mth(want_root, (const uint8_t(*)[32])leaves, size);
		assert_memory_equal(root, want_root, 32);
		for (size_t i = 0; i < size; i++) {
			uint8_t got[PX_MERKLE_MAX_PROOF][32], want[64][32];
			size_t n = 99, wn = 0;

			s->gets = 0;
			assert_int_equal(px_merkle_inclusion_proof(
			                     got, &n, i, size, store_get, s),
			    0);
			assert_true(s->gets <= max_gets(size));
			ref_path(
			    want, &wn, i, (const uint8_t(*)[32])leaves, size);
			assert_int_equal(n, wn);
			assert_memory_equal(got, want, 32 * n);
			assert_int_equal(
			    px_merkle_verify_inclusion(leaves[i], i, size,
			        (const uint8_t(*)[32])got, n, root),
			    0);
			/* Other leaves, indexes or sizes do not verify. */
			assert_int_equal(
			    px_merkle_verify_inclusion(leaves[(i + 1) % N], i,
			        size, (const uint8_t(*)[32])got, n, root),
			    PX_EINVAL);
			if (size > 1)
				assert_int_equal(
				    px_merkle_verify_inclusion(leaves[i],
				        (i + 1) % size, size,
				        (const uint8_t(*)[32])got, n, root),
				    PX_EINVAL);
			/* (A larger size is not always refused: when the
			 * path has the same shape there, the verifier cannot
			 * tell, which is why the size is signed with the
			 * root.)  An older root is. */
			if (size > 1)
				assert_int_equal(
				    px_merkle_verify_inclusion(leaves[i], i,
				        size, (const uint8_t(*)[32])got, n,
				        prev_root),
				    PX_EINVAL);
			if (n > 0) {
				got[n - 1][5] ^= 0x10;
				assert_int_equal(
				    px_merkle_verify_inclusion(leaves[i], i,
				        size, (const uint8_t(*)[32])got, n,
				        root),
				    PX_EINVAL);
			}
			checked++;
		}
	}
	assert_int_equal(checked, N * (N + 1) / 2);
	free(s);
}

static void
test_consistency_all_sizes(void **state)
{
	uint8_t leaves[N][32], roots[N + 1][32];
	struct store *s = store_of(N, leaves);
	unsigned checked = 0;

	(void)state;
	for (size_t n = 0; n <= N; n++)
		ref_mth(roots[n], (const uint8_t(*)[32])leaves, n);
	for (size_t s2 = 0; s2 <= N; s2++)
		for (size_t s1 = 0; s1 <= s2; s1++) {
			uint8_t got[PX_MERKLE_MAX_PROOF][32], want[80][32];
			size_t n = 99, wn = 0;
			int rc;

			s->limit = s2;
			s->gets = 0;
			assert_int_equal(px_merkle_consistency_proof(
			                     got, &n, s1, s2, store_get, s),
			    0);
			assert_true(s->gets <= max_gets(s2) + 1);
			if (s1 > 0 && s1 < s2)
				ref_subproof(want, &wn, s1,
				    (const uint8_t(*)[32])leaves, s2, true);
			assert_int_equal(n, wn);
			assert_memory_equal(got, want, 32 * n);
			rc = px_merkle_verify_consistency(s1, s2, roots[s1],
			    roots[s2], (const uint8_t(*)[32])got, n);
			/* The empty tree is refused as proving nothing. */
			assert_int_equal(rc, s1 == 0 ? PX_EINVAL : 0);
			if (s1 > 0 && s1 < s2) {
				/* A different old root, new root, or size. */
				assert_int_equal(
				    px_merkle_verify_consistency(s1, s2,
				        roots[s1 - 1], roots[s2],
				        (const uint8_t(*)[32])got, n),
				    PX_EINVAL);
				assert_int_equal(
				    px_merkle_verify_consistency(s1, s2,
				        roots[s1], roots[s2 - 1],
				        (const uint8_t(*)[32])got, n),
				    PX_EINVAL);
				got[0][31] ^= 1;
				assert_int_equal(
				    px_merkle_verify_consistency(s1, s2,
				        roots[s1], roots[s2],
				        (const uint8_t(*)[32])got, n),
				    PX_EINVAL);
			}
			checked++;
		}
	assert_int_equal(checked, (N + 1) * (N + 2) / 2);
	free(s);
}

/* ---- huge trees: no overflow, and still O(log n) reads ----------------- */

/* A tree whose leaves are all equal has one hash per level, so a store of
 * any size costs 64 hashes.  It cannot catch ordering mistakes (the tests
 * above do); it catches arithmetic at the edges of 64 bits. */
struct flat {
	uint8_t h[65][32];
	unsigned gets;
};

static int
flat_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct flat *f = ctx;

	(void)index;
	f->gets++;
	if (level >= 64)
		fail_msg("read of level %u", level);
	memcpy(out, f->h[level], 32);
	return 0;
}

static void
test_huge_trees(void **state)
{
	static const uint64_t sizes[][2] = {
		{ 0, UINT64_MAX },
		{ UINT64_MAX - 1, UINT64_MAX },
		{ (uint64_t)1 << 63, ((uint64_t)1 << 63) + 1 },
		{ ((uint64_t)1 << 63) - 1, (uint64_t)1 << 63 },
		{ 12345, ((uint64_t)1 << 40) + 3 },
		{ ((uint64_t)1 << 62) + 5, ((uint64_t)3 << 61) + 7 },
	};
	struct flat *f = px_calloc(1, sizeof(*f));
	struct px_merkle_node nodes[64];
	uint8_t proof[PX_MERKLE_MAX_PROOF][32], r1[32], r2[32];
	unsigned nn;
	size_t n;

	(void)state;
	px_merkle_leaf_hash(f->h[0], "x", 1);
	for (int l = 1; l <= 64; l++)
		px_merkle_node_hash(f->h[l], f->h[l - 1], f->h[l - 1]);
	/* The 2^63-th leaf completes 64 nodes, up to the level-63 root. */
	assert_int_equal(px_merkle_append(nodes, &nn, ((uint64_t)1 << 63) - 1,
	                     f->h[0], flat_get, f),
	    0);
	assert_int_equal(nn, 64);
	assert_int_equal(nodes[63].level, 63);
	assert_int_equal(nodes[63].index, 0);
	assert_memory_equal(nodes[63].hash, f->h[63], 32);
	assert_int_equal(
	    px_merkle_append(nodes, &nn, UINT64_MAX - 1, f->h[0], flat_get, f),
	    0);
	assert_int_equal(nn, 1);
	assert_int_equal(
	    px_merkle_append(nodes, &nn, UINT64_MAX, f->h[0], flat_get, f),
	    PX_EINVAL);
	for (size_t c = 0; c < PX_ARRAY_LEN(sizes); c++) {
		uint64_t a = sizes[c][0], b = sizes[c][1];

		assert_int_equal(px_merkle_root(r2, b, flat_get, f), 0);
		f->gets = 0;
		assert_int_equal(
		    px_merkle_inclusion_proof(proof, &n, a, b, flat_get, f), 0);
		assert_true(f->gets <= 2 * 64 + 1);
		assert_int_equal(px_merkle_verify_inclusion(f->h[0], a, b,
		                     (const uint8_t(*)[32])proof, n, r2),
		    0);
		if (a == 0)
			continue;
		assert_int_equal(px_merkle_root(r1, a, flat_get, f), 0);
		f->gets = 0;
		assert_int_equal(
		    px_merkle_consistency_proof(proof, &n, a, b, flat_get, f),
		    0);
		assert_true(f->gets <= 2 * 64 + 2);
		assert_int_equal(px_merkle_verify_consistency(a, b, r1, r2,
		                     (const uint8_t(*)[32])proof, n),
		    0);
	}
	/* From 3 (or 2^62 + 5) to more than 2^63 leaves needs 65 hashes:
	 * more than a proof buffer holds, so it is refused rather than
	 * overrun.  A verifier still takes 65. */
	assert_int_equal(
	    px_merkle_consistency_proof(proof, &n, 3, UINT64_MAX, flat_get, f),
	    PX_ETOOBIG);
	assert_int_equal(
	    px_merkle_consistency_proof(proof, &n, ((uint64_t)1 << 62) + 5,
	        ((uint64_t)1 << 63) + 7, flat_get, f),
	    PX_ETOOBIG);
	free(f);
}

static void
test_refusals(void **state)
{
	uint8_t proof[1][32] = { { 0 } }, h[32] = { 0 };
	struct store *s = ct_store();
	size_t n;

	(void)state;
	assert_int_equal(
	    px_merkle_verify_inclusion(h, 3, 3, NULL, 0, h), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "not below the tree size"));
	assert_int_equal(
	    px_merkle_verify_inclusion(h, 0, 2, NULL, 0, h), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "needs 1"));
	assert_int_equal(px_merkle_verify_inclusion(h, 0, 1, NULL, 0, h), 0);
	assert_int_equal(px_merkle_verify_consistency(
	                     0, 5, h, h, (const uint8_t(*)[32])proof, 0),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "empty tree"));
	assert_int_equal(px_merkle_verify_consistency(
	                     5, 4, h, h, (const uint8_t(*)[32])proof, 0),
	    PX_EINVAL);
	assert_int_equal(px_merkle_verify_consistency(
	                     4, 4, h, h, (const uint8_t(*)[32])proof, 1),
	    PX_EINVAL);
	s->limit = 8;
	assert_int_equal(
	    px_merkle_inclusion_proof(proof, &n, 8, 8, store_get, s),
	    PX_EINVAL);
	assert_int_equal(
	    px_merkle_consistency_proof(proof, &n, 6, 5, store_get, s),
	    PX_EINVAL);
	free(s);
}

/* A failing read comes back unchanged. */
static int
failing_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	(void)ctx;
	(void)level;
	(void)index;
	(void)out;
	return px_error_set(PX_ENOTFOUND, "node gone");
}

static void
test_get_errors_propagate(void **state)
{
	struct px_merkle_node nodes[64];
	uint8_t out[PX_MERKLE_MAX_PROOF][32] = { { 0 } };
	unsigned nn;
	size_t n;

	(void)state;
	assert_int_equal(
	    px_merkle_append(nodes, &nn, 1, out[0], failing_get, NULL),
	    PX_ENOTFOUND);
	assert_int_equal(
	    px_merkle_root(out[0], 3, failing_get, NULL), PX_ENOTFOUND);
	assert_int_equal(
	    px_merkle_inclusion_proof(out, &n, 1, 3, failing_get, NULL),
	    PX_ENOTFOUND);
	assert_int_equal(
	    px_merkle_consistency_proof(out, &n, 3, 7, failing_get, NULL),
	    PX_ENOTFOUND);
	assert_string_equal(px_error_last(), "node gone");
}

/* Multiproofs: for every size up to N and many subsets of its leaves,
 * the cover of the gaps (hashes from the store, reading only nodes of
 * that size) plus the chosen leaves rebuild the root through
 * px_merkle_acc; the spans of an inclusion proof are where its hashes
 * come from; and the cover's nodes are each on the path of a neighbouring
 * chosen leaf (so an exporter holding only those paths can give them). */
static void
test_multiproof(void **state)
{
	uint8_t leaves[N][32];
	struct store *s = store_of(N, leaves);
	uint64_t seed = 7;
	unsigned checked = 0;

	(void)state;
	for (size_t size = 1; size <= N; size++) {
		uint8_t root[32];

		s->limit = size;
		assert_int_equal(px_merkle_root(root, size, store_get, s), 0);
		for (unsigned trial = 0; trial < 12; trial++) {
			struct px_merkle_acc a;
			struct px_merkle_span cov[PX_MERKLE_MAX_COVER];
			struct px_merkle_span pp[64], pc[64];
			uint8_t h[32], got[32];
			size_t prev = SIZE_MAX, npp = 0;
			bool any = false;

			px_merkle_acc_init(&a, size);
			for (size_t i = 0; i <= size; i++) {
				size_t nc,
				    from = prev == SIZE_MAX ? 0 : prev + 1;
				size_t npc = 0;

				seed = seed * 6364136223846793005ull + 1;
				if (i < size && (seed >> 33) % (trial + 2) != 0)
					continue;
				if (i == size && !any)
					break;
				nc = px_merkle_cover(cov, from, i, size);
				if (i < size)
					npc = px_merkle_path_spans(pc, i, size);
				for (size_t k = 0; k < nc; k++) {
					bool on_path = false;

					assert_true(cov[k].start < cov[k].end);
					for (size_t q = 0; q < npp; q++)
						on_path |= pp[q].start ==
						        cov[k].start &&
						    pp[q].end == cov[k].end;
					for (size_t q = 0; q < npc; q++)
						on_path |= pc[q].start ==
						        cov[k].start &&
						    pc[q].end == cov[k].end;
					assert_true(on_path);
					assert_int_equal(
					    px_merkle_span_hash(
					        h, cov[k], size, store_get, s),
					    0);
					assert_int_equal(
					    px_merkle_acc_add(&a, cov[k], h),
					    0);
				}
				if (i == size)
					break;
				assert_int_equal(
				    px_merkle_acc_add(&a,
				        (struct px_merkle_span){ i, i + 1 },
				        leaves[i]),
				    0);
				any = true;
				prev = i;
				memcpy(pp, pc, sizeof(pc));
				npp = npc;
			}
			if (!any)
				continue;
			assert_int_equal(px_merkle_acc_root(&a, got), 0);
			assert_memory_equal(got, root, 32);
			checked++;
		}
		/* Proof spans: where each hash of a proof comes from. */
		for (size_t i = 0; i < size; i++) {
			uint8_t p[PX_MERKLE_MAX_PROOF][32], h[32];
			struct px_merkle_span sp[PX_MERKLE_MAX_PROOF];
			size_t np, ns = px_merkle_path_spans(sp, i, size);

			assert_int_equal(px_merkle_inclusion_proof(
			                     p, &np, i, size, store_get, s),
			    0);
			assert_int_equal(ns, np);
			for (size_t k = 0; k < np; k++) {
				assert_int_equal(px_merkle_span_hash(h, sp[k],
				                     size, store_get, s),
				    0);
				assert_memory_equal(h, p[k], 32);
			}
		}
	}
	assert_true(checked > N * 10);
	/* Refusals: a gap, a leaf past the end, stopping short. */
	{
		struct px_merkle_acc a;
		uint8_t h[32] = { 0 };

		px_merkle_acc_init(&a, 11);
		assert_int_equal(
		    px_merkle_acc_add(&a, (struct px_merkle_span){ 1, 2 }, h),
		    PX_EINVAL);
		assert_int_equal(
		    px_merkle_acc_add(&a, (struct px_merkle_span){ 0, 8 }, h),
		    0);
		assert_int_equal(
		    px_merkle_acc_add(&a, (struct px_merkle_span){ 8, 12 }, h),
		    PX_EINVAL);
		assert_int_equal(
		    px_merkle_acc_add(&a, (struct px_merkle_span){ 9, 11 }, h),
		    PX_EINVAL);
		assert_int_equal(px_merkle_acc_root(&a, h), PX_EINVAL);
		assert_int_equal(
		    px_merkle_acc_add(&a, (struct px_merkle_span){ 8, 11 }, h),
		    0);
		assert_int_equal(
		    px_merkle_acc_add(&a, (struct px_merkle_span){ 11, 11 }, h),
		    PX_EINVAL);
		assert_int_equal(px_merkle_acc_root(&a, h), 0);
	}
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6962_tree),
		cmocka_unit_test(test_rfc6962_proofs),
		cmocka_unit_test(test_conformance_vectors),
		cmocka_unit_test(test_inclusion_all_sizes),
		cmocka_unit_test(test_consistency_all_sizes),
		cmocka_unit_test(test_multiproof),
		cmocka_unit_test(test_huge_trees),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_get_errors_propagate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

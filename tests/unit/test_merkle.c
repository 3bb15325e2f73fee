/*
 * test_merkle.c — unit tests for common/merkle.c: the RFC 9162 hashes, the
 * published Certificate Transparency test tree, a brute-force cross-check of
 * roots and proofs against the RFC's recursive definitions, refusal of every
 * altered proof (r20_integrity: logs must be tamper-evident), the append
 * frontier, argument errors and the size limit.
 *
 * The reference code here (ref_*) follows the RFC 9162 definitions literally
 * (recursion over a leaf array, its own SHA-256 calls) so that it shares
 * nothing with the module under test but OpenSSL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "merkle.h"
#include "wijknet.h"

#define H MERKLE_HASH_LEN
#define REF_MAX 1024u  /* leaves in the reference tree */
#define REF_LEVELS 11u /* log2(REF_MAX) + 1 */
#define BRUTE_MAX 70   /* sizes cross-checked exhaustively */
#define FRONTIER_MAX 1000

/* ---- helpers -------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes lowercase hex s into out (cap bytes); returns the length. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s), i;

	if (n % 2 != 0 || n / 2 > cap)
		fail_msg("bad hex constant '%s'", s);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			fail_msg("bad hex constant '%s'", s);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

static void unhex32(const char *s, uint8_t out[H])
{
	if (unhex(s, out, H) != H)
		fail_msg("hash constant '%s' is not 32 bytes", s);
}

static void ref_sha256(const uint8_t *buf, size_t len, uint8_t out[H])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(n, H);
}

/* RFC 9162: leaf hash SHA-256(0x00 || entry), entry at most 255 bytes here. */
static void ref_leaf(const uint8_t *entry, size_t len, uint8_t out[H])
{
	uint8_t buf[256];

	assert_true(len < sizeof(buf));
	buf[0] = 0x00;
	if (len != 0)
		memcpy(buf + 1, entry, len);
	ref_sha256(buf, len + 1, out);
}

/* RFC 9162: interior node SHA-256(0x01 || left || right). */
static void ref_node(const uint8_t l[H], const uint8_t r[H], uint8_t out[H])
{
	uint8_t buf[1 + 2 * H];

	buf[0] = 0x01;
	memcpy(buf + 1, l, H);
	memcpy(buf + 1 + H, r, H);
	ref_sha256(buf, sizeof(buf), out);
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t ref_split(uint64_t n)
{
	uint64_t k = 1;

	while (2 * k < n)
		k *= 2;
	return k;
}

/* MTH(D[n]) over leaf hashes, by the RFC's recursion. */
static void ref_mth(const uint8_t (*lh)[H], uint64_t n, uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t k;

	if (n == 0) {
		ref_sha256(NULL, 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, lh[0], H);
		return;
	}
	k = ref_split(n);
	ref_mth(lh, k, l);
	ref_mth(lh + k, n - k, r);
	ref_node(l, r, out);
}

/* PATH(m, D[n]) (RFC 9162 §2.1.3.1) into out; returns its length. */
static size_t ref_path(uint64_t m, const uint8_t (*lh)[H], uint64_t n,
                       uint8_t (*out)[H])
{
	uint64_t k;
	size_t len;

	if (n <= 1)
		return 0;
	k = ref_split(n);
	if (m < k) {
		len = ref_path(m, lh, k, out);
		ref_mth(lh + k, n - k, out[len]);
	} else {
		len = ref_path(m - k, lh + k, n - k, out);
		ref_mth(lh, k, out[len]);
	}
	return len + 1;
}

/* SUBPROOF(m, D[n], b) (RFC 9162 §2.1.4.1) into out; returns its length. */
static size_t ref_subproof(uint64_t m, const uint8_t (*lh)[H], uint64_t n,
                           int b, uint8_t (*out)[H])
{
	uint64_t k;
	size_t len;

	if (m == n) {
		if (b)
			return 0;
		ref_mth(lh, n, out[0]);
		return 1;
	}
	k = ref_split(n);
	if (m <= k) {
		len = ref_subproof(m, lh, k, b, out);
		ref_mth(lh + k, n - k, out[len]);
	} else {
		len = ref_subproof(m - k, lh + k, n - k, 0, out);
		ref_mth(lh, k, out[len]);
	}
	return len + 1;
}

/* Lengths of PATH(m, D[n]) and SUBPROOF(m, D[n], b), without hashing. */
static size_t ref_path_len(uint64_t m, uint64_t n)
{
	uint64_t k;

	if (n <= 1)
		return 0;
	k = ref_split(n);
	return 1 + (m < k ? ref_path_len(m, k) : ref_path_len(m - k, n - k));
}

static size_t ref_subproof_len(uint64_t m, uint64_t n, int b)
{
	uint64_t k;

	if (m == n)
		return b ? 0 : 1;
	k = ref_split(n);
	return 1 + (m <= k ? ref_subproof_len(m, k, b)
	                   : ref_subproof_len(m - k, n - k, 0));
}

/* ---- the reference tree and a node reader over it --------------------- */

static uint8_t ref_leaves[REF_MAX][H];
static uint8_t ref_nodes[REF_LEVELS][REF_MAX][H];
static uint8_t ref_roots[REF_MAX + 1][H];
static size_t ref_count;

/* Fills ref_nodes with every perfect subtree of ref_leaves[0..count) (each
 * by the naive MTH over its range) and ref_roots with the naive MTH of every
 * prefix (all_roots), or of the prefixes the brute-force tests use. */
static void ref_build(size_t count, int all_roots)
{
	unsigned level;
	size_t i;

	assert_true(count <= REF_MAX);
	ref_count = count;
	memset(ref_nodes, 0, sizeof(ref_nodes));
	for (level = 0; level < REF_LEVELS; level++)
		for (i = 0; ((i + 1) << level) <= count; i++)
			ref_mth((const uint8_t (*)[H])ref_leaves + (i << level),
			        (uint64_t)1 << level, ref_nodes[level][i]);
	for (i = 0; i <= count; i++)
		if (all_roots || i <= 2 * BRUTE_MAX + 2)
			ref_mth((const uint8_t (*)[H])ref_leaves, i, ref_roots[i]);
}

/* Synthetic entries "wijknet log entry N", N = 0, 1, … */
static void ref_build_synthetic(size_t count, int all_roots)
{
	char entry[64];
	size_t i;

	for (i = 0; i < count; i++) {
		int n = snprintf(entry, sizeof(entry), "wijknet log entry %zu", i);
		ref_leaf((const uint8_t *)entry, (size_t)n, ref_leaves[i]);
	}
	ref_build(count, all_roots);
}

struct reader {
	uint8_t (*nodes)[REF_MAX][H];
	uint8_t (*present)[REF_MAX]; /* NULL: every node is there */
	uint64_t limit;   /* only nodes wholly below leaf `limit` may be read */
	unsigned calls;
	unsigned fail_at; /* the fail_at-th call (from 1) returns fail_rc */
	int fail_rc;
};

static struct reader reader_over(uint8_t (*nodes)[REF_MAX][H], uint64_t limit)
{
	struct reader r;

	memset(&r, 0, sizeof(r));
	r.nodes = nodes;
	r.limit = limit;
	return r;
}

static int read_node(void *arg, unsigned level, uint64_t index,
                     uint8_t out[H])
{
	struct reader *r = arg;

	r->calls++;
	if (r->fail_at != 0 && r->calls == r->fail_at)
		return r->fail_rc;
	if (level >= REF_LEVELS || index >= (REF_MAX >> level))
		fail_msg("node (%u, %llu) outside the reference tree", level,
		         (unsigned long long)index);
	/* (index + 1) << level <= limit, written so it cannot overflow */
	if ((r->limit >> level) == 0 || index > (r->limit >> level) - 1)
		fail_msg("node (%u, %llu) read for a tree of %llu leaves", level,
		         (unsigned long long)index,
		         (unsigned long long)r->limit);
	if (r->present != NULL && !r->present[level][index])
		fail_msg("node (%u, %llu) was never stored", level,
		         (unsigned long long)index);
	memcpy(out, r->nodes[level][index], H);
	return 0;
}

static unsigned popcount64(uint64_t x)
{
	unsigned n = 0;

	for (; x != 0; x &= x - 1)
		n++;
	return n;
}

/* ---- hash definitions ------------------------------------------------- */

static void test_merkle_empty_and_hash_definitions(void **state)
{
	static const uint8_t entry[] = "BSN-free log entry";
	uint8_t want[H], got[H], a[H], b[H], c[H];
	struct reader r = reader_over(ref_nodes, 0);
	(void)state;

	unhex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	        want);
	assert_memory_equal(merkle_empty_root, want, H);
	memset(got, 0xAA, H);
	assert_int_equal(merkle_root(read_node, &r, 0, got), WN_OK);
	assert_memory_equal(got, want, H);
	assert_int_equal(r.calls, 0);

	/* leaf = SHA-256(0x00 || entry); the empty entry is not the empty tree */
	assert_int_equal(merkle_leaf_hash(NULL, 0, got), WN_OK);
	unhex32("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	        want);
	assert_memory_equal(got, want, H);
	assert_memory_not_equal(got, merkle_empty_root, H);
	assert_int_equal(merkle_leaf_hash(entry, sizeof(entry) - 1, got), WN_OK);
	ref_leaf(entry, sizeof(entry) - 1, want);
	assert_memory_equal(got, want, H);
	ref_sha256(entry, sizeof(entry) - 1, want);
	assert_memory_not_equal(got, want, H);

	/* node = SHA-256(0x01 || left || right), order matters, out may alias */
	ref_leaf((const uint8_t *)"a", 1, a);
	ref_leaf((const uint8_t *)"b", 1, b);
	ref_node(a, b, want);
	assert_int_equal(merkle_node_hash(a, b, got), WN_OK);
	assert_memory_equal(got, want, H);
	assert_int_equal(merkle_node_hash(b, a, c), WN_OK);
	assert_memory_not_equal(c, want, H);
	memcpy(c, a, H);
	assert_int_equal(merkle_node_hash(c, b, c), WN_OK);
	assert_memory_equal(c, want, H);
	memcpy(c, b, H);
	assert_int_equal(merkle_node_hash(a, c, c), WN_OK);
	assert_memory_equal(c, want, H);
}

/* ---- published vectors -------------------------------------------------
 * The Certificate Transparency reference tree of eight leaves. Inputs, every
 * node hash and the roots for sizes 0..8 are published in
 * transparency-dev/merkle, testonly/constants.go (LeafInputs, NodeHashes,
 * RootHashes, CompactTrees); the inclusion and consistency proofs in
 * testonly/reference_test.go (TestRefInclusionProof, TestRefConsistencyProof)
 * and, with 1-based leaf numbers, in google/trillian's log verifier tests.
 */

static const char *const ct_inputs[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *const ct_level0[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	"07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
	"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	"46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
};
static const char *const ct_level1[4] = {
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
};
static const char *const ct_level2[2] = {
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
};
static const char *const ct_level3 =
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

static const char *const ct_roots[9] = {
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

struct ct_proof {
	uint64_t a, b; /* (index, size) or (old_size, new_size) */
	size_t len;
	const char *hash[3];
};

static const struct ct_proof ct_inclusion[] = {
	{ 0, 1, 0, { NULL } },
	{ 0, 2, 1, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7" } },
	{ 1, 2, 1, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d" } },
	{ 2, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	{ 1, 5, 3, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	{ 0, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, 3, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static const struct ct_proof ct_consistency[] = {
	{ 1, 1, 0, { NULL } },
	{ 1, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 2, 5, 2, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	{ 6, 8, 3, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

/* Builds the reference tree from the CT inputs with the module's leaf hash
 * and checks every published node hash along the way. */
static void ct_build(void)
{
	uint8_t entry[16], want[H], got[H];
	size_t i, n;

	for (i = 0; i < 8; i++) {
		n = unhex(ct_inputs[i], entry, sizeof(entry));
		assert_int_equal(merkle_leaf_hash(n ? entry : NULL, n,
		                                  ref_leaves[i]),
		                 WN_OK);
		unhex32(ct_level0[i], want);
		assert_memory_equal(ref_leaves[i], want, H);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(merkle_node_hash(ref_leaves[2 * i],
		                                  ref_leaves[2 * i + 1], got),
		                 WN_OK);
		unhex32(ct_level1[i], want);
		assert_memory_equal(got, want, H);
	}
	ref_build(8, 1);
	for (i = 0; i < 2; i++) {
		unhex32(ct_level2[i], want);
		assert_memory_equal(ref_nodes[2][i], want, H);
	}
	unhex32(ct_level3, want);
	assert_memory_equal(ref_nodes[3][0], want, H);
}

static void test_r20_integrity_merkle_ct_roots(void **state)
{
	struct merkle_frontier f;
	uint8_t want[H], got[H];
	uint64_t size;
	(void)state;

	ct_build();
	memset(&f, 0, sizeof(f));
	for (size = 0; size <= 8; size++) {
		struct reader r = reader_over(ref_nodes, size);

		unhex32(ct_roots[size], want);
		assert_memory_equal(ref_roots[size], want, H);
		assert_int_equal(merkle_root(read_node, &r, size, got), WN_OK);
		assert_memory_equal(got, want, H);
		assert_int_equal(merkle_frontier_root(&f, got), WN_OK);
		assert_memory_equal(got, want, H);
		if (size < 8)
			assert_int_equal(merkle_frontier_append(&f,
			                                        ref_leaves[size],
			                                        NULL, NULL),
			                 WN_OK);
	}

	/* frontier of 7 leaves = CompactTrees()[7]: node (2,0), (1,2), (0,6) */
	memset(&f, 0, sizeof(f));
	for (size = 0; size < 7; size++)
		assert_int_equal(merkle_frontier_append(&f, ref_leaves[size],
		                                        NULL, NULL),
		                 WN_OK);
	unhex32(ct_level2[0], want);
	assert_memory_equal(f.hash[2], want, H);
	unhex32(ct_level1[2], want);
	assert_memory_equal(f.hash[1], want, H);
	unhex32(ct_level0[6], want);
	assert_memory_equal(f.hash[0], want, H);
}

static void load_ct_proof(const struct ct_proof *v, uint8_t (*out)[H])
{
	size_t i;

	for (i = 0; i < v->len; i++)
		unhex32(v->hash[i], out[i]);
}

static void test_r20_integrity_merkle_ct_inclusion(void **state)
{
	uint8_t want[3][H], proof[MERKLE_PROOF_MAX][H];
	size_t i, len;
	(void)state;

	ct_build();
	for (i = 0; i < sizeof(ct_inclusion) / sizeof(ct_inclusion[0]); i++) {
		const struct ct_proof *v = &ct_inclusion[i];
		struct reader r = reader_over(ref_nodes, v->b);
		uint8_t root[H];

		load_ct_proof(v, want);
		unhex32(ct_roots[v->b], root);
		len = 99;
		assert_int_equal(merkle_inclusion_proof(read_node, &r, v->a, v->b,
		                                        proof, MERKLE_PROOF_MAX,
		                                        &len),
		                 WN_OK);
		assert_int_equal(len, v->len);
		if (len != 0)
			assert_memory_equal(proof, want, len * H);
		/* the published proof verifies against the published root */
		assert_int_equal(merkle_verify_inclusion(ref_leaves[v->a], v->a,
		                                         v->b,
		                                         (const uint8_t (*)[H])want,
		                                         v->len, root),
		                 WN_OK);
	}

	/* PATH(2, D[4]) with D[4]'s root passed off as a tree of 5 leaves */
	{
		struct reader r = reader_over(ref_nodes, 4);
		uint8_t root[H];

		unhex32(ct_roots[4], root);
		assert_int_equal(merkle_inclusion_proof(read_node, &r, 2, 4, proof,
		                                        MERKLE_PROOF_MAX, &len),
		                 WN_OK);
		assert_int_equal(merkle_verify_inclusion(ref_leaves[2], 2, 4,
		                                         (const uint8_t (*)[H])proof,
		                                         len, root),
		                 WN_OK);
		assert_int_equal(merkle_verify_inclusion(ref_leaves[2], 2, 5,
		                                         (const uint8_t (*)[H])proof,
		                                         len, root),
		                 WN_ECRYPTO);
	}
}

static void test_r20_integrity_merkle_ct_consistency(void **state)
{
	uint8_t want[3][H], proof[MERKLE_PROOF_MAX][H];
	size_t i, len;
	(void)state;

	ct_build();
	for (i = 0; i < sizeof(ct_consistency) / sizeof(ct_consistency[0]);
	     i++) {
		const struct ct_proof *v = &ct_consistency[i];
		struct reader r = reader_over(ref_nodes, v->b);
		uint8_t old_root[H], new_root[H];

		load_ct_proof(v, want);
		unhex32(ct_roots[v->a], old_root);
		unhex32(ct_roots[v->b], new_root);
		len = 99;
		assert_int_equal(merkle_consistency_proof(read_node, &r, v->a,
		                                          v->b, proof,
		                                          MERKLE_PROOF_MAX, &len),
		                 WN_OK);
		assert_int_equal(len, v->len);
		if (len != 0)
			assert_memory_equal(proof, want, len * H);
		assert_int_equal(merkle_verify_consistency(v->a, v->b, old_root,
		                                           new_root,
		                                           (const uint8_t (*)[H])want,
		                                           v->len),
		                 WN_OK);
	}

	/* PROOF(2, D[4]) and D[4]'s root passed off as a tree of 5 leaves: the
	 * hashes fold to the right roots, but the proof stops a level short */
	{
		struct reader r = reader_over(ref_nodes, 4);
		uint8_t old_root[H], new_root[H];

		unhex32(ct_roots[2], old_root);
		unhex32(ct_roots[4], new_root);
		assert_int_equal(merkle_consistency_proof(read_node, &r, 2, 4,
		                                          proof, MERKLE_PROOF_MAX,
		                                          &len),
		                 WN_OK);
		assert_int_equal(len, 1);
		assert_int_equal(merkle_verify_consistency(2, 4, old_root, new_root,
		                                           (const uint8_t (*)[H])proof,
		                                           len),
		                 WN_OK);
		assert_int_equal(merkle_verify_consistency(2, 5, old_root, new_root,
		                                           (const uint8_t (*)[H])proof,
		                                           len),
		                 WN_ECRYPTO);
	}
}

/* ---- brute force against the RFC's recursive definitions -------------- */

static void test_merkle_root_brute_force(void **state)
{
	uint8_t got[H];
	uint64_t size;
	(void)state;

	ref_build_synthetic(REF_MAX, 0);
	for (size = 0; size <= BRUTE_MAX; size++) {
		struct reader r = reader_over(ref_nodes, size);

		assert_int_equal(merkle_root(read_node, &r, size, got), WN_OK);
		assert_memory_equal(got, ref_roots[size], H);
		/* one stored node per bit of size, none past size */
		assert_int_equal(r.calls, popcount64(size));
	}
}

/* Verifies leaf `index` of the reference tree with proof p; returns the code. */
static int verify_incl(uint64_t index, uint64_t size, uint8_t (*p)[H],
                       size_t len, const uint8_t root[H])
{
	return merkle_verify_inclusion(ref_leaves[index], index, size,
	                               (const uint8_t (*)[H])p, len, root);
}

static void check_inclusion(uint64_t index, uint64_t size)
{
	uint8_t proof[MERKLE_PROOF_MAX + 2][H], want[MERKLE_PROOF_MAX][H];
	uint8_t saved[H];
	const uint8_t *root = ref_roots[size];
	struct reader r = reader_over(ref_nodes, size);
	uint64_t wrong[4];
	size_t len = 0, wlen, j;

	assert_int_equal(merkle_inclusion_proof(read_node, &r, index, size,
	                                        proof, MERKLE_PROOF_MAX, &len),
	                 WN_OK);
	wlen = ref_path(index, (const uint8_t (*)[H])ref_leaves, size, want);
	assert_int_equal(len, wlen);
	if (len != 0)
		assert_memory_equal(proof, want, len * H);
	/* a proof costs O(log n) reads: at most two per level */
	assert_true(r.calls <= 2 * 64);
	assert_int_equal(verify_incl(index, size, proof, len, root), WN_OK);

	/* one altered bit in each hash of the proof (a different byte each) */
	for (j = 0; j < len; j++) {
		size_t byte = (j * 7 + index) % H;

		proof[j][byte] ^= 0x01;
		assert_int_equal(verify_incl(index, size, proof, len, root),
		                 WN_ECRYPTO);
		proof[j][byte] ^= 0x01;
	}
	/* another leaf at this index */
	assert_int_equal(merkle_verify_inclusion(ref_leaves[(index + 1) %
	                                                    REF_MAX],
	                                         index, size,
	                                         (const uint8_t (*)[H])proof,
	                                         len, root),
	                 WN_ECRYPTO);
	/* the right leaf claimed at a wrong index */
	wrong[0] = index - 1;
	wrong[1] = index + 1;
	wrong[2] = index ^ 1;
	wrong[3] = index ^ 2;
	for (j = 0; j < 4; j++) {
		if (wrong[j] == index || wrong[j] >= size)
			continue;
		assert_int_equal(merkle_verify_inclusion(ref_leaves[index],
		                                         wrong[j], size,
		                                         (const uint8_t (*)[H])proof,
		                                         len, root),
		                 WN_ECRYPTO);
	}
	/* a wrong tree size, each with its own genuine root */
	wrong[0] = size - 1;
	wrong[1] = size + 1;
	wrong[2] = size * 2;
	wrong[3] = size / 2;
	for (j = 0; j < 4; j++) {
		if (wrong[j] == size || wrong[j] <= index)
			continue;
		assert_int_equal(verify_incl(index, wrong[j], proof, len,
		                             ref_roots[wrong[j]]),
		                 WN_ECRYPTO);
	}
	/* A larger claimed size with this tree's root: RFC 9162 binds size to
	 * root only through the signed tree head, so this may verify, but only
	 * when the claimed tree's path has exactly these levels; a proof that
	 * runs out before the claimed tree does must fail. */
	for (j = 1; j <= 3; j++) {
		uint64_t claim = j == 3 ? 2 * size : size + j;

		if (verify_incl(index, claim, proof, len, root) == WN_OK)
			assert_int_equal(ref_path_len(index, claim), len);
	}
	/* a wrong root */
	assert_int_equal(verify_incl(index, size, proof, len,
	                             ref_roots[size - 1]),
	                 WN_ECRYPTO);
	assert_int_equal(verify_incl(index, size, proof, len, merkle_empty_root),
	                 WN_ECRYPTO);
	/* truncated, extended at the end, extended at the front */
	if (len != 0)
		assert_int_equal(verify_incl(index, size, proof, len - 1, root),
		                 WN_ECRYPTO);
	memcpy(proof[len], root, H);
	assert_int_equal(verify_incl(index, size, proof, len + 1, root),
	                 WN_ECRYPTO);
	memcpy(saved, proof[0], H);
	memmove(proof[1], proof[0], len * H);
	memcpy(proof[0], len ? saved : root, H);
	assert_int_equal(verify_incl(index, size, proof, len + 1, root),
	                 WN_ECRYPTO);
}

static void test_r20_integrity_merkle_inclusion_brute_force(void **state)
{
	uint64_t size, index;
	(void)state;

	ref_build_synthetic(REF_MAX, 0);
	for (size = 1; size <= BRUTE_MAX; size++)
		for (index = 0; index < size; index++)
			check_inclusion(index, size);
}

static int verify_cons(uint64_t m, uint64_t n, const uint8_t *old_root,
                       const uint8_t *new_root, uint8_t (*p)[H], size_t len)
{
	return merkle_verify_consistency(m, n, old_root, new_root,
	                                 (const uint8_t (*)[H])p, len);
}

static void check_consistency(uint64_t m, uint64_t n)
{
	uint8_t proof[MERKLE_PROOF_MAX + 2][H], want[MERKLE_PROOF_MAX][H];
	uint8_t bad[H];
	const uint8_t *r1 = ref_roots[m], *r2 = ref_roots[n];
	struct reader r = reader_over(ref_nodes, n);
	uint64_t wrong[3];
	size_t len = 99, wlen, j;

	assert_int_equal(merkle_consistency_proof(read_node, &r, m, n, proof,
	                                          MERKLE_PROOF_MAX, &len),
	                 WN_OK);
	wlen = ref_subproof(m, (const uint8_t (*)[H])ref_leaves, n, 1, want);
	assert_int_equal(len, wlen);
	if (len != 0)
		assert_memory_equal(proof, want, len * H);
	assert_true(r.calls <= 3 * 64);
	assert_int_equal(verify_cons(m, n, r1, r2, proof, len), WN_OK);

	if (m == n) {
		/* same size: only an empty proof between equal roots */
		assert_int_equal(len, 0);
		memcpy(proof[0], r1, H);
		assert_int_equal(verify_cons(m, n, r1, r2, proof, 1), WN_ECRYPTO);
		assert_int_equal(verify_cons(m, n, r1, ref_roots[n + 1], proof, 0),
		                 WN_ECRYPTO);
		return;
	}
	assert_true(len > 0);
	for (j = 0; j < len; j++) {
		size_t byte = (j * 11 + m + n) % H;

		proof[j][byte] ^= 0x80;
		assert_int_equal(verify_cons(m, n, r1, r2, proof, len), WN_ECRYPTO);
		proof[j][byte] ^= 0x80;
	}
	/* wrong old size, each with its own genuine root */
	wrong[0] = m - 1;
	wrong[1] = m + 1;
	wrong[2] = m * 2;
	for (j = 0; j < 3; j++) {
		if (wrong[j] == 0 || wrong[j] >= n || wrong[j] == m)
			continue;
		assert_int_equal(verify_cons(wrong[j], n, ref_roots[wrong[j]], r2,
		                             proof, len),
		                 WN_ECRYPTO);
	}
	/* wrong new size */
	wrong[0] = n - 1;
	wrong[1] = n + 1;
	wrong[2] = n * 2;
	for (j = 0; j < 3; j++) {
		if (wrong[j] < m || wrong[j] == n)
			continue;
		assert_int_equal(verify_cons(m, wrong[j], r1, ref_roots[wrong[j]],
		                             proof, len),
		                 WN_ECRYPTO);
	}
	/* a larger claimed new size with this new root (see check_inclusion) */
	for (j = 1; j <= 3; j++) {
		uint64_t claim = j == 3 ? 2 * n : n + j;

		if (verify_cons(m, claim, r1, r2, proof, len) == WN_OK)
			assert_int_equal(ref_subproof_len(m, claim, 1), len);
	}
	/* wrong or swapped roots */
	memcpy(bad, r1, H);
	bad[H - 1] ^= 0x01;
	assert_int_equal(verify_cons(m, n, bad, r2, proof, len), WN_ECRYPTO);
	memcpy(bad, r2, H);
	bad[0] ^= 0x01;
	assert_int_equal(verify_cons(m, n, r1, bad, proof, len), WN_ECRYPTO);
	assert_int_equal(verify_cons(m, n, r2, r1, proof, len), WN_ECRYPTO);
	assert_int_equal(verify_cons(m, n, r1, r1, proof, len), WN_ECRYPTO);
	/* empty, truncated, extended at the end and at the front */
	assert_int_equal(verify_cons(m, n, r1, r2, proof, 0), WN_ECRYPTO);
	assert_int_equal(verify_cons(m, n, r1, r2, NULL, 0), WN_ECRYPTO);
	assert_int_equal(verify_cons(m, n, r1, r2, proof, len - 1), WN_ECRYPTO);
	memcpy(proof[len], r1, H);
	assert_int_equal(verify_cons(m, n, r1, r2, proof, len + 1), WN_ECRYPTO);
	memmove(proof[1], proof[0], len * H);
	memcpy(proof[0], r1, H);
	assert_int_equal(verify_cons(m, n, r1, r2, proof, len + 1), WN_ECRYPTO);
}

static void test_r20_integrity_merkle_consistency_brute_force(void **state)
{
	uint64_t m, n;
	(void)state;

	ref_build_synthetic(REF_MAX, 0);
	for (n = 1; n <= BRUTE_MAX; n++)
		for (m = 1; m <= n; m++)
			check_consistency(m, n);
}

/* ---- frontier --------------------------------------------------------- */

static uint8_t emit_nodes[REF_LEVELS][REF_MAX][H];
static uint8_t emit_present[REF_LEVELS][REF_MAX];

struct emit_log {
	uint64_t leaf;       /* index of the leaf being appended */
	unsigned next_level; /* the level the next emit must have */
	unsigned fail_level; /* emit at this level fails with fail_rc … */
	int fail_rc;         /* … when fail_rc != 0 */
};

static int record_node(void *arg, unsigned level, uint64_t index,
                       const uint8_t hash[H])
{
	struct emit_log *log = arg;

	if (log->fail_rc != 0 && level == log->fail_level)
		return log->fail_rc;
	/* lowest first, one per level, the node that holds the new leaf */
	assert_int_equal(level, log->next_level);
	assert_int_equal(index, log->leaf >> level);
	assert_true(level < REF_LEVELS && index < (REF_MAX >> level));
	assert_false(emit_present[level][index]);
	/* the node is the perfect subtree the naive MTH gives */
	assert_memory_equal(hash, ref_nodes[level][index], H);
	memcpy(emit_nodes[level][index], hash, H);
	emit_present[level][index] = 1;
	log->next_level++;
	return 0;
}

static unsigned trailing_ones(uint64_t x)
{
	unsigned n = 0;

	while ((x & 1) != 0 && n < 64) {
		x >>= 1;
		n++;
	}
	return n;
}

static void test_merkle_frontier_append(void **state)
{
	struct merkle_frontier f, loaded;
	struct emit_log log;
	uint8_t got[H];
	uint64_t i;
	unsigned level;
	size_t stored = 0, want_stored;
	(void)state;

	ref_build_synthetic(FRONTIER_MAX, 1);
	memset(emit_present, 0, sizeof(emit_present));
	memset(&f, 0, sizeof(f));
	memset(&log, 0, sizeof(log));
	for (i = 0; i < FRONTIER_MAX; i++) {
		struct reader r = reader_over(emit_nodes, i + 1);

		r.present = emit_present;
		log.leaf = i;
		log.next_level = 0;
		assert_int_equal(merkle_frontier_append(&f, ref_leaves[i],
		                                        record_node, &log),
		                 WN_OK);
		/* leaf i completes one subtree per trailing one bit of i */
		assert_int_equal(log.next_level, trailing_ones(i) + 1);
		stored += log.next_level;
		assert_int_equal(f.size, i + 1);

		assert_int_equal(merkle_frontier_root(&f, got), WN_OK);
		assert_memory_equal(got, ref_roots[i + 1], H);
		/* the stored nodes alone give the same root and frontier */
		assert_int_equal(merkle_root(read_node, &r, i + 1, got), WN_OK);
		assert_memory_equal(got, ref_roots[i + 1], H);
		memset(&loaded, 0x5A, sizeof(loaded));
		assert_int_equal(merkle_frontier_load(read_node, &r, i + 1,
		                                      &loaded),
		                 WN_OK);
		assert_memory_equal(&loaded, &f, sizeof(f));
	}
	/* exactly the complete subtrees were stored: floor(n / 2^L) per level */
	want_stored = 0;
	for (level = 0; level < REF_LEVELS; level++)
		want_stored += FRONTIER_MAX >> level;
	assert_int_equal(stored, want_stored);
}

static void test_merkle_frontier_emit_failure(void **state)
{
	struct merkle_frontier f, before;
	struct emit_log log;
	uint64_t i;
	(void)state;

	ref_build_synthetic(16, 1);
	memset(emit_present, 0, sizeof(emit_present));
	memset(&f, 0, sizeof(f));
	memset(&log, 0, sizeof(log));
	for (i = 0; i < 7; i++) {
		log.leaf = i;
		log.next_level = 0;
		assert_int_equal(merkle_frontier_append(&f, ref_leaves[i],
		                                        record_node, &log),
		                 WN_OK);
	}
	/* leaf 7 completes levels 0..3; a storage failure at level 2 must
	 * leave the frontier as it was, so the append can be retried */
	before = f;
	log.leaf = 7;
	log.next_level = 0;
	log.fail_level = 2;
	log.fail_rc = WN_EDB;
	assert_int_equal(merkle_frontier_append(&f, ref_leaves[7], record_node,
	                                        &log),
	                 WN_EDB);
	assert_memory_equal(&f, &before, sizeof(f));
	log.fail_rc = 1; /* a positive code is not success */
	log.next_level = 0;
	memset(emit_present[0] + 7, 0, 1);
	memset(emit_present[1] + 3, 0, 1);
	assert_int_equal(merkle_frontier_append(&f, ref_leaves[7], record_node,
	                                        &log),
	                 WN_EIO);
	assert_memory_equal(&f, &before, sizeof(f));

	log.fail_rc = 0;
	log.next_level = 0;
	memset(emit_present[0] + 7, 0, 1);
	memset(emit_present[1] + 3, 0, 1);
	assert_int_equal(merkle_frontier_append(&f, ref_leaves[7], record_node,
	                                        &log),
	                 WN_OK);
	assert_int_equal(log.next_level, 4);
	assert_int_equal(f.size, 8);
}

/* ---- errors ----------------------------------------------------------- */

static void test_merkle_callback_errors(void **state)
{
	uint8_t proof[MERKLE_PROOF_MAX][H], out[H];
	struct merkle_frontier f;
	struct reader r;
	size_t len;
	unsigned at;
	(void)state;

	ref_build_synthetic(64, 1);
	/* a failing read on any call is passed back, never a partial result */
	for (at = 1; at <= 3; at++) {
		r = reader_over(ref_nodes, 63);
		r.fail_at = at;
		r.fail_rc = WN_EDB;
		assert_int_equal(merkle_root(read_node, &r, 63, out), WN_EDB);
		r.calls = 0;
		len = 99;
		assert_int_equal(merkle_inclusion_proof(read_node, &r, 5, 63, proof,
		                                        MERKLE_PROOF_MAX, &len),
		                 WN_EDB);
		assert_int_equal(len, 0);
		r.calls = 0;
		len = 99;
		assert_int_equal(merkle_consistency_proof(read_node, &r, 21, 63,
		                                          proof, MERKLE_PROOF_MAX,
		                                          &len),
		                 WN_EDB);
		assert_int_equal(len, 0);
		r.calls = 0;
		memset(&f, 0x5A, sizeof(f));
		assert_int_equal(merkle_frontier_load(read_node, &r, 63, &f),
		                 WN_EDB);
		assert_int_equal(f.size, 0);
	}
	r = reader_over(ref_nodes, 63);
	r.fail_at = 1;
	r.fail_rc = 7;
	assert_int_equal(merkle_root(read_node, &r, 63, out), WN_EIO);
}

static void test_merkle_argument_errors(void **state)
{
	uint8_t proof[MERKLE_PROOF_MAX + 1][H], out[H], leaf[H];
	const uint8_t (*cp)[H] = (const uint8_t (*)[H])proof;
	struct merkle_frontier f;
	struct reader r;
	size_t len;
	(void)state;

	ref_build_synthetic(64, 1);
	r = reader_over(ref_nodes, 64);
	memcpy(leaf, ref_leaves[0], H);
	memset(proof, 0, sizeof(proof));

	/* hashes */
	assert_int_equal(merkle_leaf_hash(NULL, 1, out), WN_EINVAL);
	assert_int_equal(merkle_leaf_hash("x", 1, NULL), WN_EINVAL);
	assert_int_equal(merkle_node_hash(NULL, leaf, out), WN_EINVAL);
	assert_int_equal(merkle_node_hash(leaf, NULL, out), WN_EINVAL);
	assert_int_equal(merkle_node_hash(leaf, leaf, NULL), WN_EINVAL);

	/* root */
	assert_int_equal(merkle_root(NULL, &r, 4, out), WN_EINVAL);
	assert_int_equal(merkle_root(read_node, &r, 4, NULL), WN_EINVAL);
	assert_int_equal(merkle_root(read_node, &r, MERKLE_SIZE_MAX + 1, out),
	                 WN_EINVAL);

	/* inclusion proof: index >= size, size 0, NULLs, cap too small */
	len = 99;
	assert_int_equal(merkle_inclusion_proof(read_node, &r, 8, 8, proof,
	                                        MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	assert_int_equal(len, 0);
	assert_int_equal(merkle_inclusion_proof(read_node, &r, 0, 0, proof,
	                                        MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	assert_int_equal(merkle_inclusion_proof(NULL, &r, 0, 8, proof,
	                                        MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	assert_int_equal(merkle_inclusion_proof(read_node, &r, 0, 8, NULL,
	                                        MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	assert_int_equal(merkle_inclusion_proof(read_node, &r, 0, 8, proof,
	                                        MERKLE_PROOF_MAX, NULL),
	                 WN_EINVAL);
	r.calls = 0;
	len = 99;
	assert_int_equal(merkle_inclusion_proof(read_node, &r, 0, 8, proof, 2,
	                                        &len),
	                 WN_ELIMIT);
	assert_int_equal(len, 0);
	assert_int_equal(r.calls, 0); /* refused before any storage read */
	assert_int_equal(merkle_inclusion_proof(read_node, &r, 0, 8, NULL, 0,
	                                        &len),
	                 WN_ELIMIT);
	assert_int_equal(merkle_inclusion_proof(read_node, &r, 0, 8, proof, 3,
	                                        &len),
	                 WN_OK);
	assert_int_equal(len, 3);
	/* a one-leaf tree has an empty proof: no buffer needed */
	assert_int_equal(merkle_inclusion_proof(read_node, &r, 0, 1, NULL, 0,
	                                        &len),
	                 WN_OK);
	assert_int_equal(len, 0);

	/* consistency proof: old 0, old > new, NULLs, cap too small */
	len = 99;
	assert_int_equal(merkle_consistency_proof(read_node, &r, 0, 8, proof,
	                                          MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	assert_int_equal(len, 0);
	assert_int_equal(merkle_consistency_proof(read_node, &r, 9, 8, proof,
	                                          MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	assert_int_equal(merkle_consistency_proof(NULL, &r, 3, 8, proof,
	                                          MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	assert_int_equal(merkle_consistency_proof(read_node, &r, 3, 8, NULL,
	                                          MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	assert_int_equal(merkle_consistency_proof(read_node, &r, 3, 8, proof,
	                                          MERKLE_PROOF_MAX, NULL),
	                 WN_EINVAL);
	assert_int_equal(merkle_consistency_proof(read_node, &r, 3,
	                                          MERKLE_SIZE_MAX + 1, proof,
	                                          MERKLE_PROOF_MAX, &len),
	                 WN_EINVAL);
	r.calls = 0;
	len = 99;
	/* PROOF(3, D[8]) has 4 hashes */
	assert_int_equal(merkle_consistency_proof(read_node, &r, 3, 8, proof, 3,
	                                          &len),
	                 WN_ELIMIT);
	assert_int_equal(len, 0);
	assert_int_equal(r.calls, 0);
	assert_int_equal(merkle_consistency_proof(read_node, &r, 3, 8, proof, 4,
	                                          &len),
	                 WN_OK);
	assert_int_equal(len, 4);
	assert_int_equal(merkle_consistency_proof(read_node, &r, 8, 8, NULL, 0,
	                                          &len),
	                 WN_OK);
	assert_int_equal(len, 0);

	/* verification: malformed input is EINVAL, not "does not verify" */
	assert_int_equal(merkle_verify_inclusion(leaf, 8, 8, cp, 3,
	                                         ref_roots[8]),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_inclusion(leaf, 0, 0, NULL, 0,
	                                         merkle_empty_root),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_inclusion(NULL, 0, 8, cp, 3,
	                                         ref_roots[8]),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_inclusion(leaf, 0, 8, NULL, 3,
	                                         ref_roots[8]),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_inclusion(leaf, 0, 8, cp, 3, NULL),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_inclusion(leaf, 0, MERKLE_SIZE_MAX + 1,
	                                         cp, 3, ref_roots[8]),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_inclusion(leaf, 0, 8, cp,
	                                         MERKLE_PROOF_MAX + 1,
	                                         ref_roots[8]),
	                 WN_ECRYPTO);
	assert_int_equal(merkle_verify_consistency(0, 8, merkle_empty_root,
	                                           ref_roots[8], cp, 3),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_consistency(0, 0, merkle_empty_root,
	                                           merkle_empty_root, NULL, 0),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_consistency(9, 8, ref_roots[9],
	                                           ref_roots[8], cp, 3),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_consistency(3, 8, NULL, ref_roots[8],
	                                           cp, 3),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_consistency(3, 8, ref_roots[3], NULL,
	                                           cp, 3),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_consistency(3, 8, ref_roots[3],
	                                           ref_roots[8], NULL, 3),
	                 WN_EINVAL);
	assert_int_equal(merkle_verify_consistency(3, MERKLE_SIZE_MAX + 1,
	                                           ref_roots[3], ref_roots[8],
	                                           cp, 3),
	                 WN_EINVAL);

	/* frontier */
	assert_int_equal(merkle_frontier_load(read_node, &r, 4, NULL),
	                 WN_EINVAL);
	assert_int_equal(merkle_frontier_load(NULL, &r, 4, &f), WN_EINVAL);
	assert_int_equal(merkle_frontier_load(read_node, &r,
	                                      MERKLE_SIZE_MAX + 1, &f),
	                 WN_EINVAL);
	memset(&f, 0, sizeof(f));
	assert_int_equal(merkle_frontier_append(NULL, leaf, NULL, NULL),
	                 WN_EINVAL);
	assert_int_equal(merkle_frontier_append(&f, NULL, NULL, NULL),
	                 WN_EINVAL);
	assert_int_equal(merkle_frontier_root(NULL, out), WN_EINVAL);
	assert_int_equal(merkle_frontier_root(&f, NULL), WN_EINVAL);
	f.size = MERKLE_SIZE_MAX + 1;
	assert_int_equal(merkle_frontier_append(&f, leaf, NULL, NULL),
	                 WN_EINVAL);
	assert_int_equal(merkle_frontier_root(&f, out), WN_EINVAL);
}

/* ---- the size limit ---------------------------------------------------
 * A tree whose leaves all have the same hash has one node hash per level,
 * so trees of up to MERKLE_SIZE_MAX leaves can be stored "in memory". */

static uint8_t uniform[64][H];

struct uniform_reader {
	uint64_t limit;
	unsigned calls;
};

static int read_uniform(void *arg, unsigned level, uint64_t index,
                        uint8_t out[H])
{
	struct uniform_reader *u = arg;

	u->calls++;
	if (level >= 64 || (u->limit >> level) == 0 ||
	    index > (u->limit >> level) - 1)
		fail_msg("node (%u, %llu) read for a tree of %llu leaves", level,
		         (unsigned long long)index,
		         (unsigned long long)u->limit);
	memcpy(out, uniform[level], H);
	return 0;
}

static void uniform_root(uint64_t size, uint8_t out[H])
{
	struct uniform_reader u = { size, 0 };

	assert_int_equal(merkle_root(read_uniform, &u, size, out), WN_OK);
}

static void test_merkle_size_limit(void **state)
{
	const uint64_t max = MERKLE_SIZE_MAX;
	uint8_t proof[MERKLE_PROOF_MAX][H], r1[H], r2[H];
	const uint8_t (*cp)[H] = (const uint8_t (*)[H])proof;
	struct uniform_reader u = { max, 0 };
	struct merkle_frontier f;
	static const uint64_t idx[] = { 0, 1, (uint64_t)1 << 62,
	                                MERKLE_SIZE_MAX - 2,
	                                MERKLE_SIZE_MAX - 1 };
	static const uint64_t olds[] = { 1, 3, ((uint64_t)1 << 62) - 1,
	                                 (uint64_t)1 << 62,
	                                 ((uint64_t)1 << 62) + 1,
	                                 MERKLE_SIZE_MAX - 1 };
	size_t i, len;
	unsigned level;
	(void)state;

	assert_int_equal(merkle_leaf_hash("same", 4, uniform[0]), WN_OK);
	for (level = 1; level < 64; level++)
		ref_node(uniform[level - 1], uniform[level - 1], uniform[level]);

	/* roots of power-of-two trees are the level hashes */
	uniform_root((uint64_t)1 << 62, r1);
	assert_memory_equal(r1, uniform[62], H);
	uniform_root(max, r2);

	/* inclusion at the largest size: at most 63 hashes, and they verify */
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		u.calls = 0;
		assert_int_equal(merkle_inclusion_proof(read_uniform, &u, idx[i],
		                                        max, proof,
		                                        MERKLE_PROOF_MAX, &len),
		                 WN_OK);
		assert_true(len <= 63);
		assert_true(u.calls <= 2 * 64);
		assert_int_equal(merkle_verify_inclusion(uniform[0], idx[i], max,
		                                         cp, len, r2),
		                 WN_OK);
	}
	assert_int_equal(merkle_inclusion_proof(read_uniform, &u, 0, max, proof,
	                                        MERKLE_PROOF_MAX, &len),
	                 WN_OK);
	assert_int_equal(len, 63);

	/* consistency: PROOF(2^62 - 1, D[2^63 - 1]) is the longest, 64 */
	for (i = 0; i < sizeof(olds) / sizeof(olds[0]); i++) {
		u.calls = 0;
		assert_int_equal(merkle_consistency_proof(read_uniform, &u, olds[i],
		                                          max, proof,
		                                          MERKLE_PROOF_MAX, &len),
		                 WN_OK);
		assert_true(u.calls <= 3 * 64);
		uniform_root(olds[i], r1);
		assert_int_equal(merkle_verify_consistency(olds[i], max, r1, r2,
		                                           cp, len),
		                 WN_OK);
	}
	assert_int_equal(merkle_consistency_proof(read_uniform, &u,
	                                          ((uint64_t)1 << 62) - 1, max,
	                                          proof, MERKLE_PROOF_MAX, &len),
	                 WN_OK);
	assert_int_equal(len, 64);
	assert_int_equal(merkle_consistency_proof(read_uniform, &u,
	                                          ((uint64_t)1 << 62) - 1, max,
	                                          proof, 63, &len),
	                 WN_ELIMIT);

	/* the frontier fills up to MERKLE_SIZE_MAX and then refuses */
	u.limit = max - 1;
	assert_int_equal(merkle_frontier_load(read_uniform, &u, max - 1, &f),
	                 WN_OK);
	assert_int_equal(merkle_frontier_append(&f, uniform[0], NULL, NULL),
	                 WN_OK);
	assert_int_equal(f.size, max);
	assert_int_equal(merkle_frontier_root(&f, r1), WN_OK);
	assert_memory_equal(r1, r2, H);
	assert_int_equal(merkle_frontier_append(&f, uniform[0], NULL, NULL),
	                 WN_ELIMIT);
	assert_int_equal(f.size, max);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merkle_empty_and_hash_definitions),
		cmocka_unit_test(test_r20_integrity_merkle_ct_roots),
		cmocka_unit_test(test_r20_integrity_merkle_ct_inclusion),
		cmocka_unit_test(test_r20_integrity_merkle_ct_consistency),
		cmocka_unit_test(test_merkle_root_brute_force),
		cmocka_unit_test(test_r20_integrity_merkle_inclusion_brute_force),
		cmocka_unit_test(test_r20_integrity_merkle_consistency_brute_force),
		cmocka_unit_test(test_merkle_frontier_append),
		cmocka_unit_test(test_merkle_frontier_emit_failure),
		cmocka_unit_test(test_merkle_callback_errors),
		cmocka_unit_test(test_merkle_argument_errors),
		cmocka_unit_test(test_merkle_size_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

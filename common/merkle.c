/*
 * merkle.c — RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency
 * proofs and their verification, and an O(1)-amortised append frontier,
 * over caller-stored perfect subtree hashes. See merkle.h.
 *
 * Every tree MTH(D[n]) the RFC recurses into starts at a multiple of the
 * largest power of two not above its size, so its hash is a fold of at most
 * one stored perfect subtree per bit of its size; that is why no function
 * here needs more than O(log n) node reads.
 */
#include "merkle.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "wijknet.h"

#define MERKLE_LEAF_PREFIX 0x00
#define MERKLE_NODE_PREFIX 0x01

const uint8_t merkle_empty_root[MERKLE_HASH_LEN] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
	0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
	0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55
};

/* SHA-256 fetched once: an implicit fetch per digest is measurable on the
 * append path in OpenSSL 3. A fetched EVP_MD is immutable and thread-safe. */
static pthread_once_t merkle_md_once = PTHREAD_ONCE_INIT;
static EVP_MD *merkle_md;

static void merkle_md_fetch(void)
{
	merkle_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *merkle_sha256(void)
{
	pthread_once(&merkle_md_once, merkle_md_fetch);
	return merkle_md != NULL ? merkle_md : EVP_sha256();
}

int merkle_leaf_hash(const void *entry, size_t len,
                     uint8_t out[MERKLE_HASH_LEN])
{
	static const uint8_t prefix = MERKLE_LEAF_PREFIX;
	EVP_MD_CTX *ctx = NULL;
	unsigned int outlen = 0;
	int rc = WN_ECRYPTO;

	if (out == NULL || (entry == NULL && len != 0))
		return WN_EINVAL;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	/* Two updates rather than a copy: entries can be large. */
	if (EVP_DigestInit_ex(ctx, merkle_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, &prefix, 1) != 1 ||
	    (len != 0 && EVP_DigestUpdate(ctx, entry, len) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, &outlen) != 1 ||
	    outlen != MERKLE_HASH_LEN)
		goto out;
	rc = WN_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN],
                     const uint8_t right[MERKLE_HASH_LEN],
                     uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t buf[1 + 2 * MERKLE_HASH_LEN];
	unsigned int outlen = 0;

	if (left == NULL || right == NULL || out == NULL)
		return WN_EINVAL;
	/* One contiguous buffer: a single digest call, and out may alias an
	 * input because both are copied before out is written. */
	buf[0] = MERKLE_NODE_PREFIX;
	memcpy(buf + 1, left, MERKLE_HASH_LEN);
	memcpy(buf + 1 + MERKLE_HASH_LEN, right, MERKLE_HASH_LEN);
	if (EVP_Digest(buf, sizeof(buf), out, &outlen, merkle_sha256(),
	               NULL) != 1 ||
	    outlen != MERKLE_HASH_LEN)
		return WN_ECRYPTO;
	return WN_OK;
}

/* The largest power of two strictly below n (n >= 2), and its log2 in
 * *level: where RFC 9162 splits D[n]. Written as k < n - k so it cannot
 * overflow for any n. */
static uint64_t merkle_split(uint64_t n, unsigned *level)
{
	uint64_t k = 1;
	unsigned l = 0;

	while (k < n - k && l < 63) {
		k <<= 1;
		l++;
	}
	*level = l;
	return k;
}

/* Reads one stored node; a positive return breaks the callback contract and
 * is reported as an I/O failure rather than mistaken for success. */
static int merkle_node_get(merkle_node_fn fn, void *arg, unsigned level,
                           uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
	int rc = fn(arg, level, index, out);

	return rc > 0 ? WN_EIO : rc;
}

/* MTH of leaves [start, start + count), count >= 1, start a multiple of the
 * largest power of two in count. The tree is the perfect subtrees for the
 * bits of count, largest (leftmost) first; MTH nests them to the right, so
 * fold from the smallest up: r = H(larger, r). */
static int merkle_range_hash(merkle_node_fn fn, void *arg, uint64_t start,
                             uint64_t count, uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t node[MERKLE_HASH_LEN];
	unsigned level;
	int have = 0, rc;

	for (level = 0; level < 64 && (count >> level) != 0; level++) {
		uint64_t bit = (uint64_t)1 << level;
		uint64_t pos;

		if ((count & bit) == 0)
			continue;
		/* this chunk comes after all the larger ones */
		pos = start + (count & ~(bit | (bit - 1)));
		rc = merkle_node_get(fn, arg, level, pos >> level,
		                     have ? node : out);
		if (rc != WN_OK)
			return rc;
		if (have) {
			rc = merkle_node_hash(node, out, out);
			if (rc != WN_OK)
				return rc;
		}
		have = 1;
	}
	return have ? WN_OK : WN_EINVAL;
}

int merkle_root(merkle_node_fn fn, void *arg, uint64_t size,
                uint8_t out[MERKLE_HASH_LEN])
{
	if (fn == NULL || out == NULL || size > MERKLE_SIZE_MAX)
		return WN_EINVAL;
	if (size == 0) {
		memcpy(out, merkle_empty_root, MERKLE_HASH_LEN);
		return WN_OK;
	}
	return merkle_range_hash(fn, arg, 0, size, out);
}

/*
 * Walks PATH(m, D[n]) from the root down, as the RFC's recursion does:
 * at each split the sibling of the half holding leaf m is recorded. The
 * siblings come out root first while the proof lists them leaf first, so
 * the i-th one goes to proof[total - 1 - i]. With proof NULL nothing is
 * read or hashed: the walk only counts, so the caller can check cap before
 * any storage is touched.
 */
static int merkle_inclusion_walk(merkle_node_fn fn, void *arg, uint64_t m,
                                 uint64_t n,
                                 uint8_t (*proof)[MERKLE_HASH_LEN],
                                 size_t total, size_t *count)
{
	uint64_t start = 0;
	size_t i = 0;
	int rc = WN_OK;

	/* each step at least halves n, so MERKLE_PROOF_MAX steps suffice */
	while (n > 1) {
		unsigned level;
		uint64_t k = merkle_split(n, &level);

		if (i >= MERKLE_PROOF_MAX || (proof != NULL && i >= total))
			return WN_EINVAL;
		if (m < k) {
			/* leaf on the left: the sibling is the right part */
			if (proof != NULL)
				rc = merkle_range_hash(fn, arg, start + k, n - k,
				                       proof[total - 1 - i]);
			n = k;
		} else {
			/* leaf on the right: the left part is perfect */
			if (proof != NULL)
				rc = merkle_node_get(fn, arg, level, start >> level,
				                     proof[total - 1 - i]);
			start += k;
			m -= k;
			n -= k;
		}
		if (rc != WN_OK)
			return rc;
		i++;
	}
	*count = i;
	return WN_OK;
}

int merkle_inclusion_proof(merkle_node_fn fn, void *arg, uint64_t index,
                           uint64_t size, uint8_t (*proof)[MERKLE_HASH_LEN],
                           size_t cap, size_t *len)
{
	size_t need = 0, got = 0;
	int rc;

	if (len == NULL)
		return WN_EINVAL;
	*len = 0;
	if (fn == NULL || (proof == NULL && cap != 0) ||
	    size > MERKLE_SIZE_MAX || index >= size)
		return WN_EINVAL;
	rc = merkle_inclusion_walk(NULL, NULL, index, size, NULL, 0, &need);
	if (rc != WN_OK)
		return rc;
	if (need > cap)
		return WN_ELIMIT;
	rc = merkle_inclusion_walk(fn, arg, index, size, proof, need, &got);
	if (rc != WN_OK)
		return rc;
	*len = got;
	return WN_OK;
}

/*
 * Walks SUBPROOF(m, D[n], true) like merkle_inclusion_walk. Each split
 * records the half the old tree does not reach into (m <= k: the right part,
 * which only the new tree has; m > k: the left part, shared by both). Once
 * the walk has gone right the old tree's root is no longer a node of the new
 * tree, so the subtree where the walk ends is recorded too, as proof[0].
 */
static int merkle_consistency_walk(merkle_node_fn fn, void *arg, uint64_t m,
                                   uint64_t n,
                                   uint8_t (*proof)[MERKLE_HASH_LEN],
                                   size_t total, size_t *count)
{
	uint64_t start = 0;
	size_t i = 0;
	int whole = 1; /* the RFC's b: still on the old tree's own root */
	int rc = WN_OK;

	while (m != n) {
		unsigned level;
		uint64_t k = merkle_split(n, &level);

		if (i >= MERKLE_PROOF_MAX || (proof != NULL && i >= total))
			return WN_EINVAL;
		if (m <= k) {
			if (proof != NULL)
				rc = merkle_range_hash(fn, arg, start + k, n - k,
				                       proof[total - 1 - i]);
			n = k;
		} else {
			if (proof != NULL)
				rc = merkle_node_get(fn, arg, level, start >> level,
				                     proof[total - 1 - i]);
			start += k;
			m -= k;
			n -= k;
			whole = 0;
		}
		if (rc != WN_OK)
			return rc;
		i++;
	}
	if (!whole) {
		if (i >= MERKLE_PROOF_MAX || (proof != NULL && i >= total))
			return WN_EINVAL;
		if (proof != NULL) {
			rc = merkle_range_hash(fn, arg, start, n, proof[0]);
			if (rc != WN_OK)
				return rc;
		}
		i++;
	}
	*count = i;
	return WN_OK;
}

int merkle_consistency_proof(merkle_node_fn fn, void *arg, uint64_t old_size,
                             uint64_t new_size,
                             uint8_t (*proof)[MERKLE_HASH_LEN], size_t cap,
                             size_t *len)
{
	size_t need = 0, got = 0;
	int rc;

	if (len == NULL)
		return WN_EINVAL;
	*len = 0;
	if (fn == NULL || (proof == NULL && cap != 0) || old_size == 0 ||
	    old_size > new_size || new_size > MERKLE_SIZE_MAX)
		return WN_EINVAL;
	rc = merkle_consistency_walk(NULL, NULL, old_size, new_size, NULL, 0,
	                             &need);
	if (rc != WN_OK)
		return rc;
	if (need > cap)
		return WN_ELIMIT;
	rc = merkle_consistency_walk(fn, arg, old_size, new_size, proof, need,
	                             &got);
	if (rc != WN_OK)
		return rc;
	*len = got;
	return WN_OK;
}

/*
 * RFC 9162 §2.1.3.2. fn and sn are the positions of the running node and of
 * the tree's last node on the current level; where fn is a right child, or
 * the last node with no right sibling, the proof hash goes on the left.
 * Levels on which the last node has no sibling are skipped by the inner
 * shift. Running out of levels (sn == 0) before the proof ends, or proof
 * left over, means it is not a proof for (index, size).
 */
int merkle_verify_inclusion(const uint8_t leaf[MERKLE_HASH_LEN],
                            uint64_t index, uint64_t size,
                            const uint8_t (*proof)[MERKLE_HASH_LEN],
                            size_t len, const uint8_t root[MERKLE_HASH_LEN])
{
	uint8_t r[MERKLE_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (leaf == NULL || root == NULL || (proof == NULL && len != 0) ||
	    size > MERKLE_SIZE_MAX || index >= size)
		return WN_EINVAL;
	if (len > MERKLE_PROOF_MAX)
		return WN_ECRYPTO;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (i = 0; i < len; i++) {
		if (sn == 0)
			return WN_ECRYPTO;
		if ((fn & 1) != 0 || fn == sn) {
			if (merkle_node_hash(proof[i], r, r) != WN_OK)
				return WN_ECRYPTO;
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			if (merkle_node_hash(r, proof[i], r) != WN_OK)
				return WN_ECRYPTO;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(r, root, MERKLE_HASH_LEN) != 0)
		return WN_ECRYPTO;
	return WN_OK;
}

/*
 * RFC 9162 §2.1.4.2. Two roots are rebuilt at once from the old tree's last
 * subtree upwards: fr from the hashes the old tree also has, sr from all of
 * them. When old_size is a power of two that subtree is the old root itself
 * and the proof leaves it out, so start from old_root.
 */
int merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                              const uint8_t old_root[MERKLE_HASH_LEN],
                              const uint8_t new_root[MERKLE_HASH_LEN],
                              const uint8_t (*proof)[MERKLE_HASH_LEN],
                              size_t len)
{
	uint8_t fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (old_root == NULL || new_root == NULL ||
	    (proof == NULL && len != 0) || old_size == 0 ||
	    old_size > new_size || new_size > MERKLE_SIZE_MAX)
		return WN_EINVAL;
	if (old_size == new_size) {
		if (len != 0 || memcmp(old_root, new_root, MERKLE_HASH_LEN) != 0)
			return WN_ECRYPTO;
		return WN_OK;
	}
	if (len == 0 || len > MERKLE_PROOF_MAX)
		return WN_ECRYPTO;
	if ((old_size & (old_size - 1)) == 0) {
		memcpy(fr, old_root, MERKLE_HASH_LEN);
		i = 0;
	} else {
		memcpy(fr, proof[0], MERKLE_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_LEN);
	fn = old_size - 1;
	sn = new_size - 1;
	/* skip the levels where the old tree's last subtree is a right child
	 * that is itself complete: its hash already covers them */
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			return WN_ECRYPTO;
		if ((fn & 1) != 0 || fn == sn) {
			if (merkle_node_hash(proof[i], fr, fr) != WN_OK ||
			    merkle_node_hash(proof[i], sr, sr) != WN_OK)
				return WN_ECRYPTO;
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			if (merkle_node_hash(sr, proof[i], sr) != WN_OK)
				return WN_ECRYPTO;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(fr, old_root, MERKLE_HASH_LEN) != 0 ||
	    memcmp(sr, new_root, MERKLE_HASH_LEN) != 0)
		return WN_ECRYPTO;
	return WN_OK;
}

int merkle_frontier_load(merkle_node_fn fn, void *arg, uint64_t size,
                         struct merkle_frontier *out)
{
	unsigned level;
	int rc;

	if (out == NULL)
		return WN_EINVAL;
	memset(out, 0, sizeof(*out));
	if (fn == NULL || size > MERKLE_SIZE_MAX)
		return WN_EINVAL;
	for (level = 0; level < 64 && (size >> level) != 0; level++) {
		if (((size >> level) & 1) == 0)
			continue;
		/* the subtree for bit L ends where size with bits < L cleared does */
		rc = merkle_node_get(fn, arg, level, (size >> level) - 1,
		                     out->hash[level]);
		if (rc != WN_OK) {
			memset(out, 0, sizeof(*out));
			return rc;
		}
	}
	out->size = size;
	return WN_OK;
}

/*
 * Like incrementing a binary counter: the new leaf merges with the frontier
 * subtree at each level whose bit is set (the carry), completing one new
 * subtree per merge, and lands at the first clear bit. The frontier is only
 * written once every hash and emit has succeeded.
 */
int merkle_frontier_append(struct merkle_frontier *f,
                           const uint8_t leaf[MERKLE_HASH_LEN],
                           merkle_emit_fn emit, void *arg)
{
	uint8_t carry[MERKLE_HASH_LEN];
	uint64_t size;
	unsigned level = 0;
	int rc;

	if (f == NULL || leaf == NULL || f->size > MERKLE_SIZE_MAX)
		return WN_EINVAL;
	if (f->size == MERKLE_SIZE_MAX)
		return WN_ELIMIT;
	size = f->size;
	memcpy(carry, leaf, MERKLE_HASH_LEN);
	for (;;) {
		if (emit != NULL) {
			rc = emit(arg, level, size >> level, carry);
			if (rc != WN_OK)
				return rc > 0 ? WN_EIO : rc;
		}
		/* size < 2^63, so some bit below 63 is clear and this ends */
		if (level >= 63 || ((size >> level) & 1) == 0)
			break;
		rc = merkle_node_hash(f->hash[level], carry, carry);
		if (rc != WN_OK)
			return rc;
		level++;
	}
	/* the merged slots are now clear bits: zero them (see merkle.h) */
	memset(f->hash, 0, (size_t)level * MERKLE_HASH_LEN);
	memcpy(f->hash[level], carry, MERKLE_HASH_LEN);
	f->size = size + 1;
	return WN_OK;
}

int merkle_frontier_root(const struct merkle_frontier *f,
                         uint8_t out[MERKLE_HASH_LEN])
{
	unsigned level;
	int have = 0, rc;

	if (f == NULL || out == NULL || f->size > MERKLE_SIZE_MAX)
		return WN_EINVAL;
	if (f->size == 0) {
		memcpy(out, merkle_empty_root, MERKLE_HASH_LEN);
		return WN_OK;
	}
	/* same fold as merkle_range_hash: smallest subtree first */
	for (level = 0; level < 64 && (f->size >> level) != 0; level++) {
		if (((f->size >> level) & 1) == 0)
			continue;
		if (!have) {
			memcpy(out, f->hash[level], MERKLE_HASH_LEN);
			have = 1;
			continue;
		}
		rc = merkle_node_hash(f->hash[level], out, out);
		if (rc != WN_OK)
			return rc;
	}
	return WN_OK;
}

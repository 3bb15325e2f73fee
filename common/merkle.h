/*
 * merkle.h — Merkle tree hashing, proofs and incremental append for the
 * tamper-evident logs (RFC 9162, Certificate Transparency v2, §2.1, with
 * SHA-256). The module is pure and storage-agnostic: the caller keeps the
 * tree as "perfect subtree" hashes (node (level L, index i) is the hash of
 * the complete subtree over leaves [i*2^L, (i+1)*2^L); level 0 holds leaf
 * hashes) and hands them over through a callback, so the same code serves
 * an in-memory array in tests and SQLite tables in the daemons.
 *
 * Every function returns 0 (WN_OK) or a negative WN_E… code from wijknet.h;
 * results come back through out-parameters. Tree sizes and indexes are
 * limited to MERKLE_SIZE_MAX (what fits a signed SQLite INTEGER); with that
 * bound no proof is longer than MERKLE_PROOF_MAX hashes.
 */
#ifndef WIJKNET_MERKLE_H
#define WIJKNET_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
/* Largest tree size: INT64_MAX, so sizes and indexes fit SQLite integers. */
#define MERKLE_SIZE_MAX ((uint64_t)INT64_MAX)
/* Longest proof: 63 hashes for inclusion, 64 for consistency (the path of
 * the old tree's last subtree plus that subtree itself). */
#define MERKLE_PROOF_MAX 64

/* Hash of the perfect subtree at (level, index) into out; returns 0 or a
 * negative WN_E… code, which the caller gets back unchanged (a positive
 * return is treated as WN_EIO). Only nodes wholly inside the tree size the
 * caller asked about are requested. */
typedef int (*merkle_node_fn)(void *arg, unsigned level, uint64_t index,
                              uint8_t out[MERKLE_HASH_LEN]);

/* Told about a perfect subtree that an append has just completed, so the
 * caller can store it; same return convention as merkle_node_fn. */
typedef int (*merkle_emit_fn)(void *arg, unsigned level, uint64_t index,
                              const uint8_t hash[MERKLE_HASH_LEN]);

/* Roots of the perfect subtrees that make up a tree of `size` leaves:
 * hash[L] is the subtree at level L for each bit L set in size (it covers
 * the 2^L leaves just below size with bits 0..L-1 cleared); slots of clear
 * bits are all zero, so two frontiers of the same tree compare equal. */
struct merkle_frontier {
	uint64_t size;
	uint8_t hash[64][MERKLE_HASH_LEN];
};

/* SHA-256("") — the root of the empty tree (RFC 9162 MTH({})). */
extern const uint8_t merkle_empty_root[MERKLE_HASH_LEN];

/* Leaf hash SHA-256(0x00 || entry). entry may be NULL when len is 0.
 * WN_EINVAL: NULL argument; WN_ECRYPTO: hashing failed. */
int merkle_leaf_hash(const void *entry, size_t len,
                     uint8_t out[MERKLE_HASH_LEN]);

/* Interior node hash SHA-256(0x01 || left || right); out may alias either
 * input. WN_EINVAL: NULL argument; WN_ECRYPTO: hashing failed. */
int merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN],
                     const uint8_t right[MERKLE_HASH_LEN],
                     uint8_t out[MERKLE_HASH_LEN]);

/* Root hash MTH of the first `size` leaves (size 0: merkle_empty_root),
 * from one stored node per bit set in size. WN_EINVAL: NULL fn/out or
 * size > MERKLE_SIZE_MAX; WN_ECRYPTO: hashing failed; or fn's code. */
int merkle_root(merkle_node_fn fn, void *arg, uint64_t size,
                uint8_t out[MERKLE_HASH_LEN]);

/* Inclusion proof PATH(index, D[size]) (RFC 9162 §2.1.3.1): the sibling
 * hashes from the leaf up to the root, *len of them (at most cap) into
 * proof. WN_EINVAL: NULL argument, index >= size or size > MERKLE_SIZE_MAX;
 * WN_ELIMIT: cap too small; WN_ECRYPTO: hashing failed; or fn's code.
 * *len is 0 on every error. */
int merkle_inclusion_proof(merkle_node_fn fn, void *arg, uint64_t index,
                           uint64_t size, uint8_t (*proof)[MERKLE_HASH_LEN],
                           size_t cap, size_t *len);

/* Consistency proof PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1);
 * empty when old_size == new_size. WN_EINVAL: NULL argument, old_size 0,
 * old_size > new_size or new_size > MERKLE_SIZE_MAX; WN_ELIMIT: cap too
 * small; WN_ECRYPTO: hashing failed; or fn's code. *len is 0 on error. */
int merkle_consistency_proof(merkle_node_fn fn, void *arg, uint64_t old_size,
                             uint64_t new_size,
                             uint8_t (*proof)[MERKLE_HASH_LEN], size_t cap,
                             size_t *len);

/* Checks that leaf (a leaf hash) sits at index in the tree of `size` leaves
 * whose root is root, by the RFC 9162 §2.1.3.2 algorithm. proof may be NULL
 * when len is 0. Returns 0 when it verifies; WN_ECRYPTO when the proof
 * does not verify (wrong hashes, wrong length) or hashing failed;
 * WN_EINVAL: NULL argument, index >= size or size > MERKLE_SIZE_MAX. */
int merkle_verify_inclusion(const uint8_t leaf[MERKLE_HASH_LEN],
                            uint64_t index, uint64_t size,
                            const uint8_t (*proof)[MERKLE_HASH_LEN],
                            size_t len, const uint8_t root[MERKLE_HASH_LEN]);

/* Checks that the tree of new_size leaves with root new_root extends the
 * tree of old_size leaves with root old_root, by the RFC 9162 §2.1.4.2
 * algorithm (equal sizes: equal roots and an empty proof). proof may be
 * NULL when len is 0. Returns 0 when it verifies; WN_ECRYPTO when it does
 * not or hashing failed; WN_EINVAL: NULL argument, old_size 0,
 * old_size > new_size or new_size > MERKLE_SIZE_MAX. */
int merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                              const uint8_t old_root[MERKLE_HASH_LEN],
                              const uint8_t new_root[MERKLE_HASH_LEN],
                              const uint8_t (*proof)[MERKLE_HASH_LEN],
                              size_t len);

/* Rebuilds the frontier of a tree of `size` leaves from stored nodes (one
 * fn call per bit set in size), e.g. at start-up. WN_EINVAL: NULL fn/out
 * or size > MERKLE_SIZE_MAX; or fn's code (out is then all zero). */
int merkle_frontier_load(merkle_node_fn fn, void *arg, uint64_t size,
                         struct merkle_frontier *out);

/* Appends the leaf hash leaf to f in O(1) amortised time. emit (may be
 * NULL) is called for every perfect subtree this append completes, lowest
 * first: (0, leaf index, leaf), then (1, …) when the index is odd, and so
 * on. On any error f is left unchanged (nodes emitted before the failing
 * call stay emitted: store them in one transaction). WN_EINVAL: NULL
 * f/leaf or f->size > MERKLE_SIZE_MAX; WN_ELIMIT: the tree is full;
 * WN_ECRYPTO: hashing failed; or emit's code. */
int merkle_frontier_append(struct merkle_frontier *f,
                           const uint8_t leaf[MERKLE_HASH_LEN],
                           merkle_emit_fn emit, void *arg);

/* Root hash of the tree f describes, from the frontier alone (size 0:
 * merkle_empty_root). WN_EINVAL: NULL argument or f->size >
 * MERKLE_SIZE_MAX; WN_ECRYPTO: hashing failed. */
int merkle_frontier_root(const struct merkle_frontier *f,
                         uint8_t out[MERKLE_HASH_LEN]);

#endif

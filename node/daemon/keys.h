/*
 * keys.h — the node's own secrets, kept in a 0600 file beside its database
 * and never sent anywhere: the X25519 sealing key pair, the HMAC key that
 * turns a BSN into the node's local record index, and the key that encrypts
 * BSNs at rest. Generated at first start.
 */
#ifndef WN_NODE_KEYS_H
#define WN_NODE_KEYS_H

#include <stddef.h>
#include <stdint.h>

struct node_keys {
	uint8_t seal_sk[32];
	uint8_t seal_pk[32];
	uint8_t index_key[32];
	uint8_t store_key[32];
};

/* Loads path, or creates it (mode 0600) with fresh keys when the database is
 * empty (in_use: rows it holds that the keys made). A missing file beside a
 * database in use is refused (WN_ECONFIG): fail closed, restore it. Refuses
 * a file that group or others can read. */
int keys_load_or_create(const char *path, long in_use, struct node_keys *out, char *err,
			size_t errcap);

#define KEYS_SEAL_OVERHEAD 28 /* AES-GCM nonce (12) + tag (16) */

/* Encrypts len bytes at rest with the node's store key (AES-256-GCM): out
 * (len + KEYS_SEAL_OVERHEAD bytes) = nonce | ciphertext | tag. aad names what
 * the bytes are, so a ciphertext cannot be passed off as something else. */
int keys_seal(const struct node_keys *k, const char *aad, const void *in, size_t len,
	      uint8_t *out);

/* Decrypts what keys_seal wrote (len includes the overhead) into out
 * (len - KEYS_SEAL_OVERHEAD bytes): 0 or WN_ECRYPTO. */
int keys_open(const struct node_keys *k, const char *aad, const uint8_t *in, size_t len,
	      uint8_t *out);

/* Wipes the keys from memory. */
void keys_wipe(struct node_keys *k);

#endif

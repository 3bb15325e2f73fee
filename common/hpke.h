/*
 * hpke.h — Hybrid Public Key Encryption, base mode (RFC 9180), for sealing a
 * message body to one recipient partner's published sealing key.
 *
 * Fixed suite: DHKEM(X25519, HKDF-SHA256) (kem_id 0x0020), HKDF-SHA256
 * (kdf_id 0x0001), AES-128-GCM (aead_id 0x0001). Single-shot: one message per
 * encapsulation, sequence number 0, so the AEAD nonce is base_nonce.
 *
 * Wire form of a sealed message: enc (32) || ciphertext (ptlen) || tag (16).
 *
 * Every function returns 0 (WN_OK) or a negative WN_E… code from wijknet.h;
 * results come back through out-parameters. A pointer with a zero length
 * (info, aad, pt) may be NULL. Output buffers must not overlap the inputs.
 */
#ifndef WIJKNET_HPKE_H
#define WIJKNET_HPKE_H

#include <stddef.h>
#include <stdint.h>

#define HPKE_KEY_LEN 32      /* X25519 public/private key */
#define HPKE_ENC_LEN 32      /* encapsulated key */
#define HPKE_TAG_LEN 16      /* AES-128-GCM tag */
#define HPKE_OVERHEAD (HPKE_ENC_LEN + HPKE_TAG_LEN)

#define HPKE_SECRET_LEN 32   /* shared_secret (Nsecret) */
#define HPKE_AEAD_KEY_LEN 16 /* AES-128-GCM key (Nk) */
#define HPKE_NONCE_LEN 12    /* AES-128-GCM nonce (Nn) */

/* Generates a fresh X25519 key pair; sk is secret, pk is publishable. */
int hpke_keypair_generate(uint8_t sk[HPKE_KEY_LEN], uint8_t pk[HPKE_KEY_LEN]);

/* Computes the X25519 public key belonging to private key sk. */
int hpke_public_from_private(const uint8_t sk[HPKE_KEY_LEN],
                             uint8_t pk[HPKE_KEY_LEN]);

/* Seals pt to pkR; writes enc||ciphertext||tag (ptlen + HPKE_OVERHEAD bytes) to out. */
int hpke_seal(const uint8_t pkR[HPKE_KEY_LEN],
              const uint8_t *info, size_t infolen,
              const uint8_t *aad, size_t aadlen,
              const uint8_t *pt, size_t ptlen,
              uint8_t *out, size_t outcap, size_t *outlen);

/* Same with a caller-given ephemeral private key (test vectors only). */
int hpke_seal_with_ephemeral(const uint8_t skE[HPKE_KEY_LEN],
                             const uint8_t pkR[HPKE_KEY_LEN],
                             const uint8_t *info, size_t infolen,
                             const uint8_t *aad, size_t aadlen,
                             const uint8_t *pt, size_t ptlen,
                             uint8_t *out, size_t outcap, size_t *outlen);

/* Opens enc||ct||tag with skR; WN_ESEAL when it does not authenticate (wrong key, tampered, wrong aad/info). */
int hpke_open(const uint8_t skR[HPKE_KEY_LEN],
              const uint8_t *info, size_t infolen,
              const uint8_t *aad, size_t aadlen,
              const uint8_t *in, size_t inlen,
              uint8_t *pt, size_t ptcap, size_t *ptlen);

/* Exposes the key schedule for the test vector: shared_secret(32), key(16), base_nonce(12). */
int hpke_setup_base_s_with_ephemeral(const uint8_t skE[HPKE_KEY_LEN],
                                     const uint8_t pkR[HPKE_KEY_LEN],
                                     const uint8_t *info, size_t infolen,
                                     uint8_t enc[HPKE_ENC_LEN],
                                     uint8_t shared_secret[HPKE_SECRET_LEN],
                                     uint8_t key[HPKE_AEAD_KEY_LEN],
                                     uint8_t base_nonce[HPKE_NONCE_LEN]);

/* Frees every thread's cached context of an imported private key (see
 * hpke_open): called when the keys are wiped, once no thread opens any more. */
void hpke_forget_keys(void);

/* How many cached key contexts are alive, for tests. */
size_t hpke_cached_keys(void);

#endif /* WIJKNET_HPKE_H */

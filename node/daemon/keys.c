/*
 * keys.c — node-local key file.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "wijknet.h"
#include "encoding.h"
#include "fileio.h"
#include "hpke.h"
#include "keys.h"
#include "log.h"

static int keys_decode(json_t *root, const char *name, uint8_t out[32])
{
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *s = json_string_value(json_object_get(root, name));
	if (s == NULL || b64_decode(s, 32, &buf, &len) != 0 || len != 32) {
		free(buf);
		return WN_ECONFIG;
	}
	memcpy(out, buf, 32);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return 0;
}

static int keys_create(const char *path, struct node_keys *k)
{
	char *a = NULL, *b = NULL, *c = NULL, *text = NULL;
	int rc = hpke_keypair_generate(k->seal_sk, k->seal_pk);
	if (rc == 0 && (RAND_bytes(k->index_key, 32) != 1 || RAND_bytes(k->store_key, 32) != 1))
		rc = WN_ECRYPTO;
	if (rc != 0) {
		keys_wipe(k);
		return rc;
	}
	if ((rc = b64_encode(k->seal_sk, 32, &a)) == 0 && (rc = b64_encode(k->index_key, 32, &b)) == 0 &&
	    (rc = b64_encode(k->store_key, 32, &c)) == 0) {
		json_t *root = json_pack("{s:i,s:s,s:s,s:s}", "version", 1, "seal_sk", a, "index_key",
					 b, "store_key", c);
		text = json_dumps(root, JSON_INDENT(2));
		json_decref(root);
		rc = text ? file_write_private(path, text, strlen(text)) : WN_ENOMEM;
	}
	char *all[] = { a, b, c, text };
	for (size_t i = 0; i < 4; i++) {
		if (all[i])
			OPENSSL_cleanse(all[i], strlen(all[i]));
		free(all[i]);
	}
	if (rc == 0)
		log_msg(WN_LOG_WARN, "keys_created", "generated new node keys in %s", path);
	else
		keys_wipe(k); /* nothing was kept: no key lives on in memory */
	return rc;
}

int keys_load_or_create(const char *path, long in_use, struct node_keys *out, char *err,
			size_t errcap)
{
	struct stat st;
	memset(out, 0, sizeof(*out));
	if (stat(path, &st) != 0) {
		/* new keys would make every record unfindable and every sealed
		 * secret unreadable: a node that holds data does not start */
		if (in_use > 0) {
			snprintf(err, errcap, "%s: the node key file is missing, but the database holds "
				 "%ld rows made with its keys (records, consents, case keys, logs); "
				 "restore the key file from the backup taken with the database (both "
				 "belong together) and start again; new keys are made only for an empty "
				 "database", path, in_use);
			return WN_ECONFIG;
		}
		int rc = keys_create(path, out);
		if (rc != 0)
			snprintf(err, errcap, "%s: cannot create the node key file: %s", path,
				 wn_strerror(rc));
		return rc;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errcap, "%s: key file is accessible by group or others (mode %03o); "
			 "chmod 600 it", path, (unsigned)(st.st_mode & 0777));
		return WN_ECONFIG;
	}
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(path, 64 * 1024, &text, &len) != 0) {
		snprintf(err, errcap, "%s: cannot read the node key file", path);
		return WN_EIO;
	}
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	OPENSSL_cleanse(text, len);
	free(text);
	int rc = WN_ECONFIG;
	if (root != NULL && keys_decode(root, "seal_sk", out->seal_sk) == 0 &&
	    keys_decode(root, "index_key", out->index_key) == 0 &&
	    keys_decode(root, "store_key", out->store_key) == 0 &&
	    hpke_public_from_private(out->seal_sk, out->seal_pk) == 0)
		rc = 0;
	json_decref(root);
	if (rc != 0) {
		snprintf(err, errcap, "%s: node key file is damaged (expected seal_sk, index_key, "
			 "store_key as base64 of 32 bytes)", path);
		keys_wipe(out);
	}
	return rc;
}

int keys_seal(const struct node_keys *k, const char *aad, const void *in, size_t len,
	      uint8_t *out)
{
	int n = 0, rc = WN_ECRYPTO;
	if (len > INT32_MAX)
		return WN_ETOOBIG;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c == NULL)
		return WN_ENOMEM;
	if (RAND_bytes(out, 12) == 1 &&
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k->store_key, out) == 1 &&
	    EVP_EncryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
	    EVP_EncryptUpdate(c, out + 12, &n, in, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(c, out + 12 + n, &n) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + 12 + len) == 1)
		rc = 0;
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int keys_open(const struct node_keys *k, const char *aad, const uint8_t *in, size_t len,
	      uint8_t *out)
{
	int n = 0, rc = WN_ECRYPTO;
	uint8_t tag[16];
	if (len < KEYS_SEAL_OVERHEAD || len > INT32_MAX)
		return WN_ECRYPTO;
	size_t plen = len - KEYS_SEAL_OVERHEAD;
	memcpy(tag, in + 12 + plen, 16);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c == NULL)
		return WN_ENOMEM;
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, k->store_key, in) == 1 &&
	    EVP_DecryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
	    EVP_DecryptUpdate(c, out, &n, in + 12, (int)plen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1 &&
	    EVP_DecryptFinal_ex(c, out + n, &n) == 1)
		rc = 0;
	else
		OPENSSL_cleanse(out, plen);
	EVP_CIPHER_CTX_free(c);
	return rc;
}

void keys_wipe(struct node_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
	hpke_forget_keys(); /* the imported sealing key, cached per thread */
}

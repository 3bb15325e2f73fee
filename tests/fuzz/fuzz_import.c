/*
 * fuzz_import.c — a partner's records file as the node imports it: each
 * input line parsed as the client does, the chunk validated and staged in a
 * real node database, then dropped; nothing may reach the records table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "wijknet.h"
#include "ids.h"
#include "keys.h"
#include "log.h"
#include "nodedb.h"
#include "../../node/daemon/store.h" /* the node's, not the broker's store.h */

static db *fz_db;
static struct node_keys fz_keys;

static char fz_dir[] = "/tmp/wijknet-fuzz-import-XXXXXX";

/* The scratch directory goes when the fuzzer exits. */
static void fz_cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
}

static void fz_init(void)
{
	char *dir = fz_dir, path[128], err[256];
	if (mkdtemp(dir) == NULL || atexit(fz_cleanup) != 0 || RAND_bytes((uint8_t *)&fz_keys, sizeof(fz_keys)) != 1)
		abort();
	log_set_level(WN_LOG_ERROR);
	snprintf(path, sizeof(path), "%s/node.db", dir);
	if (nodedb_open(path, &fz_db, err, sizeof(err)) != 0)
		abort();
}

static long fz_records(void)
{
	sqlite3_stmt *st = NULL;
	long n = -1;
	db_lock(fz_db);
	if (sqlite3_prepare_v2(db_handle(fz_db), "SELECT COUNT(*) FROM records", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_unlock(fz_db);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[ID_HEX_LEN + 1], err[512];
	if (fz_db == NULL)
		fz_init();
	json_t *lines = json_array();
	size_t start = 0;
	long line = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		json_error_t jerr;
		json_t *rec = json_loadb((const char *)data + start, i - start,
					 JSON_REJECT_DUPLICATES, &jerr);
		line++;
		if (json_is_object(rec))
			json_array_append_new(lines, json_pack("{s:I,s:o}", "line", (json_int_t)line,
							       "record", rec));
		else
			json_decref(rec);
		start = i + 1;
	}
	if (id_generate(id) != 0)
		abort();
	store_import_stage(fz_db, &fz_keys, id, lines, err, sizeof(err));
	store_import_abort(fz_db, id);
	if (fz_records() != 0)
		abort(); /* an aborted import left records behind */
	json_decref(lines);
	return 0;
}

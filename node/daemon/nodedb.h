/*
 * nodedb.h — the node's SQLite database and its versioned migrations.
 */
#ifndef WN_NODE_NODEDB_H
#define WN_NODE_NODEDB_H

#include "db.h"

/* Opens (creating) the node database at path. *out: db_close(). */
int nodedb_open(const char *path, db **out, char *err, size_t errcap);

/* How many rows the database holds that the node's keys made (records,
 * consents, case keys, logs): a key file must not be replaced under them. */
int nodedb_rows_in_use(db *d, long *rows);

#endif

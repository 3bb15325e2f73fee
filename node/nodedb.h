/*
 * nodedb.h — the node's SQLite database and its versioned migrations.
 */
#ifndef WN_NODE_NODEDB_H
#define WN_NODE_NODEDB_H

#include "db.h"

/* Opens (creating) the node database at path. *out: db_close(). */
int nodedb_open(const char *path, db **out, char *err, size_t errcap);

#endif

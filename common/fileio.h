/*
 * fileio.h — whole-file reads with a size bound, and atomic private writes
 * (temp file + fsync + rename) so that a crash never leaves half a key.
 */
#ifndef WN_FILEIO_H
#define WN_FILEIO_H

#include <stddef.h>

/* Reads path into a NUL-terminated malloc'd buffer (caller frees).
 * WN_ETOOBIG if the file exceeds maxlen, WN_EIO if it cannot be read. */
int file_read_all(const char *path, size_t maxlen, char **out, size_t *len);

/* Atomically writes data to path with mode 0600. */
int file_write_private(const char *path, const void *data, size_t len);

/* 1 if path exists. */
int file_exists(const char *path);

#endif

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

/* 1 when path names anything, a symbolic link whose target is missing too:
 * what a start that fails may not remove, since it did not make it. */
int file_entry_exists(const char *path);

/* A private key's file must be the owner's alone: WN_ECONFIG (with err)
 * when group or others may read or write it, WN_EIO when it is missing. */
int file_check_private(const char *path, const char *what, char *err, size_t errcap);

/* Takes the exclusive lock of path (created 0600), held until *fd is
 * closed or the process ends: one daemon per database. WN_ESTATE (with
 * err) when another process holds it. */
int file_lock_exclusive(const char *path, int *fd, char *err, size_t errcap);

/* The same for a database: its lock file is DB_PATH.lock. */
int file_lock_database(const char *db_path, int *fd, char *err, size_t errcap);

/* What a start made (directories, files), so that one that fails takes it
 * away again; what was there before it is never noted. */
#define FILE_MADE_MAX 32
struct file_made {
	size_t n;
	char *path[FILE_MADE_MAX];
};

/* Makes the directories above path (like mkdir -p of its dirname), new ones
 * with mode; an ipc:// URL is taken as its path. Each one made is noted in
 * made (NULL: not noted). 0, or WN_EIO with err. */
int file_make_parent_dirs(const char *path, unsigned mode, struct file_made *made, char *err,
			  size_t errcap);

/* Notes path, made by the caller, in made. 0 or WN_ENOMEM (WN_ELIMIT when
 * made is full: the path is then left behind by file_made_undo). */
int file_made_note(struct file_made *made, const char *path);

/* Notes a database this start made, with its -wal, -shm and -journal (and
 * with lock, its lock file). */
int file_made_note_database(struct file_made *made, const char *db_path, int lock);

/* Removes what made notes, the last made first: a directory only while it
 * is empty, so nothing another put there goes. Then forgets it. */
void file_made_undo(struct file_made *made);

/* Forgets what made notes, removing nothing (the start went on). */
void file_made_forget(struct file_made *made);

/* Takes group and others' access away from an existing file (a database
 * made by an older version, or with a lax umask); 0 when there was none. */
int file_make_private(const char *path);

/* file_make_private of a SQLite database and its -wal, -shm and -journal
 * files, which SQLite makes with the database's mode: called before the
 * database is opened, so that none is made open, and after. */
int file_make_database_private(const char *db_path);

/* A backup's directory: made (0700) when only it is missing, so that a
 * mistyped path is said rather than built. *made is set when this call made
 * it. WN_EINVAL (err says why) when it is not a directory or the path above
 * it does not exist. */
int file_make_backup_dir(const char *dir, int *made, char *err, size_t errcap);

#endif

/*
 * fileio.c — bounded reads and atomic 0600 writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wijknet.h"
#include "fileio.h"

int file_read_all(const char *path, size_t maxlen, char **out, size_t *len)
{
	int rc = WN_EIO;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return WN_EIO;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((size_t)st.st_size > maxlen) {
		rc = WN_ETOOBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int file_write_private(const char *path, const void *data, size_t len)
{
	int rc = WN_EIO;
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	if (tmp == NULL)
		return WN_ENOMEM;
	snprintf(tmp, plen + 16, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	const char *p = data;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(tmp);
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

int file_entry_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int file_check_private(const char *path, const char *what, char *err, size_t errcap)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errcap, "%s: %s cannot be read: %s", path, what, strerror(errno));
		return WN_EIO;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errcap, "%s: %s is open to group or others (mode %03o): it holds a "
			 "private key; chmod 600 it", path, what, (unsigned)(st.st_mode & 0777));
		return WN_ECONFIG;
	}
	return 0;
}

/* file_lock_exclusive, taken again at most retries_left times when the
 * file locked was removed from path meanwhile. */
static int file_lock_exclusive_try(const char *path, int *fd, int retries_left, char *err,
				   size_t errcap)
{
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0) {
		snprintf(err, errcap, "%s: cannot open the lock file: %s", path, strerror(errno));
		return WN_EIO;
	}
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(f);
		snprintf(err, errcap, "%s: %s", path, e == EWOULDBLOCK
			 ? "another daemon runs on this database (it holds this lock); one daemon "
			   "per database"
			 : strerror(e));
		return e == EWOULDBLOCK ? WN_ESTATE : WN_EIO;
	}
	/* a start that failed removes the lock file it made, holding the lock:
	 * a lock taken on a file no longer at path is no lock, so try again */
	struct stat held, now;
	if (fstat(f, &held) != 0 || stat(path, &now) != 0 || held.st_dev != now.st_dev ||
	    held.st_ino != now.st_ino) {
		close(f);
		if (retries_left > 0)
			return file_lock_exclusive_try(path, fd, retries_left - 1, err, errcap);
		snprintf(err, errcap, "%s: the lock file was removed while it was taken; "
			 "another daemon is starting on this database", path);
		return WN_ESTATE;
	}
	*fd = f;
	return 0;
}

int file_lock_exclusive(const char *path, int *fd, char *err, size_t errcap)
{
	return file_lock_exclusive_try(path, fd, 3, err, errcap);
}

int file_make_private(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || (st.st_mode & 077) == 0)
		return 0;
	return chmod(path, st.st_mode & 0700) == 0 ? 0 : WN_EIO;
}

int file_make_database_private(const char *db_path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	int rc = 0;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		char p[4096];
		if ((size_t)snprintf(p, sizeof(p), "%s%s", db_path, suffix[i]) >= sizeof(p))
			return WN_EINVAL;
		if (file_make_private(p) != 0)
			rc = WN_EIO;
	}
	return rc;
}

int file_lock_database(const char *db_path, int *fd, char *err, size_t errcap)
{
	size_t n = strlen(db_path) + 6;
	char *path = malloc(n);
	if (path == NULL)
		return WN_ENOMEM;
	snprintf(path, n, "%s.lock", db_path);
	int rc = file_lock_exclusive(path, fd, err, errcap);
	free(path);
	return rc;
}

int file_made_note(struct file_made *made, const char *path)
{
	if (made == NULL)
		return 0;
	if (made->n >= FILE_MADE_MAX)
		return WN_ELIMIT;
	if ((made->path[made->n] = strdup(path)) == NULL)
		return WN_ENOMEM;
	made->n++;
	return 0;
}

int file_made_note_database(struct file_made *made, const char *db_path, int lock)
{
	static const char *const suffix[] = { ".lock", "", "-wal", "-shm", "-journal" };
	char path[4200];
	int rc = 0;
	for (size_t i = lock ? 0 : 1; rc == 0 && i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db_path, suffix[i]);
		rc = file_made_note(made, path);
	}
	return rc;
}

void file_made_undo(struct file_made *made)
{
	if (made == NULL)
		return;
	while (made->n > 0) {
		char *p = made->path[--made->n];
		(void)remove(p); /* a directory that is not empty stays */
		free(p);
	}
}

void file_made_forget(struct file_made *made)
{
	if (made == NULL)
		return;
	while (made->n > 0)
		free(made->path[--made->n]);
}

int file_make_parent_dirs(const char *path, unsigned mode, struct file_made *made, char *err,
			  size_t errcap)
{
	if (path == NULL)
		return 0;
	if (strncmp(path, "ipc://", 6) == 0)
		path += 6;
	size_t n = strlen(path);
	char *dir = malloc(n + 1);
	if (dir == NULL)
		return WN_ENOMEM;
	memcpy(dir, path, n + 1);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; rc == 0; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char keep = *p;
			*p = '\0';
			if (mkdir(dir, (mode_t)mode) == 0) {
				if ((rc = file_made_note(made, dir)) != 0)
					snprintf(err, errcap, "%s: more directories to make than a "
						 "failed start could take away again", dir);
			} else if (errno != EEXIST) {
				snprintf(err, errcap, "%s: cannot make the directory: %s", dir,
					 strerror(errno));
				rc = WN_EIO;
			}
			*p = keep;
			if (keep == '\0')
				break;
		}
	}
	free(dir);
	return rc;
}

int file_make_backup_dir(const char *dir, int *made, char *err, size_t errcap)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errcap, "%s: not a directory", dir);
		return WN_EINVAL;
	}
	if (mkdir(dir, 0700) == 0) {
		*made = 1;
		return 0;
	}
	snprintf(err, errcap, "%s: cannot make the directory: %s%s", dir, strerror(errno),
		 errno == ENOENT ? " (only its last part is made: does the path above it exist?)"
				 : "");
	return errno == ENOENT || errno == ENOTDIR ? WN_EINVAL : WN_EIO;
}

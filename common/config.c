/*
 * config.c — configuration loading.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wijknet.h"
#include "config.h"
#include "fileio.h"
#include "log.h"

struct config {
	char *path;
	char *dir;
	json_t *root;
};

int config_load(const char *path, config **out, char *err, size_t errcap)
{
	char *text = NULL;
	size_t len = 0;
	int rc = file_read_all(path, 4 << 20, &text, &len);
	if (rc != 0) {
		snprintf(err, errcap, "%s: %s", path,
			 rc == WN_ETOOBIG ? "file too large" : "cannot read file");
		return WN_ECONFIG;
	}
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (root == NULL) {
		snprintf(err, errcap, "%s:%d:%d: invalid JSON: %s", path, jerr.line, jerr.column,
			 jerr.text);
		return WN_ECONFIG;
	}
	if (!json_is_object(root)) {
		snprintf(err, errcap, "%s: expected a JSON object at the top level", path);
		json_decref(root);
		return WN_ECONFIG;
	}
	config *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->path = strdup(path)) == NULL || (c->dir = strdup(path)) == NULL) {
		json_decref(root);
		config_free(c);
		return WN_ENOMEM;
	}
	char *slash = strrchr(c->dir, '/');
	if (slash == NULL)
		strcpy(c->dir, ".");
	else if (slash == c->dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	c->root = root;
	*out = c;
	return 0;
}

void config_free(config *c)
{
	if (c == NULL)
		return;
	json_decref(c->root);
	free(c->path);
	free(c->dir);
	free(c);
}

json_t *config_root(config *c)
{
	return c->root;
}

const char *config_file(config *c)
{
	return c->path;
}

int config_check(config *c, const json_t *obj, const char *where,
		 const struct schema_field *fields, char *err, size_t errcap)
{
	char detail[256];
	int rc = schema_check(obj, fields, detail, sizeof(detail));
	/* keys whose 0 would stop a daemon: every message outside the window,
	 * or nobody to answer */
	static const char *const positive[] = { "skew_seconds", "workers" };
	for (size_t i = 0; rc == 0 && where == NULL && i < sizeof(positive) / sizeof(positive[0]);
	     i++) {
		const json_t *v = json_object_get(obj, positive[i]);
		if (json_is_integer(v) && json_integer_value(v) < 1) {
			snprintf(detail, sizeof(detail), "key '%s': at least 1", positive[i]);
			rc = WN_ECONFIG;
		}
	}
	if (rc == 0)
		return 0;
	if (where != NULL)
		snprintf(err, errcap, "%s: in '%s': %s", c->path, where, detail);
	else
		snprintf(err, errcap, "%s: %s", c->path, detail);
	return WN_ECONFIG;
}

const char *config_str(const json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : def;
}

int64_t config_int(const json_t *obj, const char *key, int64_t def)
{
	json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

char *config_path(config *c, const char *value)
{
	if (value == NULL)
		return NULL;
	if (value[0] == '/')
		return strdup(value);
	size_t n = strlen(c->dir) + strlen(value) + 2;
	char *p = malloc(n);
	if (p != NULL)
		snprintf(p, n, "%s/%s", c->dir, value);
	return p;
}

int config_check_log_level(config *c, char *err, size_t errcap)
{
	const char *level = config_str(config_root(c), "log_level", NULL);
	if (level == NULL || log_level_known(level))
		return 0;
	snprintf(err, errcap, "%s: key 'log_level': '%s' is not a level (debug, info, warn or "
		 "error)", config_file(c), level);
	return WN_ECONFIG;
}

int daemon_log_file(config *cfg, char *err, size_t errcap)
{
	const char *v = cfg ? config_str(config_root(cfg), "log_file", NULL) : NULL;
	if (v == NULL)
		return log_reopen(NULL, err, errcap);
	char *full = config_path(cfg, v);
	if (full == NULL) {
		snprintf(err, errcap, "out of memory");
		return WN_ENOMEM;
	}
	/* not undone when a start fails: the log says why */
	int rc = file_make_parent_dirs(full, 0700, NULL, err, errcap);
	if (rc == 0)
		rc = log_reopen(full, err, errcap);
	free(full);
	return rc;
}

/* Why path cannot serve as wanted (S_IFREG or S_IFDIR, with access mode),
 * or NULL when it can. */
static const char *config_unfit(const char *path, mode_t type, int mode, char *why, size_t cap)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(why, cap, "%s", strerror(errno));
		return why;
	}
	if ((st.st_mode & S_IFMT) != type) {
		snprintf(why, cap, "is not a %s", type == S_IFDIR ? "directory" : "file");
		return why;
	}
	if (access(path, mode) != 0) {
		snprintf(why, cap, "cannot be %s: %s", (mode & W_OK) ? "written" : "read",
			 strerror(errno));
		return why;
	}
	return NULL;
}

int config_check_readable(config *c, const char *key, const char *path, char *err,
			  size_t errcap)
{
	char why[160];
	if (path == NULL || config_unfit(path, S_IFREG, R_OK, why, sizeof(why)) == NULL)
		return 0;
	snprintf(err, errcap, "%s: key '%s': %s: %s", c->path, key, path, why);
	return WN_ECONFIG;
}

int config_check_dir(config *c, const char *key, const char *path, char *err, size_t errcap)
{
	char why[160];
	if (path == NULL || config_unfit(path, S_IFDIR, R_OK | W_OK | X_OK, why, sizeof(why)) == NULL)
		return 0;
	snprintf(err, errcap, "%s: key '%s': %s: %s", c->path, key, path, why);
	return WN_ECONFIG;
}

/* An entry can be made in dir, found by making a directory of a name no
 * one else uses there and taking it away again: what the file system
 * refuses (a read-only or virtual one, where access() says yes) is found
 * as the start would find it, and nothing another daemon starting beside
 * this one makes or uses is touched. NULL, or why not. */
static const char *config_try_make_in(const char *dir, int subdir, char *why, size_t cap)
{
	char probe[4200];
	snprintf(probe, sizeof(probe), "%s/.wijknet-check-XXXXXX", dir);
	/* a file where only the entry itself is made: a policy may allow files
	 * (a database, a socket) where it allows no directories */
	if (!subdir) {
		int fd = mkstemp(probe);
		if (fd < 0) {
			snprintf(why, cap, "refuses a new file: %s", strerror(errno));
			return why;
		}
		close(fd);
		(void)unlink(probe);
		return NULL;
	}
	if (mkdtemp(probe) == NULL) {
		snprintf(why, cap, "refuses a new directory: %s", strerror(errno));
		return why;
	}
	(void)rmdir(probe);
	return NULL;
}

int config_check_writable(config *c, const char *key, const char *path, char *err,
			  size_t errcap)
{
	char why[160];
	if (path == NULL)
		return 0;
	if (access(path, F_OK) == 0) {
		if (config_unfit(path, S_IFREG, R_OK | W_OK, why, sizeof(why)) == NULL)
			return 0;
		snprintf(err, errcap, "%s: key '%s': %s: %s", c->path, key, path, why);
		return WN_ECONFIG;
	}
	return config_check_dirs(c, key, path, err, errcap);
}

int config_check_dirs(config *c, const char *key, const char *path, char *err, size_t errcap)
{
	char why[160];
	if (path == NULL)
		return 0;
	if (strncmp(path, "ipc://", 6) == 0)
		path += 6;
	/* the start makes the missing directories below the nearest one there is */
	char *dir = strdup(path);
	if (dir == NULL)
		return WN_ENOMEM;
	char *slash;
	int up = 0; /* directories above the entry that are missing */
	while ((slash = strrchr(dir, '/')) != NULL) {
		slash[slash == dir ? 1 : 0] = '\0';
		if (access(dir, F_OK) == 0 || slash == dir)
			break;
		up++;
	}
	if (slash == NULL)
		strcpy(dir, ".");
	int rc = 0;
	if (config_unfit(dir, S_IFDIR, W_OK | X_OK, why, sizeof(why)) != NULL ||
	    config_try_make_in(dir, up > 0, why, sizeof(why)) != NULL) {
		snprintf(err, errcap, "%s: key '%s': %s cannot be made: %s %s", c->path, key, path,
			 dir, why);
		rc = WN_ECONFIG;
	}
	free(dir);
	return rc;
}

int config_check_program(config *c, const char *key, const char *name, char *err,
			 size_t errcap)
{
	if (name == NULL)
		return 0;
	/* as posix_spawnp finds it: a name with a slash as it is, else on PATH */
	if (strchr(name, '/') != NULL) {
		if (access(name, X_OK) == 0)
			return 0;
		snprintf(err, errcap, "%s: key '%s': %s cannot be run: %s", c->path, key, name,
			 strerror(errno));
		return WN_ECONFIG;
	}
	const char *path = getenv("PATH");
	char full[4096];
	for (const char *p = path ? path : "/usr/bin:/bin"; p != NULL;) {
		const char *end = strchr(p, ':');
		int n = end ? (int)(end - p) : (int)strlen(p);
		snprintf(full, sizeof(full), "%.*s/%s", n, n ? p : ".", name);
		if (access(full, X_OK) == 0)
			return 0;
		p = end ? end + 1 : NULL;
	}
	snprintf(err, errcap, "%s: key '%s': '%.200s' is not a program on the PATH", c->path, key,
		 name);
	return WN_ECONFIG;
}

/*
 * config.h — JSON configuration files with precise errors: every message
 * names the file, the key and what was expected. Relative paths in a config
 * are resolved against the directory of the config file.
 */
#ifndef WN_CONFIG_H
#define WN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "schema.h"

typedef struct config config;

/* Parses path. On error err reads "FILE:LINE:COL: …". *out: config_free(). */
int config_load(const char *path, config **out, char *err, size_t errcap);
void config_free(config *c);

json_t *config_root(config *c);
const char *config_file(config *c);

/* Validates obj (the root or a nested object called `where`) against fields;
 * err reads "FILE: in 'where': field 'x': expected a string". */
int config_check(config *c, const json_t *obj, const char *where,
		 const struct schema_field *fields, char *err, size_t errcap);

/* String value of key or def. Borrowed. */
const char *config_str(const json_t *obj, const char *key, const char *def);
int64_t config_int(const json_t *obj, const char *key, int64_t def);

/* Resolves a path value against the config file's directory; NULL if value
 * is NULL. Malloc'd (caller frees). */
char *config_path(config *c, const char *value);

/* What --check finds before a start would: the file a key names can be read
 * (readable), the directory it names read, written and searched (dir), the
 * file the daemon writes read and written, or made below the nearest
 * directory there is, which is tried by making and removing a directory of
 * its own there (writable), the program run found as posix_spawnp
 * would (program). path NULL: not configured, 0. Otherwise WN_ECONFIG with
 * err naming the config, the key, the path and why. */
int config_check_readable(config *c, const char *key, const char *path, char *err,
			  size_t errcap);
int config_check_dir(config *c, const char *key, const char *path, char *err, size_t errcap);
int config_check_writable(config *c, const char *key, const char *path, char *err,
			  size_t errcap);
/* The directories above path (an ipc:// URL: its path) can be made below
 * the nearest one there is, as the start makes them. */
int config_check_dirs(config *c, const char *key, const char *path, char *err, size_t errcap);
int config_check_program(config *c, const char *key, const char *name, char *err,
			 size_t errcap);

/* WN_ECONFIG, err naming the key, when the config's "log_level" is not a
 * level: a start and a reload refuse the whole config alike. */
int config_check_log_level(config *c, char *err, size_t errcap);

/* Points the daemon's log at the config's "log_file" (relative to the
 * config's directory), or, with cfg NULL or no such key, opens the file in
 * use again; standard error stays when there is none. 0 or WN_EIO. */
int daemon_log_file(config *cfg, char *err, size_t errcap);

#endif

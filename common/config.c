/*
 * config.c — configuration loading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int rc = file_make_parent_dirs(full, 0700, err, errcap);
	if (rc == 0)
		rc = log_reopen(full, err, errcap);
	free(full);
	return rc;
}

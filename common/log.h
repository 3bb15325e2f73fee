/*
 * log.h — structured logging: one JSON object per line on stderr, so that
 * operators can ship daemon logs to any collector without parsing prose.
 */
#ifndef WN_LOG_H
#define WN_LOG_H

#include <stddef.h>

#include <jansson.h>

enum log_level { WN_LOG_DEBUG = 0, WN_LOG_INFO, WN_LOG_WARN, WN_LOG_ERROR };

/* Names the emitting component ("broker", "node") and partner id. */
void log_init(const char *component, const char *self_id);

/* Whether WIJKNET_LOG_LEVEL, when set and not empty, names a level: 0, or
 * WN_ECONFIG with err naming the variable, its value and the levels. A
 * daemon refuses to start on it rather than log at a level nobody asked. */
int log_check_env(char *err, size_t errcap);

/* 1 when name is one of "debug", "info", "warn", "error". */
int log_level_known(const char *name);

/* Sets the lowest level written; from "debug", "info", "warn", "error". */
int log_set_level_name(const char *name);
void log_set_level(enum log_level level);

/* The level of a config: its log_level when it has one, else
 * WIJKNET_LOG_LEVEL, else info, at a start and at every reload alike.
 * 0, or -1 (level unchanged) when name is no level. */
int log_set_level_config(const char *name);

/* Writes the log to path (appended, 0600) instead of the inherited standard
 * error, and remembers it; 0 or WN_EIO (err says why). */
int log_to_file(const char *path, char *err, size_t errcap);

/* 1 when the log goes to a file of log_to_file(), not to the inherited
 * standard error. */
int log_in_file(void);

/* Opens the remembered file again (SIGHUP, after logrotate moved it): path
 * NULL keeps the current one, another path switches to it. 0 when there is
 * no file or it was opened again, else WN_EIO. */
int log_reopen(const char *path, char *err, size_t errcap);

/* Writes {"ts","level","component","self","event", ...fields}. Takes
 * ownership of fields (may be NULL). */
void log_emit(enum log_level level, const char *event, json_t *fields);

/* Convenience: fields {"msg": formatted text}. */
void log_msg(enum log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

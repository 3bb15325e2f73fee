/*
 * log.c — JSON-lines logger. Each line is built in memory and written with a
 * single write(2) so that lines from concurrent threads never interleave.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wijknet.h"
#include "log.h"
#include "ids.h"

static char log_component[32] = "wijknet";
static char log_self[64] = "";
static enum log_level log_min = WN_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_init(const char *component, const char *self_id)
{
	snprintf(log_component, sizeof(log_component), "%s", component ? component : "wijknet");
	snprintf(log_self, sizeof(log_self), "%s", self_id ? self_id : "");
	const char *env = getenv("WIJKNET_LOG_LEVEL");
	if (env != NULL)
		(void)log_set_level_name(env);
}

int log_check_env(char *err, size_t errcap)
{
	const char *env = getenv("WIJKNET_LOG_LEVEL");
	if (env == NULL || env[0] == '\0')
		return 0;
	for (int i = 0; i < 4; i++)
		if (strcmp(env, level_names[i]) == 0)
			return 0;
	snprintf(err, errcap, "environment variable WIJKNET_LOG_LEVEL: '%.32s' is not a log "
		 "level: expected debug, info, warn or error", env);
	return WN_ECONFIG;
}

static char log_path[4096];

int log_to_file(const char *path, char *err, size_t errcap)
{
	if (path == NULL || strlen(path) >= sizeof(log_path)) {
		snprintf(err, errcap, "log file name missing or too long");
		return WN_EIO;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errcap, "cannot open log file %s: %s", path, strerror(errno));
		return WN_EIO;
	}
	/* lines are single write(2)s to fd 2, so swapping it under them is safe */
	pthread_mutex_lock(&log_lock);
	int rc = dup2(fd, STDERR_FILENO) < 0 ? WN_EIO : 0;
	if (rc == 0)
		snprintf(log_path, sizeof(log_path), "%s", path);
	pthread_mutex_unlock(&log_lock);
	if (rc != 0)
		snprintf(err, errcap, "cannot write the log to %s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

int log_in_file(void)
{
	pthread_mutex_lock(&log_lock);
	int in_file = log_path[0] != '\0';
	pthread_mutex_unlock(&log_lock);
	return in_file;
}

int log_reopen(const char *path, char *err, size_t errcap)
{
	char cur[sizeof(log_path)];
	pthread_mutex_lock(&log_lock);
	snprintf(cur, sizeof(cur), "%s", log_path);
	pthread_mutex_unlock(&log_lock);
	if (path == NULL && cur[0] == '\0')
		return 0;
	return log_to_file(path != NULL ? path : cur, err, errcap);
}

void log_set_level(enum log_level level)
{
	log_min = level;
}

int log_level_known(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name != NULL && strcmp(name, level_names[i]) == 0)
			return 1;
	return 0;
}

int log_set_level_name(const char *name)
{
	for (int i = 0; i < 4; i++) {
		if (name != NULL && strcmp(name, level_names[i]) == 0) {
			log_min = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int log_set_level_config(const char *name)
{
	if (name != NULL)
		return log_set_level_name(name);
	/* a reload of a config without the key keeps what the daemon was
	 * started with, not info */
	if (log_set_level_name(getenv("WIJKNET_LOG_LEVEL")) != 0)
		log_set_level(WN_LOG_INFO);
	return 0;
}

void log_emit(enum log_level level, const char *event, json_t *fields)
{
	if (level < log_min) {
		json_decref(fields);
		return;
	}
	json_t *line = json_object();
	if (line == NULL) {
		json_decref(fields);
		return;
	}
	char ts[40];
	time_format_iso(time_now_ms(), ts, sizeof(ts));
	json_object_set_new(line, "ts", json_string(ts));
	json_object_set_new(line, "level", json_string(level_names[level]));
	json_object_set_new(line, "component", json_string(log_component));
	if (log_self[0])
		json_object_set_new(line, "self", json_string(log_self));
	json_object_set_new(line, "event", json_string(event ? event : "log"));
	if (fields != NULL && json_is_object(fields))
		json_object_update_missing(line, fields);
	json_decref(fields);
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	if (text == NULL)
		return;
	size_t n = strlen(text);
	text[n] = '\n';
	pthread_mutex_lock(&log_lock);
	ssize_t off = 0;
	while ((size_t)off < n + 1) {
		ssize_t w = write(STDERR_FILENO, text + off, n + 1 - (size_t)off);
		if (w <= 0)
			break;
		off += w;
	}
	pthread_mutex_unlock(&log_lock);
	free(text);
}

void log_msg(enum log_level level, const char *event, const char *fmt, ...)
{
	if (level < log_min)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_emit(level, event, json_pack("{s:s}", "msg", buf));
}

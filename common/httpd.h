/*
 * httpd.h — a daemon's loopback HTTP endpoint for its operator, served by
 * libmicrohttpd: GET /metrics (Prometheus text) and GET /healthz (200 "ok",
 * or 503 with the reason). Nothing else is served; nothing is written.
 */
#ifndef WN_HTTPD_H
#define WN_HTTPD_H

#include <stddef.h>
#include <stdio.h>

typedef struct httpd httpd;

struct httpd_hooks {
	void *arg;
	/* the daemon's own gauges, after the message counters */
	void (*gauges)(void *arg, FILE *out);
	/* 0 when healthy, else a reason written to why */
	int (*health)(void *arg, char *why, size_t cap);
};

/* Parses "HOST:PORT" (a loopback address: 127.0.0.1, ::1 or localhost);
 * WN_ECONFIG with err otherwise. */
int httpd_parse_address(const char *spec, char *host, size_t hostcap, int *port, char *err,
			size_t errcap);

/* Checks a config's "metrics" key, when it has one: 0 or WN_ECONFIG. */
#include "config.h"
int observe_check_config(config *cfg, char *err, size_t errcap);

/* Starts serving on spec; *out: httpd_stop(). */
int httpd_start(const char *spec, const struct httpd_hooks *hooks, httpd **out, char *err,
		size_t errcap);
void httpd_stop(httpd *h);

#endif

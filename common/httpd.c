/*
 * httpd.c — the operator's loopback endpoint (/metrics, /healthz) on
 * libmicrohttpd, which does the HTTP; this file only answers two paths.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "wijknet.h"
#include "config.h"
#include "httpd.h"
#include "metrics.h"

struct httpd {
	struct MHD_Daemon *d;
	struct httpd_hooks hooks;
};

int httpd_parse_address(const char *spec, char *host, size_t hostcap, int *port, char *err,
			size_t errcap)
{
	const char *colon = spec ? strrchr(spec, ':') : NULL;
	char *end = NULL;
	long p = colon ? strtol(colon + 1, &end, 10) : 0;
	size_t hlen = colon ? (size_t)(colon - spec) : 0;
	if (colon == NULL || end == colon + 1 || *end != '\0' || p < 1 || p > 65535 || hlen == 0 ||
	    hlen >= hostcap) {
		snprintf(err, errcap, "key 'metrics': expected HOST:PORT on loopback, e.g. "
			 "127.0.0.1:9464");
		return WN_ECONFIG;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	if (strcmp(host, "localhost") == 0)
		snprintf(host, hostcap, "127.0.0.1");
	/* the operator's view of the daemon is not for the network */
	if (strncmp(host, "127.", 4) != 0 && strcmp(host, "::1") != 0) {
		snprintf(err, errcap, "key 'metrics': %s is not a loopback address; the endpoint "
			 "serves the local operator only", host);
		return WN_ECONFIG;
	}
	*port = (int)p;
	return 0;
}

static enum MHD_Result httpd_send(struct MHD_Connection *conn, unsigned int status,
				  const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
								 MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result httpd_answer(void *cls, struct MHD_Connection *conn, const char *url,
				    const char *method, const char *version,
				    const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct httpd *h = cls;
	char *buf = NULL;
	size_t len = 0;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) { /* the headers first; the answer on the next call */
		*con_cls = h;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0; /* a body is not read: GET only */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return httpd_send(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				  strdup("GET only\n"), 9);
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return MHD_NO;
	unsigned int status = MHD_HTTP_OK;
	const char *type = "text/plain; charset=utf-8";
	if (strcmp(url, "/metrics") == 0) {
		type = "text/plain; version=0.0.4; charset=utf-8";
		metrics_render(f);
		if (h->hooks.gauges != NULL)
			h->hooks.gauges(h->hooks.arg, f);
	} else if (strcmp(url, "/healthz") == 0) {
		char why[256] = "";
		if (h->hooks.health != NULL && h->hooks.health(h->hooks.arg, why, sizeof(why)) != 0) {
			status = MHD_HTTP_SERVICE_UNAVAILABLE;
			fprintf(f, "unhealthy: %s\n", why);
		} else {
			fputs("ok\n", f);
		}
	} else {
		status = MHD_HTTP_NOT_FOUND;
		fputs("/metrics or /healthz\n", f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return MHD_NO;
	}
	return httpd_send(conn, status, type, buf, len);
}

int httpd_start(const char *spec, const struct httpd_hooks *hooks, httpd **out, char *err,
		size_t errcap)
{
	char host[64];
	int port = 0;
	int rc = httpd_parse_address(spec, host, sizeof(host), &port, err, errcap);
	if (rc != 0)
		return rc;
	struct httpd *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return WN_ENOMEM;
	h->hooks = *hooks;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		rc = inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 ? 0 : WN_ECONFIG;
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		rc = inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : WN_ECONFIG;
	}
	if (rc != 0) {
		snprintf(err, errcap, "key 'metrics': '%s' is not an address", host);
		free(h);
		return rc;
	}
	h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, httpd_answer, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)8,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errcap, "key 'metrics': cannot listen on %s (in use?)", spec);
		free(h);
		return WN_ETRANSPORT;
	}
	*out = h;
	return 0;
}

void httpd_stop(httpd *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}

int observe_check_config(config *cfg, char *err, size_t errcap)
{
	const char *spec = config_str(config_root(cfg), "metrics", NULL);
	char host[64], why[200];
	int port = 0;
	if (spec == NULL)
		return 0;
	int rc = httpd_parse_address(spec, host, sizeof(host), &port, why, sizeof(why));
	if (rc != 0)
		snprintf(err, errcap, "%s: %s", config_file(cfg), why);
	return rc;
}

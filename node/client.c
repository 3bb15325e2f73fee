/*
 * client.c — libwijknet: the integrator's C API. Each call is one JSON
 * request/reply with the local node over its ipc:// socket; the node does
 * all signing, sealing and routing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "wijknet.h"
#include "client.h"
#include "error.h"

struct wn_client {
	nng_socket sock;
	int timeout_ms;
	char errmsg[512];
};

int wn_client_open(wn_client **out, const char *url)
{
	if (out == NULL || url == NULL || strncmp(url, "ipc://", 6) != 0)
		return WN_EINVAL;
	wn_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return WN_ENOMEM;
	c->timeout_ms = 10000;
	int rv = nng_req0_open(&c->sock);
	if (rv != 0) {
		free(c);
		return WN_ETRANSPORT;
	}
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 64 * 1024 * 1024);
	if ((rv = nng_dial(c->sock, url, NULL, 0)) != 0) {
		nng_close(c->sock);
		free(c);
		return rv == NNG_ECONNREFUSED || rv == NNG_ENOENT ? WN_EUNAVAILABLE : WN_ETRANSPORT;
	}
	*out = c;
	return 0;
}

int wn_client_set_timeout(wn_client *c, int timeout_ms)
{
	if (c == NULL || timeout_ms <= 0)
		return WN_EINVAL;
	c->timeout_ms = timeout_ms;
	return 0;
}

const char *wn_client_errmsg(const wn_client *c)
{
	return c ? c->errmsg : "";
}

void wn_client_close(wn_client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	free(c);
}

int client_call(wn_client *c, json_t *req, json_t **result)
{
	char *text = NULL;
	nng_msg *msg = NULL;
	int rv, rc;
	if (c == NULL || req == NULL)
		return WN_EINVAL;
	c->errmsg[0] = '\0';
	text = json_dumps(req, JSON_COMPACT);
	if (text == NULL)
		return WN_ENOMEM;
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, c->timeout_ms);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, c->timeout_ms);
	if ((rv = nng_send(c->sock, text, strlen(text), 0)) != 0 ||
	    (rv = nng_recvmsg(c->sock, &msg, 0)) != 0) {
		free(text);
		snprintf(c->errmsg, sizeof(c->errmsg), "local node: %s", nng_strerror(rv));
		return rv == NNG_ETIMEDOUT ? WN_ETIMEOUT : WN_EUNAVAILABLE;
	}
	free(text);
	json_error_t jerr;
	json_t *reply = json_loadb(nng_msg_body(msg), nng_msg_len(msg), 0, &jerr);
	nng_msg_free(msg);
	if (!json_is_object(reply)) {
		json_decref(reply);
		snprintf(c->errmsg, sizeof(c->errmsg), "local node sent a malformed reply");
		return WN_EPROTO;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		rc = error_from_name(json_string_value(json_object_get(reply, "error")));
		snprintf(c->errmsg, sizeof(c->errmsg), "%s",
			 json_string_value(json_object_get(reply, "message"))
				 ? json_string_value(json_object_get(reply, "message"))
				 : wn_strerror(rc));
		json_decref(reply);
		return rc;
	}
	*result = json_incref(json_object_get(reply, "result"));
	json_decref(reply);
	return *result ? 0 : WN_EPROTO;
}

/* Strings of a list live in one arena freed with the list. */
struct partner_list_impl {
	wn_partner_list pub;
	json_t *keep; /* the parsed reply owns the strings */
};

static const char *str_or(json_t *o, const char *k, const char *def)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : def;
}

static int client_partner_list(json_t *result, int health, wn_partner_list **out)
{
	json_t *arr = json_object_get(result, "partners");
	size_t n = json_array_size(arr);
	struct partner_list_impl *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return WN_ENOMEM;
	l->pub.items = calloc(n ? n : 1, sizeof(wn_partner));
	if (l->pub.items == NULL) {
		free(l);
		return WN_ENOMEM;
	}
	l->keep = json_incref(result);
	l->pub.count = n;
	l->pub.self = str_or(result, "self", "");
	l->pub.broker = str_or(result, "broker", "");
	l->pub.broker_up = health ? json_is_true(json_object_get(result, "broker_up")) : 1;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		wn_partner *p = &l->pub.items[i];
		p->id = str_or(e, "id", "");
		p->name = str_or(e, "name", "");
		p->address = str_or(e, "address", "");
		p->status = str_or(e, "status", "");
		p->state = health ? str_or(e, "state", "down") : "";
		p->has_seal_key = json_is_true(json_object_get(e, "seal_key"));
		json_t *rtt = json_object_get(e, "rtt_us");
		p->rtt_ms = json_is_integer(rtt) && json_integer_value(rtt) >= 0
				    ? (double)json_integer_value(rtt) / 1000.0
				    : -1;
	}
	*out = &l->pub;
	return 0;
}

static int client_list_op(wn_client *c, const char *op, int health, wn_partner_list **out)
{
	if (c == NULL || out == NULL)
		return WN_EINVAL;
	json_t *req = json_pack("{s:s}", "op", op), *result = NULL;
	int rc = client_call(c, req, &result);
	json_decref(req);
	if (rc == 0)
		rc = client_partner_list(result, health, out);
	json_decref(result);
	return rc;
}

int wn_health(wn_client *c, wn_partner_list **out)
{
	return client_list_op(c, "health", 1, out);
}

int wn_directory(wn_client *c, wn_partner_list **out)
{
	return client_list_op(c, "directory", 0, out);
}

void wn_partner_list_free(wn_partner_list *l)
{
	if (l == NULL)
		return;
	struct partner_list_impl *impl = (struct partner_list_impl *)l;
	json_decref(impl->keep);
	free(l->items);
	free(impl);
}

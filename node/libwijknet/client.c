/*
 * client.c — libwijknet: the integrator's C API. Each call is one JSON
 * request/reply with the local node over its ipc:// socket; the node does
 * all signing, sealing and routing.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#include "wijknet.h"
#include "client.h"
#include "error.h"
#include "transport.h"

/* One connection to the local node. Calls from several threads are made
 * one at a time (a REQ socket has one request in flight); each call's
 * error message is kept for the client and the thread that made it. */
struct wn_client {
	nng_socket sock;
	atomic_int timeout_ms; /* set without call_lock: a call in flight keeps its own */
	pthread_mutex_t call_lock;
	struct client_msgs *msgs;
	char *url;    /* the node's socket */
	int dialled;  /* connected; a deferred client dials at its first call */
	nng_dialer dialer;
	atomic_int pipes; /* connections to the node now */
	atomic_int lost;  /* the last one closed: the node went away */
	pthread_mutex_t inflight_lock; /* guards inflight against the pipe event */
	nng_aio *inflight;             /* the call's send or receive, or NULL */
};

/* Why the calling thread's last wn_client_open() or wn_client_open_deferred()
 * failed: with no client made, wn_client_errmsg(NULL) gives it. */
static _Thread_local char open_msg[CLIENT_ERRMSG_LEN];

/* Where the calling thread's message on c is written; a scratch buffer
 * when there is no slot (memory ran out), so writers need not check. */
static char *client_errbuf(const wn_client *c)
{
	static _Thread_local char scratch[CLIENT_ERRMSG_LEN];
	char *t = c != NULL ? client_msgs_slot(c->msgs, 1) : NULL;
	return t != NULL ? t : scratch;
}

/* A new call on c: the calling thread's earlier message on it is gone. */
static void client_errclear(const wn_client *c)
{
	char *t = c != NULL ? client_msgs_slot(c->msgs, 0) : NULL;
	if (t != NULL)
		t[0] = '\0';
}

/* Frees c's lock, messages and c itself; the socket is closed before. */
static void client_free(wn_client *c)
{
	free(c->url);
	client_msgs_free(c->msgs);
	pthread_mutex_destroy(&c->call_lock);
	pthread_mutex_destroy(&c->inflight_lock);
	free(c);
}

/* Counts c's connections, so that a call after the node went away is told
 * at once, rather than waiting out its timeout for the dialer's retry; a
 * call in flight is ended too, since the REQ socket would hold its request
 * for a connection to come. */
static void client_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	wn_client *c = arg;
	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&c->pipes, 1);
		atomic_store(&c->lost, 0);
	} else if (atomic_fetch_sub(&c->pipes, 1) <= 1) {
		atomic_store(&c->lost, 1);
		pthread_mutex_lock(&c->inflight_lock);
		if (c->inflight != NULL)
			nng_aio_abort(c->inflight, NNG_ECONNSHUT);
		pthread_mutex_unlock(&c->inflight_lock);
	}
}

/* ipc://PATH with a path a socket can have: anything else is refused now,
 * not found out at the first call. */
static int client_url_valid(const char *url)
{
	size_t n = url != NULL && strncmp(url, "ipc://", 6) == 0 ? strlen(url + 6) : 0;
	return n > 0 && n < sizeof(((struct sockaddr_un *)0)->sun_path);
}

/* A client of the node at url with its socket open, not dialled yet; on
 * failure the thread's open_msg says why. */
static int client_new(const char *url, wn_client **out)
{
	int rv;
	open_msg[0] = '\0';
	if (out == NULL) {
		snprintf(open_msg, sizeof(open_msg), "argument out is missing (NULL)");
		return WN_EINVAL;
	}
	*out = NULL;
	if (!client_url_valid(url)) {
		snprintf(open_msg, sizeof(open_msg), "argument url: '%.400s' is not ipc://PATH with "
			 "a PATH of 1 to 107 bytes", url != NULL ? url : "(NULL)");
		return WN_EINVAL;
	}
	snprintf(open_msg, sizeof(open_msg), "out of memory");
	wn_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return WN_ENOMEM;
	atomic_init(&c->timeout_ms, 10000);
	pthread_mutex_init(&c->call_lock, NULL);
	pthread_mutex_init(&c->inflight_lock, NULL);
	if (client_msgs_new(&c->msgs) != 0 || (c->url = strdup(url)) == NULL) {
		client_free(c);
		return WN_ENOMEM;
	}
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		snprintf(open_msg, sizeof(open_msg), "cannot open a socket for the node at %.400s: "
			 "%s", url, nng_strerror(rv));
		client_free(c);
		return WN_ETRANSPORT;
	}
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 64 * 1024 * 1024);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, client_pipe_event, c);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, client_pipe_event, c);
	open_msg[0] = '\0';
	*out = c;
	return 0;
}

/* Connects c to its node once, and again when the node went away (its
 * dialer would only retry in the background); the message names the socket
 * when nobody listens there. Called under call_lock, or before c is shared. */
static int client_dial(wn_client *c)
{
	if (c->dialled && !atomic_load(&c->lost))
		return 0;
	if (c->dialled) {
		nng_dialer_close(c->dialer);
		c->dialled = 0;
		atomic_store(&c->lost, 0);
	}
	int rv = nng_dial(c->sock, c->url, &c->dialer, 0);
	if (rv != 0) {
		snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "cannot reach the node at %.400s: %s",
			 c->url, nng_strerror(rv));
		return rv == NNG_ECONNREFUSED || rv == NNG_ENOENT ? WN_EUNAVAILABLE : WN_ETRANSPORT;
	}
	c->dialled = 1;
	return 0;
}

int wn_client_open(wn_client **out, const char *url)
{
	int rc = client_new(url, out);
	if (rc == 0 && (rc = client_dial(*out)) != 0) {
		/* the reason outlives the client it was written on */
		snprintf(open_msg, sizeof(open_msg), "%s", client_errbuf(*out));
		wn_client_close(*out);
		*out = NULL;
	}
	return rc;
}

int wn_client_open_deferred(wn_client **out, const char *url)
{
	return client_new(url, out);
}

int wn_client_set_timeout(wn_client *c, int timeout_ms)
{
	if (c == NULL)
		return WN_EINVAL;
	if (timeout_ms <= 0)
		return client_inval_arg(c, "argument timeout_ms: %d is not a positive number of "
					"milliseconds", timeout_ms);
	/* not under call_lock, which a call in flight holds until its answer:
	 * the next call reads it */
	atomic_store(&c->timeout_ms, timeout_ms);
	return 0;
}

const char *wn_client_errmsg(const wn_client *c)
{
	if (c == NULL)
		return open_msg;
	const char *t = client_msgs_slot(c->msgs, 0);
	return t != NULL ? t : "";
}

void wn_client_close(wn_client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	client_free(c);
}

/* The member of a request holding null, or NULL: an argument was missing
 * or not UTF-8. Members and array items one level down are looked at, as
 * the requests are built; *item says it was an item of the member. */
static const char *client_null_member(const json_t *req, int *item)
{
	const char *k;
	json_t *v, *x;
	size_t i;
	*item = 0;
	json_object_foreach((json_t *)req, k, v) {
		if (json_is_null(v))
			return k;
		json_array_foreach(v, i, x)
			if (json_is_null(x)) {
				*item = 1;
				return k;
			}
	}
	return NULL;
}

/* Says which argument a request could not carry: the member it was to be. */
static void client_null_say(wn_client *c, const char *k, int item)
{
	if (strcmp(k, "actor") == 0)
		client_set_error(c, "argument actor: id and role are both needed, as text in UTF-8 "
				 "(one is NULL or not UTF-8)");
	else if (item)
		client_set_error(c, "an item of argument '%s': missing (NULL) or not UTF-8", k);
	else
		client_set_error(c, "argument '%s': missing (NULL) or not UTF-8", k);
}

/* Runs one step of a call on aio, which the pipe event may end (the node
 * went away): the event is seen whether it came before the step or during. */
static int client_aio_step(wn_client *c, nng_aio *aio, int send, nng_time end)
{
	nng_time now = nng_clock();
	if (now >= end)
		return NNG_ETIMEDOUT;
	nng_aio_set_timeout(aio, (nng_duration)(end - now));
	pthread_mutex_lock(&c->inflight_lock);
	c->inflight = aio;
	pthread_mutex_unlock(&c->inflight_lock);
	if (send)
		nng_send_aio(c->sock, aio);
	else
		nng_recv_aio(c->sock, aio);
	if (atomic_load(&c->lost))
		nng_aio_abort(aio, NNG_ECONNSHUT);
	nng_aio_wait(aio);
	pthread_mutex_lock(&c->inflight_lock);
	c->inflight = NULL;
	pthread_mutex_unlock(&c->inflight_lock);
	return nng_aio_result(aio);
}

/* Sends text to the node and waits for its reply (*reply, nng_msg_free)
 * within the client's timeout, both steps together. Called under call_lock. */
static int client_send_recv(wn_client *c, const char *text, nng_msg **reply)
{
	nng_aio *aio = NULL;
	nng_msg *msg = NULL;
	nng_time end = nng_clock() + (nng_time)atomic_load(&c->timeout_ms);
	int rv = nng_aio_alloc(&aio, NULL, NULL);
	if (rv != 0)
		return rv;
	if ((rv = nng_msg_alloc(&msg, 0)) != 0 ||
	    (rv = nng_msg_append(msg, text, strlen(text))) != 0)
		goto out;
	nng_aio_set_msg(aio, msg);
	msg = NULL;
	if ((rv = client_aio_step(c, aio, 1, end)) != 0) {
		msg = nng_aio_get_msg(aio); /* a send that failed leaves it to us */
		goto out;
	}
	nng_aio_set_msg(aio, NULL);
	if ((rv = client_aio_step(c, aio, 0, end)) == 0)
		*reply = nng_aio_get_msg(aio);
out:
	if (msg != NULL)
		nng_msg_free(msg);
	nng_aio_free(aio);
	return rv;
}

/* Sends req and reads the node's reply object into *reply (json_decref),
 * whether it says ok or not; a transport failure or malformed reply is an
 * error with the message set. */
static int client_exchange(wn_client *c, json_t *req, json_t **reply)
{
	char *text = NULL;
	nng_msg *msg = NULL;
	int rv;
	*reply = NULL;
	if (c == NULL || req == NULL) /* a value json_pack refused */
		return client_inval(c);
	client_errclear(c);
	int item;
	const char *null_at = client_null_member(req, &item);
	if (null_at != NULL) {
		client_null_say(c, null_at, item);
		return WN_EINVAL;
	}
	if (client_dumps(req, JSON_COMPACT, &text) != 0)
		return WN_ENOMEM;
	/* the node reads no request past its limit: said here, not as a lost connection */
	if (strlen(text) > TRANSPORT_MSG_MAX) {
		free(text);
		snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "the request is larger than the "
			 "node takes (%d bytes)", TRANSPORT_MSG_MAX);
		return WN_ETOOBIG;
	}
	/* one request in flight on the socket: a second thread waits its turn */
	pthread_mutex_lock(&c->call_lock);
	int rc = client_dial(c);
	if (rc != 0) {
		pthread_mutex_unlock(&c->call_lock);
		free(text);
		return rc;
	}
	rv = client_send_recv(c, text, &msg);
	pthread_mutex_unlock(&c->call_lock);
	free(text);
	if (rv == NNG_ECONNRESET || rv == NNG_ECONNSHUT) {
		snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "the node at %.400s went away "
			 "before it answered", c->url);
		return WN_EUNAVAILABLE;
	}
	if (rv != 0) {
		snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "local node: %s", nng_strerror(rv));
		return rv == NNG_ETIMEDOUT ? WN_ETIMEOUT : WN_EUNAVAILABLE;
	}
	json_error_t jerr;
	json_t *r = json_loadb(nng_msg_body(msg), nng_msg_len(msg), 0, &jerr);
	nng_msg_free(msg);
	if (!json_is_object(r)) {
		json_decref(r);
		snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "local node sent a malformed reply");
		return WN_EPROTO;
	}
	*reply = r;
	return 0;
}

int client_dumps(const json_t *v, size_t flags, char **out)
{
	json_malloc_t jmalloc;
	json_free_t jfree;
	*out = NULL;
	char *text = json_dumps(v, flags);
	if (text == NULL)
		return WN_ENOMEM;
	/* jansson's text is its allocator's, which need not be malloc() */
	size_t n = strlen(text) + 1;
	*out = malloc(n);
	if (*out != NULL)
		memcpy(*out, text, n);
	json_get_alloc_funcs(&jmalloc, &jfree);
	jfree(text);
	return *out != NULL ? 0 : WN_ENOMEM;
}

/* The code and message of a reply that does not say ok. */
static int client_reply_error(wn_client *c, const json_t *reply)
{
	int rc = error_from_name(json_string_value(json_object_get(reply, "error")));
	if (rc == 0) /* a failure named "ok" is not one the node would send */
		rc = WN_EPROTO;
	const char *m = json_string_value(json_object_get(reply, "message"));
	snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "%s", m ? m : wn_strerror(rc));
	return rc;
}

int client_call(wn_client *c, json_t *req, json_t **result)
{
	json_t *reply = NULL;
	int rc = client_exchange(c, req, &reply);
	if (rc != 0)
		return rc;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		rc = client_reply_error(c, reply);
		json_decref(reply);
		return rc;
	}
	*result = json_incref(json_object_get(reply, "result"));
	json_decref(reply);
	if (*result == NULL) {
		snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "local node sent a reply without a "
			 "result");
		return WN_EPROTO;
	}
	return 0;
}

/* Strings of a list live in one arena freed with the list. */
struct partner_list_impl {
	wn_partner_list pub;
	json_t *keep; /* the parsed reply owns the strings */
};

void client_set_error(wn_client *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, fmt, ap);
	va_end(ap);
}

const char *client_str(const json_t *o, const char *k, const char *def)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : def;
}

json_t *client_parse_object(wn_client *c, const char *what, const char *text)
{
	json_error_t jerr;
	json_t *o = json_loads(text ? text : "", JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		client_set_error(c, "%s: %s", what, o ? "expected a JSON object" : jerr.text);
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *client_actor(const wn_actor *a)
{
	if (a == NULL || (a->id == NULL && a->role == NULL))
		return NULL;
	/* half given, or not UTF-8: null, which client_call refuses */
	json_t *o = a->id != NULL && a->role != NULL
			    ? json_pack("{s:s,s:s}", "id", a->id, "role", a->role)
			    : NULL;
	return o != NULL ? o : json_null();
}

json_t *client_with_actor(json_t *req, const wn_actor *actor)
{
	json_t *a = req != NULL ? client_actor(actor) : NULL;
	if (a != NULL)
		json_object_set_new(req, "actor", a);
	return req;
}

json_t *client_json_str(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;
	return v != NULL ? v : json_null();
}

json_t *client_strings(const char *const *v, size_t n)
{
	if (v == NULL && n > 0) /* a count without its array */
		return json_null();
	json_t *a = json_array();
	/* a NULL or non-UTF-8 item becomes null, which client_call refuses */
	for (size_t i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, client_json_str(v[i]));
	return a;
}

int client_inval_arg(wn_client *c, const char *fmt, ...)
{
	va_list ap;
	if (c != NULL) {
		va_start(ap, fmt);
		vsnprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, fmt, ap);
		va_end(ap);
	}
	return WN_EINVAL;
}

const char *client_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "true or false";
	default: return "null";
	}
}

int client_missing(wn_client *c, const char *names, const void *const *args, size_t n)
{
	size_t i = 0;
	while (i < n && args[i] != NULL)
		i++;
	if (i == n)
		return 0;
	for (size_t k = 0; k < i && names != NULL; k++) /* past the names before it */
		if ((names = strchr(names, ',')) != NULL)
			names += strspn(names, ", ");
	size_t len = names != NULL ? strcspn(names, ", ") : 0;
	if (c != NULL)
		snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "argument %.*s is missing (NULL)",
			 (int)len, names != NULL ? names : "");
	return 1;
}

int client_inval(wn_client *c)
{
	if (c != NULL)
		snprintf(client_errbuf(c), CLIENT_ERRMSG_LEN, "an argument is missing (NULL), out "
			 "of range or not UTF-8; the function's comment in wijknet.h names them");
	return WN_EINVAL;
}

int client_op(wn_client *c, json_t *req, json_t **result)
{
	json_t *r = NULL;
	if (req == NULL) /* json_pack refused a value: NULL, or text that is not UTF-8 */
		return client_inval(c);
	int rc = client_call(c, req, &r);
	json_decref(req);
	if (result != NULL)
		*result = r;
	else
		json_decref(r);
	return rc;
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
	l->pub.self = client_str(result, "self", "");
	l->pub.broker = client_str(result, "broker", "");
	l->pub.broker_up = health ? json_is_true(json_object_get(result, "broker_up")) : 1;
	l->pub.policy_version = (int)json_integer_value(json_object_get(result, "policy_version"));
	json_t *cs = json_object_get(result, "cert_seconds_left"), *rs = json_object_get(result,
										     "crl_seconds_left");
	l->pub.cert_seconds_left = json_is_integer(cs) ? (long)json_integer_value(cs) : -1;
	l->pub.crl_seconds_left = json_is_integer(rs) ? (long)json_integer_value(rs) : -1;
	l->pub.broker_error = client_str(result, "broker_error", NULL);
	l->pub.broker_refused = json_is_true(json_object_get(result, "broker_refused"));
	l->pub.directory_fetched_at =
		(int64_t)json_integer_value(json_object_get(result, "directory_fetched_at"));
	l->pub.broker_audit_behind = (int)json_array_size(
		json_object_get(json_object_get(result, "audit_behind"), "partners"));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		wn_partner *p = &l->pub.items[i];
		p->id = client_str(e, "id", "");
		p->name = client_str(e, "name", "");
		p->address = client_str(e, "address", "");
		p->status = client_str(e, "status", "");
		p->state = health ? client_str(e, "state", "down") : "";
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
	if (out != NULL)
		*out = NULL;
	if (c == NULL || CLIENT_MISSING(c, out))
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

/* ---- records -------------------------------------------------------- */

/* The record as the node takes it into *out; a field that is NULL (the
 * retention may be) or not UTF-8 is WN_EINVAL, content that is not an
 * object WN_ESCHEMA, each with the client's message. */
static int client_record_json(wn_client *c, const wn_record *r, json_t **out)
{
	json_error_t jerr;
	json_t *content = json_loads(r->content_json ? r->content_json : "", 0, &jerr);
	if (!json_is_object(content)) {
		if (r->content_json == NULL)
			client_set_error(c, "content: expected a JSON object, and content_json is NULL");
		else if (content != NULL) /* JSON, but no object: jerr says nothing */
			client_set_error(c, "content: expected a JSON object, not %s",
					 client_json_kind(content));
		else
			client_set_error(c, "content: expected a JSON object (%s)", jerr.text);
		json_decref(content);
		return WN_ESCHEMA;
	}
	json_t *rec = json_pack("{s:o,s:o,s:o,s:o}", "bsn", client_json_str(r->bsn), "category",
				client_json_str(r->category), "content", content, "professional",
				client_json_str(r->professional));
	if (rec != NULL && r->retention != NULL)
		json_object_set_new(rec, "retention", client_json_str(r->retention));
	if (rec == NULL)
		return WN_ENOMEM;
	int item;
	const char *k = client_null_member(rec, &item);
	if (k != NULL) {
		client_set_error(c, "record: %s is missing (NULL) or not UTF-8; bsn, category and "
				 "professional are text in UTF-8, and so is retention when given", k);
		json_decref(rec);
		return WN_EINVAL;
	}
	*out = rec;
	return 0;
}

int wn_record_put(wn_client *c, const wn_record *r)
{
	if (c == NULL || CLIENT_MISSING(c, r))
		return WN_EINVAL;
	json_t *rec = NULL;
	int rc = client_record_json(c, r, &rec);
	if (rc != 0)
		return rc;
	json_t *req = json_pack("{s:s,s:o}", "op", "record.put", "record", rec), *result = NULL;
	rc = client_call(c, req, &result);
	json_decref(req);
	json_decref(result);
	return rc;
}

int wn_record_received(wn_client *c, const wn_record *r, const char *request_id)
{
	if (c == NULL || CLIENT_MISSING(c, r, request_id))
		return WN_EINVAL;
	json_t *rec = NULL;
	int rc = client_record_json(c, r, &rec);
	if (rc != 0)
		return rc;
	json_t *req = json_pack("{s:s,s:o,s:o}", "op", "record.put", "record", rec, "received_in",
				client_json_str(request_id)), *result = NULL;
	rc = client_call(c, req, &result);
	json_decref(req);
	json_decref(result);
	return rc;
}

int wn_record_delete(wn_client *c, const char *bsn, const char *category)
{
	if (c == NULL || CLIENT_MISSING(c, bsn, category))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s,s:s}", "op", "record.delete", "bsn", bsn, "category",
				category), *result = NULL;
	int rc = client_call(c, req, &result);
	json_decref(req);
	json_decref(result);
	return rc;
}

static long purge_count(const json_t *result, const char *key)
{
	return (long)json_integer_value(json_object_get(result, key));
}

int wn_records_purge_counts(wn_client *c, wn_purge_counts *out)
{
	json_t *reply = NULL, *req = NULL;
	if (out == NULL)
		return client_inval_arg(c, "argument out is missing (NULL): the counts are written "
					"there");
	memset(out, 0, sizeof(*out));
	if ((req = json_pack("{s:s}", "op", "records.purge")) == NULL)
		return WN_ENOMEM;
	int rc = client_exchange(c, req, &reply);
	json_decref(req);
	if (rc != 0)
		return rc;
	/* WN_ESTATE still purged the records past their date: the count is given */
	const json_t *result = json_object_get(reply, "result");
	if (!json_is_true(json_object_get(reply, "ok")))
		rc = client_reply_error(c, reply);
	else if (!json_is_object(result))
		rc = WN_EPROTO;
	if (json_is_object(result) && (rc == 0 || rc == WN_ESTATE))
		out->records = purge_count(result, "purged");
	if (json_is_object(result) && rc == 0) {
		out->consents = purge_count(result, "consents");
		out->notices = purge_count(result, "notices");
		out->rights = purge_count(result, "rights");
		out->other = purge_count(result, "other");
		out->pseudonyms = purge_count(result, "pseudonyms");
	}
	json_decref(reply);
	return rc;
}

int wn_records_purge(wn_client *c, long *purged)
{
	wn_purge_counts k;
	int rc = wn_records_purge_counts(c, &k);
	if (purged != NULL)
		*purged = k.records;
	return rc;
}

#define IMPORT_CHUNK 1000
#define IMPORT_CHUNK_BYTES (TRANSPORT_MSG_MAX * 3 / 4) /* a chunk stays one request */

struct wn_import {
	wn_client *c;
	char id[33];
	json_t *lines;
	size_t bytes;  /* of the lines not sent yet */
	int failed;    /* the first error: the import is over, nothing of it is imported */
};

int wn_import_begin(wn_client *c, wn_import **out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16];
	if (out != NULL)
		*out = NULL;
	if (c == NULL || CLIENT_MISSING(c, out))
		return WN_EINVAL;
	wn_import *im = calloc(1, sizeof(*im));
	if (im == NULL)
		return WN_ENOMEM;
	FILE *f = fopen("/dev/urandom", "rb");
	if (f == NULL || fread(raw, 1, sizeof(raw), f) != sizeof(raw)) {
		if (f)
			fclose(f);
		free(im);
		return WN_EIO;
	}
	fclose(f);
	for (int i = 0; i < 16; i++) {
		im->id[2 * i] = hex[raw[i] >> 4];
		im->id[2 * i + 1] = hex[raw[i] & 15];
	}
	im->c = c;
	im->lines = json_array();
	*out = im;
	return 0;
}

static int client_import_send(wn_import *im, int commit)
{
	json_t *req = json_pack("{s:s,s:s,s:O,s:b}", "op", "records.import", "import", im->id,
				"lines", im->lines, "commit", commit), *result = NULL;
	int rc = client_call(im->c, req, &result);
	json_decref(req);
	json_decref(result);
	json_array_clear(im->lines);
	im->bytes = 0;
	return rc;
}

/* The first error ends the import: the node dropped what it staged, and
 * lines added after it must not make a partial import look whole. */
static int client_import_fail(wn_import *im, int rc)
{
	if (im->failed == 0)
		im->failed = rc;
	return rc;
}

int wn_import_add(wn_import *im, long line, const char *json_line)
{
	json_error_t jerr;
	if (im == NULL)
		return WN_EINVAL;
	if (im->failed != 0) { /* the import ended at its first error */
		snprintf(client_errbuf(im->c), CLIENT_ERRMSG_LEN, "line %ld: the import failed at "
			 "an earlier line (%s); nothing of it is imported", line,
			 wn_strerror(im->failed));
		return im->failed;
	}
	if (json_line == NULL)
		return im->failed = client_inval(im->c);
	size_t len = strlen(json_line);
	/* a line no chunk can carry is refused here, not when its chunk is sent */
	if (len + 64 > IMPORT_CHUNK_BYTES) {
		snprintf(client_errbuf(im->c), CLIENT_ERRMSG_LEN, "line %ld: %zu bytes, more than "
			 "one request to the node carries (%d)", line, len,
			 IMPORT_CHUNK_BYTES - 64);
		return client_import_fail(im, WN_ETOOBIG);
	}
	/* a chunk that would pass the node's limit goes first */
	if (im->bytes > 0 && im->bytes + len + 64 > IMPORT_CHUNK_BYTES) {
		int rc = client_import_send(im, 0);
		if (rc != 0)
			return client_import_fail(im, rc);
	}
	json_t *rec = json_loads(json_line, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(rec)) {
		snprintf(client_errbuf(im->c), CLIENT_ERRMSG_LEN, "line %ld: %s", line,
			 rec ? "expected a JSON object" : jerr.text);
		json_decref(rec);
		return client_import_fail(im, WN_EJSON);
	}
	json_array_append_new(im->lines, json_pack("{s:I,s:o}", "line", (json_int_t)line,
						   "record", rec));
	im->bytes += len + 64; /* the line number and the JSON around it */
	if (json_array_size(im->lines) >= IMPORT_CHUNK) {
		int rc = client_import_send(im, 0);
		if (rc != 0)
			return client_import_fail(im, rc);
	}
	return 0;
}

int wn_import_commit(wn_import *im, long *imported)
{
	if (imported != NULL)
		*imported = 0;
	if (im == NULL)
		return WN_EINVAL;
	if (im->failed != 0) { /* nothing of a failed import is committed */
		int rc = im->failed;
		wn_import_abort(im);
		return rc;
	}
	json_t *req = json_pack("{s:s,s:s,s:O,s:b}", "op", "records.import", "import", im->id,
				"lines", im->lines, "commit", 1), *result = NULL;
	int rc = client_call(im->c, req, &result);
	if (rc == 0 && imported != NULL)
		*imported = (long)json_integer_value(json_object_get(result, "imported"));
	json_decref(req);
	json_decref(result);
	json_decref(im->lines);
	free(im);
	return rc;
}

void wn_import_abort(wn_import *im)
{
	if (im == NULL)
		return;
	json_t *req = json_pack("{s:s,s:s,s:b}", "op", "records.import", "import", im->id, "abort", 1),
	       *result = NULL;
	char keep[CLIENT_ERRMSG_LEN];
	memcpy(keep, client_errbuf(im->c), sizeof(keep)); /* keep the error that caused the abort */
	client_call(im->c, req, &result);
	memcpy(client_errbuf(im->c), keep, sizeof(keep));
	json_decref(req);
	json_decref(result);
	json_decref(im->lines);
	free(im);
}

/* ---- lookups -------------------------------------------------------- */

struct lookup_result_impl {
	wn_lookup_result pub;
	json_t *keep;
};

/* The request of wn_lookup into *out; on bad input an error with the
 * client's message set. */
static int lookup_req(wn_client *c, const wn_lookup_params *p, json_t **out)
{
	json_t *req = json_pack("{s:s,s:s,s:s*}", "op", "lookup", "purpose", p->purpose, "ground",
				p->ground);
	if (req == NULL) /* text that is not UTF-8 */
		return client_inval(c);
	json_t *a = client_actor(&p->actor);
	if (a != NULL)
		json_object_set_new(req, "actor", a);
	if (p->bsn != NULL)
		json_object_set_new(req, "bsn", client_json_str(p->bsn));
	if (p->people != NULL) {
		json_t *arr = json_array();
		for (size_t i = 0; i < p->npeople; i++) {
			/* a person whose BSN or consent cannot be sent is no person left out */
			json_t *one = p->people[i].bsn != NULL
					      ? json_pack("{s:s,s:s*}", "bsn", p->people[i].bsn,
							  "consent", p->people[i].consent_id)
					      : NULL;
			json_array_append_new(arr, one != NULL ? one : json_null());
		}
		json_object_set_new(req, "people", arr);
	}
	if (p->motivation_json != NULL) {
		json_t *m = client_parse_object(c, "motivation", p->motivation_json);
		if (m == NULL) {
			json_decref(req);
			return WN_EJSON;
		}
		json_object_set_new(req, "motivation", m);
	}
	if (p->cluster != NULL)
		json_object_set_new(req, "cluster", client_json_str(p->cluster));
	if (p->deadline_ms > 0)
		json_object_set_new(req, "deadline_ms", json_integer(p->deadline_ms));
	if (p->consent_id != NULL)
		json_object_set_new(req, "consent", client_json_str(p->consent_id));
	if (p->partners != NULL) {
		json_t *arr = json_array();
		for (size_t i = 0; i < p->npartners; i++)
			json_array_append_new(arr, client_json_str(p->partners[i]));
		json_object_set_new(req, "partners", arr);
	}
	*out = req;
	return 0;
}

/* The arguments of wn_lookup the library can judge; the message names the
 * one refused. */
static int lookup_args(wn_client *c, const wn_lookup_params *p, wn_lookup_result **out)
{
	if (c == NULL || CLIENT_MISSING(c, p, out))
		return WN_EINVAL;
	if (p->purpose == NULL)
		return client_inval_arg(c, "argument purpose is missing (NULL)");
	if (p->bsn == NULL && p->people == NULL)
		return client_inval_arg(c, "arguments bsn and people are both NULL: name the person "
					"or the household");
	if (p->people != NULL && p->npeople == 0)
		return client_inval_arg(c, "argument people: npeople is 0");
	if (p->partners == NULL && p->npartners > 0)
		return client_inval_arg(c, "argument partners is NULL, though npartners is %zu",
					p->npartners);
	if (p->deadline_ms < 0)
		return client_inval_arg(c, "argument deadline_ms: %d is negative (0: the default)",
					p->deadline_ms);
	return 0;
}

int wn_lookup(wn_client *c, const wn_lookup_params *p, wn_lookup_result **out)
{
	if (out != NULL)
		*out = NULL;
	int rc = lookup_args(c, p, out);
	if (rc != 0)
		return rc;
	json_t *req = NULL;
	rc = lookup_req(c, p, &req);
	if (rc != 0)
		return rc;
	json_t *result = NULL;
	rc = client_call(c, req, &result);
	json_decref(req);
	if (rc != 0)
		return rc;
	json_t *arr = json_object_get(result, "answers");
	size_t n = json_array_size(arr);
	struct lookup_result_impl *r = calloc(1, sizeof(*r));
	if (r == NULL || (r->pub.answers = calloc(n ? n : 1, sizeof(wn_lookup_answer))) == NULL) {
		free(r);
		json_decref(result);
		return WN_ENOMEM;
	}
	r->keep = result;
	r->pub.request_id = client_str(result, "request_id", "");
	r->pub.count = n;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		r->pub.answers[i].partner = client_str(e, "partner", "");
		r->pub.answers[i].name = client_str(e, "name", "");
		r->pub.answers[i].person = (size_t)json_integer_value(json_object_get(e, "person"));
		r->pub.answers[i].bsn = client_str(e, "bsn", "");
		r->pub.answers[i].outcome = client_str(e, "outcome", "error");
		r->pub.answers[i].reason = json_string_value(json_object_get(e, "reason"));
	}
	*out = &r->pub;
	return 0;
}

void wn_lookup_result_free(wn_lookup_result *r)
{
	if (r == NULL)
		return;
	struct lookup_result_impl *impl = (struct lookup_result_impl *)r;
	json_decref(impl->keep);
	free(r->answers);
	free(impl);
}

int client_op_text(wn_client *c, json_t *req, const wn_actor *actor, char **json_out)
{
	json_t *result = NULL;
	int rc = client_op(c, client_with_actor(req, actor), json_out ? &result : NULL);
	if (rc != 0 || json_out == NULL)
		return rc;
	rc = client_dumps(result, JSON_INDENT(2) | JSON_SORT_KEYS, json_out);
	json_decref(result);
	return rc;
}

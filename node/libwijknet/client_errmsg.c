/*
 * client_errmsg.c — what wn_client_errmsg() returns: the message of each
 * thread's last failed call on each client. A client keeps a slot per
 * thread that had a message on it; a thread is known by a token that is
 * never reused (a pthread_t may be, once its thread is gone), and its slots
 * go when it ends or when the client is closed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "client.h"

struct client_msg {
	uintptr_t thread;
	struct client_msg *next;
	char text[CLIENT_ERRMSG_LEN];
};

struct client_msgs {
	pthread_mutex_t lock; /* guards the list, not the texts: each is its thread's */
	struct client_msg *head;
	struct client_msgs *prev_live, *next_live;
};

/* Every open client's slots, so a thread that ends can take its own away. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client_msgs *live;

static atomic_uintptr_t next_token = 1;
static _Thread_local uintptr_t my_token;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static int key_made;

/* A thread ends: its slots on every open client go (lock order: live, then
 * each client's). */
static void client_thread_gone(void *token)
{
	pthread_mutex_lock(&live_lock);
	for (struct client_msgs *ms = live; ms != NULL; ms = ms->next_live) {
		pthread_mutex_lock(&ms->lock);
		for (struct client_msg **pp = &ms->head; *pp != NULL;) {
			struct client_msg *m = *pp;
			if (m->thread == (uintptr_t)token) {
				*pp = m->next;
				free(m);
			} else {
				pp = &m->next;
			}
		}
		pthread_mutex_unlock(&ms->lock);
	}
	pthread_mutex_unlock(&live_lock);
}

static void client_key_make(void)
{
	key_made = pthread_key_create(&exit_key, client_thread_gone) == 0;
}

/* The library unloaded (dlclose): no thread may call into it when it ends. */
__attribute__((destructor)) static void client_key_delete(void)
{
	if (key_made)
		pthread_key_delete(exit_key);
}

static uintptr_t client_thread_token(void)
{
	if (my_token == 0) {
		my_token = atomic_fetch_add(&next_token, 1);
		pthread_once(&key_once, client_key_make);
		if (key_made) /* else the slots stay until their client is closed */
			pthread_setspecific(exit_key, (void *)my_token);
	}
	return my_token;
}

int client_msgs_new(struct client_msgs **out)
{
	struct client_msgs *ms = calloc(1, sizeof(*ms));
	if (ms == NULL)
		return WN_ENOMEM;
	pthread_mutex_init(&ms->lock, NULL);
	pthread_mutex_lock(&live_lock);
	ms->next_live = live;
	if (live != NULL)
		live->prev_live = ms;
	live = ms;
	pthread_mutex_unlock(&live_lock);
	*out = ms;
	return 0;
}

void client_msgs_free(struct client_msgs *ms)
{
	if (ms == NULL)
		return;
	pthread_mutex_lock(&live_lock);
	if (ms->prev_live != NULL)
		ms->prev_live->next_live = ms->next_live;
	else
		live = ms->next_live;
	if (ms->next_live != NULL)
		ms->next_live->prev_live = ms->prev_live;
	pthread_mutex_unlock(&live_lock);
	while (ms->head != NULL) {
		struct client_msg *m = ms->head;
		ms->head = m->next;
		free(m);
	}
	pthread_mutex_destroy(&ms->lock);
	free(ms);
}

char *client_msgs_slot(struct client_msgs *ms, int make)
{
	struct client_msg *m;
	if (ms == NULL)
		return NULL;
	uintptr_t self = client_thread_token();
	pthread_mutex_lock(&ms->lock);
	for (m = ms->head; m != NULL; m = m->next)
		if (m->thread == self)
			break;
	if (m == NULL && make && (m = calloc(1, sizeof(*m))) != NULL) {
		m->thread = self;
		m->next = ms->head;
		ms->head = m;
	}
	pthread_mutex_unlock(&ms->lock);
	return m != NULL ? m->text : NULL;
}

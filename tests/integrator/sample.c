/*
 * sample.c — what an integrator's case-management system does with
 * libwijknet: open a client on the local node, ask who is up, close. Built by
 * the tests against an installed tree with `pkg-config --cflags --libs
 * wijknet`. It defines client_call, a name libwijknet uses inside, to show
 * that the library's internals do not clash with the application's.
 *
 *   sample ipc:///run/wijknet/node.sock
 */
#include <stdio.h>
#include <stdlib.h>

#include <wijknet.h>

/* An application's own function that happens to share an internal name. */
int client_call(void);
int client_call(void)
{
	fprintf(stderr, "sample: the library called the application's client_call\n");
	abort();
}

int main(int argc, char **argv)
{
	wn_client *c = NULL;
	wn_partner_list *l = NULL;
	if (argc != 2) {
		fprintf(stderr, "usage: sample ipc://PATH\n");
		return 2;
	}
	printf("libwijknet %s\n", WN_VERSION_STRING);
	int rc = wn_client_open(&c, argv[1]);
	if (rc == 0) {
		wn_client_set_timeout(c, 2000);
		rc = wn_health(c, &l);
	}
	if (rc == 0) {
		printf("%s: %zu partners\n", l->self, l->count);
		wn_partner_list_free(l);
	} else {
		printf("health: %s (%s)\n", wn_strerror(rc), wn_errname(rc));
	}
	wn_client_close(c);
	return rc == WN_EINVAL ? 1 : 0; /* reached or not, the library answered */
}

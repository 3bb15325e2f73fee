/*
 * test_manpages.c — every key the config loaders accept is documented in
 * wijknet.json(5): a key added to a daemon without its page fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wijknet.h"
#include "broker.h"
#include "fileio.h"
#include "schema.h"
/* the node's headers, not the broker's of the same name */
#include "../../node/daemon/node.h"
#include "../../node/daemon/profile.h"
#include "registry.h"

static char *page;

static int setup(void **state)
{
	(void)state;
	return file_read_all("common/wijknet.json.5", 1 << 20, &page, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(page);
	return 0;
}

/* A key is documented as a tagged paragraph of its own: ".B key". */
static void expect_documented(const struct schema_field *f, const char *where)
{
	int missing = 0;
	for (; f->name != NULL; f++) {
		char needle[96];
		snprintf(needle, sizeof(needle), "\n.B %s\n", f->name);
		if (strstr(page, needle) == NULL) {
			print_error("%s: key '%s' is not in wijknet.json(5)\n", where, f->name);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

static void test_node_config_keys_documented(void **state)
{
	(void)state;
	expect_documented(node_config_fields(), "node");
	expect_documented(profile_config_fields(), "node profile");
}

static void test_broker_config_keys_documented(void **state)
{
	(void)state;
	expect_documented(broker_config_fields(), "broker");
	expect_documented(registry_partner_fields(), "broker partners");
}

/* The check can fail: a key nobody documented is found. */
static void test_undocumented_key_found(void **state)
{
	(void)state;
	const struct schema_field f[] = { { "no_such_key_documented", SCHEMA_INT, 0, 1 },
					  { NULL, 0, 0, 0 } };
	char needle[96];
	snprintf(needle, sizeof(needle), "\n.B %s\n", f[0].name);
	assert_null(strstr(page, needle));
}

/* A function of the public API named in libwijknet(3), by its name or by a
 * "prefix_*" group it falls in (wn_case_*). */
static int api_named(const char *lib, const char *fn)
{
	if (strstr(lib, fn) != NULL)
		return 1;
	char group[96];
	for (size_t n = strlen(fn); n > 3; n--) {
		if (fn[n - 1] != '_')
			continue;
		snprintf(group, sizeof(group), "%.*s*", (int)n, fn);
		if (strstr(lib, group) != NULL)
			return 1;
	}
	return 0;
}

/* Every wn_ function of wijknet.h is in libwijknet(3)'s list: a function
 * added to the API without its line there fails here. */
static void test_api_functions_listed(void **state)
{
	(void)state;
	char *hdr = NULL, *lib = NULL;
	assert_int_equal(file_read_all("include/wijknet.h", 1 << 20, &hdr, NULL), 0);
	assert_int_equal(file_read_all("node/libwijknet/libwijknet.3", 1 << 20, &lib, NULL), 0);
	int missing = 0, seen = 0;
	for (const char *p = hdr; (p = strstr(p, "wn_")) != NULL; p++) {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (p[n] != '(' || (p > hdr && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'))) ||
		    n >= 96)
			continue;
		char fn[96];
		snprintf(fn, sizeof(fn), "%.*s", (int)n, p);
		seen++;
		if (!api_named(lib, fn)) {
			print_error("%s is not in libwijknet(3)\n", fn);
			missing++;
		}
	}
	assert_true(seen > 50);
	assert_int_equal(missing, 0);
	assert_false(api_named(lib, "wn_no_such_function"));
	free(hdr);
	free(lib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_config_keys_documented),
		cmocka_unit_test(test_broker_config_keys_documented),
		cmocka_unit_test(test_undocumented_key_found),
		cmocka_unit_test(test_api_functions_listed),
	};
	return cmocka_run_group_tests_name("manpages", tests, setup, teardown);
}

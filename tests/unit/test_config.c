/*
 * test_config.c — unit tests for common/config.c (precise error messages:
 * file, line and column, key, what was expected, where) and for the size
 * limits of common/schema.c's schema_check.
 *
 * Config files are written to mkstemp() files under /tmp and removed by
 * each test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "wijknet.h"
#include "config.h"
#include "schema.h"

/* Writes text to a fresh /tmp/wn-config-XXXXXX file; path into out. */
static void write_temp(const char *text, char out[64])
{
	snprintf(out, 64, "/tmp/wn-config-XXXXXX");
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		print_error("\"%s\" does not contain \"%s\"\n", hay, needle);
	assert_non_null(strstr(hay, needle));
}

/* Loads text expecting failure; err receives the message. */
static int load_text_err(const char *text, char path[64], char *err, size_t errcap)
{
	config *c = NULL;
	write_temp(text, path);
	err[0] = '\0';
	int rc = config_load(path, &c, err, errcap);
	assert_null(c);
	unlink(path);
	return rc;
}

static config *load_text(const char *text, char path[64])
{
	config *c = NULL;
	char err[256] = "";
	write_temp(text, path);
	int rc = config_load(path, &c, err, sizeof(err));
	if (rc != 0)
		print_error("config_load: %d %s\n", rc, err);
	assert_int_equal(rc, 0);
	assert_non_null(c);
	return c;
}

static void test_config_load_ok(void **state)
{
	(void)state;
	char path[64];
	config *c = load_text("{\"name\": \"alcander\", \"port\": 7400, \"tls\": {}}\n", path);
	unlink(path); /* everything is in memory now */
	assert_string_equal(config_file(c), path);
	json_t *root = config_root(c);
	assert_true(json_is_object(root));
	assert_string_equal(config_str(root, "name", "x"), "alcander");
	assert_string_equal(config_str(root, "missing", "dflt"), "dflt");
	assert_string_equal(config_str(root, "port", "dflt"), "dflt"); /* not a string */
	assert_null(config_str(root, "missing", NULL));
	assert_int_equal(config_int(root, "port", -1), 7400);
	assert_int_equal(config_int(root, "name", -1), -1); /* not an integer */
	assert_int_equal(config_int(root, "missing", 99), 99);
	config_free(c);
}

static void test_config_invalid_json_line_col(void **state)
{
	(void)state;
	char path[64], err[512], want[128];
	/* line 3, column 7 is the '2' where a ':' was expected */
	int rc = load_text_err("{\n  \"a\": 1,\n  \"b\" 2\n}\n", path, err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	snprintf(want, sizeof(want), "%s:3:7:", path);
	assert_contains(err, want);
	assert_true(strncmp(err, want, strlen(want)) == 0); /* starts with FILE:LINE:COL */
	assert_contains(err, "invalid JSON");

	/* a truncated file: the error is on line 2 */
	rc = load_text_err("{\"a\": 1,\n", path, err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	snprintf(want, sizeof(want), "%s:2:", path);
	assert_contains(err, want);

	/* duplicate keys are refused, with the line of the second one */
	rc = load_text_err("{\n  \"a\": 1,\n  \"a\": 2\n}\n", path, err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	snprintf(want, sizeof(want), "%s:3:", path);
	assert_contains(err, want);
	assert_contains(err, "duplicate");

	/* empty file */
	rc = load_text_err("", path, err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, path);
	assert_contains(err, "invalid JSON");
}

static void test_config_top_level_not_object(void **state)
{
	(void)state;
	char path[64], err[512];
	int rc = load_text_err("[1, 2]\n", path, err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, path);
	assert_contains(err, "expected a JSON object at the top level");
	/* scalars are already refused by the JSON parser (jansson without
	 * JSON_DECODE_ANY), with a position */
	static const char *const texts[] = { "\"x\"\n", "42\n", "null\n" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char want[80];
		rc = load_text_err(texts[i], path, err, sizeof(err));
		assert_int_equal(rc, WN_ECONFIG);
		snprintf(want, sizeof(want), "%s:1:", path);
		assert_contains(err, want);
	}
}

static void test_config_missing_file(void **state)
{
	(void)state;
	char dir[64], path[128], err[512] = "", err2[512] = "";
	snprintf(dir, sizeof(dir), "/tmp/wn-config-dir-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/no-such.json", dir);
	config *c = NULL, *c2 = NULL;
	int rc = config_load(path, &c, err, sizeof(err));
	/* a directory is not a config file either */
	int rc2 = config_load(dir, &c2, err2, sizeof(err2));
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rc, WN_ECONFIG);
	assert_null(c);
	assert_contains(err, path);
	assert_contains(err, "cannot read");
	assert_int_equal(rc2, WN_ECONFIG);
	assert_null(c2);
	assert_contains(err2, dir);
}

static const struct schema_field node_fields[] = {
	{ "name", SCHEMA_STRING, 1, 0 },
	{ "port", SCHEMA_INT, 1, 0 },
	{ "tls", SCHEMA_OBJECT, 0, 0 },
	{ "debug", SCHEMA_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field tls_fields[] = {
	{ "cert", SCHEMA_STRING, 1, 0 },
	{ "ca", SCHEMA_STRING, 1, 0 },
	{ NULL, 0, 0, 0 },
};

/* Loads text, runs config_check on the root (where = NULL) or on the
 * object named where; returns the code, message into err. */
static int check_text(const char *text, const char *where, const struct schema_field *fields,
		      char path[64], char *err, size_t errcap)
{
	config *c = load_text(text, path);
	const json_t *obj = config_root(c);
	if (where != NULL)
		obj = json_object_get(obj, where);
	err[0] = '\0';
	int rc = config_check(c, obj, where, fields, err, errcap);
	config_free(c);
	unlink(path);
	return rc;
}

static void test_config_check_ok(void **state)
{
	(void)state;
	char path[64], err[512];
	assert_int_equal(check_text("{\"name\":\"a\",\"port\":1,\"debug\":true,"
				    "\"tls\":{\"cert\":\"c.pem\",\"ca\":\"ca.pem\"}}",
				    NULL, node_fields, path, err, sizeof(err)),
			 0);
	assert_int_equal(check_text("{\"name\":\"a\",\"port\":1,"
				    "\"tls\":{\"cert\":\"c.pem\",\"ca\":\"ca.pem\"}}",
				    "tls", tls_fields, path, err, sizeof(err)),
			 0);
}

static void test_config_check_unknown_key(void **state)
{
	(void)state;
	char path[64], err[512];
	int rc = check_text("{\"name\":\"a\",\"port\":1,\"prot\":2}", NULL, node_fields, path, err,
			    sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, path);
	assert_contains(err, "unknown field 'prot'");
}

static void test_config_check_missing_key(void **state)
{
	(void)state;
	char path[64], err[512];
	int rc = check_text("{\"name\":\"a\"}", NULL, node_fields, path, err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, path);
	assert_contains(err, "missing field 'port'");
	assert_contains(err, "an integer");
}

/* workers or skew_seconds of 0 would stop a daemon: refused, named */
static void test_config_check_zero_workers_skew(void **state)
{
	(void)state;
	static const struct schema_field fields[] = {
		{ "workers", SCHEMA_INT, 0, 64 },
		{ "skew_seconds", SCHEMA_INT, 0, 3600 },
		{ NULL, 0, 0, 0 },
	};
	char path[64], err[512];
	assert_int_equal(check_text("{\"workers\":0}", NULL, fields, path, err, sizeof(err)),
			 WN_ECONFIG);
	assert_contains(err, "'workers': at least 1");
	assert_int_equal(check_text("{\"skew_seconds\":0}", NULL, fields, path, err,
				    sizeof(err)), WN_ECONFIG);
	assert_contains(err, "'skew_seconds': at least 1");
	assert_int_equal(check_text("{\"workers\":1,\"skew_seconds\":1}", NULL, fields, path,
				    err, sizeof(err)), 0);
}

static void test_config_check_wrong_type(void **state)
{
	(void)state;
	char path[64], err[512];
	int rc = check_text("{\"name\":5,\"port\":1}", NULL, node_fields, path, err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, path);
	assert_contains(err, "'name'");
	assert_contains(err, "expected a string");

	rc = check_text("{\"name\":\"a\",\"port\":\"7400\"}", NULL, node_fields, path, err,
			sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, "'port'");
	assert_contains(err, "expected an integer");

	rc = check_text("{\"name\":\"a\",\"port\":1,\"debug\":\"yes\"}", NULL, node_fields, path,
			err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, "'debug'");
	assert_contains(err, "expected true or false");
}

static void test_config_check_where(void **state)
{
	(void)state;
	char path[64], err[512], want[128];
	int rc = check_text("{\"tls\":{\"cert\":\"c.pem\",\"ca\":1}}", "tls", tls_fields, path,
			    err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	snprintf(want, sizeof(want), "%s: ", path);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	assert_contains(err, "'tls'");
	assert_contains(err, "'ca'");
	assert_contains(err, "expected a string");

	rc = check_text("{\"tls\":{\"cert\":\"c.pem\"}}", "tls", tls_fields, path, err,
			sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, "'tls'");
	assert_contains(err, "missing field 'ca'");

	/* the nested object is not an object at all */
	rc = check_text("{\"tls\":\"on\"}", "tls", tls_fields, path, err, sizeof(err));
	assert_int_equal(rc, WN_ECONFIG);
	assert_contains(err, "'tls'");
	assert_contains(err, "expected an object");
}

static void test_config_path(void **state)
{
	(void)state;
	char path[64];
	config *c = load_text("{}", path);
	unlink(path); /* config_path does not need the file */
	char *p = config_path(c, "certs/node.pem");
	assert_non_null(p);
	assert_string_equal(p, "/tmp/certs/node.pem"); /* mkstemp file lives in /tmp */
	free(p);
	p = config_path(c, "node.db");
	assert_string_equal(p, "/tmp/node.db");
	free(p);
	p = config_path(c, "/etc/wijknet/ca.pem");
	assert_string_equal(p, "/etc/wijknet/ca.pem");
	free(p);
	assert_null(config_path(c, NULL));
	config_free(c);

	/* a config in a nested directory */
	char dir[64], sub[128];
	snprintf(dir, sizeof(dir), "/tmp/wn-config-dir-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/node.json", dir);
	FILE *f = fopen(sub, "w");
	assert_non_null(f);
	fputs("{\"db\": \"state/node.db\"}", f);
	assert_int_equal(fclose(f), 0);
	char err[256] = "", want[160];
	int rc = config_load(sub, &c, err, sizeof(err));
	unlink(sub);
	rmdir(dir);
	assert_int_equal(rc, 0);
	p = config_path(c, config_str(config_root(c), "db", NULL));
	snprintf(want, sizeof(want), "%s/state/node.db", dir);
	config_free(c);
	assert_string_equal(p, want);
	free(p);
}

/* ---- schema_check limits ---------------------------------------------- */

static const struct schema_field limit_fields[] = {
	{ "name", SCHEMA_STRING, 0, 4 },
	{ "list", SCHEMA_ARRAY, 0, 2 },
	{ "free", SCHEMA_STRING, 0, 0 },
	{ "n", SCHEMA_INT, 0, 10 },
	{ NULL, 0, 0, 0 },
};

static int check_json(const char *text, char *err, size_t errcap)
{
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);
	assert_non_null(v);
	err[0] = '\0';
	int rc = schema_check(v, limit_fields, err, errcap);
	json_decref(v);
	return rc;
}

static void test_schema_check_string_too_long(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(check_json("{\"name\":\"abcd\"}", err, sizeof(err)), 0);
	assert_int_equal(check_json("{\"name\":\"abcde\"}", err, sizeof(err)), WN_ETOOBIG);
	assert_contains(err, "'name'");
	assert_contains(err, "longer than 4 bytes");
	/* the limit is in bytes, not characters: "é" is two bytes */
	assert_int_equal(check_json("{\"name\":\"ab\\u00e9\"}", err, sizeof(err)), 0);
	assert_int_equal(check_json("{\"name\":\"abc\\u00e9\"}", err, sizeof(err)), WN_ETOOBIG);
	/* max 0 means no limit */
	char big[2100];
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"free\":\"", 9);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	assert_int_equal(check_json(big, err, sizeof(err)), 0);
}

static void test_schema_check_array_too_many(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(check_json("{\"list\":[]}", err, sizeof(err)), 0);
	assert_int_equal(check_json("{\"list\":[1,2]}", err, sizeof(err)), 0);
	assert_int_equal(check_json("{\"list\":[1,2,3]}", err, sizeof(err)), WN_ETOOBIG);
	assert_contains(err, "'list'");
	assert_contains(err, "more than 2 items");
}

static void test_schema_check_int_range(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(check_json("{\"n\":0}", err, sizeof(err)), 0);
	assert_int_equal(check_json("{\"n\":10}", err, sizeof(err)), 0);
	/* schema.h documents WN_ETOOBIG for "over max", but integers out of
	 * range return WN_ESCHEMA; only the refusal itself is asserted here. */
	assert_int_not_equal(check_json("{\"n\":11}", err, sizeof(err)), 0);
	assert_contains(err, "'n'");
	assert_contains(err, "outside 0..10");
	assert_int_not_equal(check_json("{\"n\":-1}", err, sizeof(err)), 0);
	assert_contains(err, "outside 0..10");
}

static void test_schema_check_messages(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(check_json("{\"nmae\":\"x\"}", err, sizeof(err)), WN_ESCHEMA);
	assert_string_equal(err, "unknown field 'nmae'");
	assert_int_equal(check_json("{\"list\":{}}", err, sizeof(err)), WN_ESCHEMA);
	assert_string_equal(err, "field 'list': expected an array");
	assert_int_equal(check_json("[]", err, sizeof(err)), WN_ESCHEMA);
	assert_string_equal(err, "expected an object");
	/* a small err buffer is truncated, not overrun */
	char small[8];
	memset(small, 'z', sizeof(small));
	assert_int_equal(check_json("{\"nmae\":\"x\"}", small, sizeof(small)), WN_ESCHEMA);
	assert_string_equal(small, "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_load_ok),
		cmocka_unit_test(test_config_invalid_json_line_col),
		cmocka_unit_test(test_config_top_level_not_object),
		cmocka_unit_test(test_config_missing_file),
		cmocka_unit_test(test_config_check_ok),
		cmocka_unit_test(test_config_check_unknown_key),
		cmocka_unit_test(test_config_check_missing_key),
		cmocka_unit_test(test_config_check_wrong_type),
		cmocka_unit_test(test_config_check_zero_workers_skew),
		cmocka_unit_test(test_config_check_where),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_schema_check_string_too_long),
		cmocka_unit_test(test_schema_check_array_too_many),
		cmocka_unit_test(test_schema_check_int_range),
		cmocka_unit_test(test_schema_check_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

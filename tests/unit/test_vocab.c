/*
 * test_vocab.c — unit tests for common/vocab.c, the federation's fixed
 * vocabulary (r05 categories, r26 clusters): category codes, their labels
 * and covenant sources, the special categories (health, criminal law), the
 * youth-only ZRM domains, clusters, purposes and lawful grounds. Pure: no
 * files, no network.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vocab.h"

static const char *const health_codes[] = {
	"leefgebied.verslaving",      "leefgebied.psychisch",
	"leefgebied.lichamelijk",     "zrm.geestelijke_gezondheid",
	"zrm.lichamelijke_gezondheid", "zrm.verslaving",
};

static const char *const youth_domains[] = {
	"zrm.lichamelijke_verzorging",
	"zrm.sociaal_emotionele_ondersteuning",
	"zrm.scholing",
	"zrm.opvang",
};

static size_t list_len(const char *const *list)
{
	size_t n = 0;
	while (list[n] != NULL)
		n++;
	return n;
}

static int in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* ---- r05: categories -------------------------------------------------- */

static void test_r05_categories_codes_unique_with_label_and_source(void **state)
{
	(void)state;
	size_t n = vocab_category_count();
	/* Heerlen 6.1 a–h (8), ZRM 11 + 4 youth domains, data set a–f (6), G-P 3.5d–e (2) */
	assert_true(n >= 31);
	for (size_t i = 0; i < n; i++) {
		const struct vocab_category *c = vocab_category_at(i);
		assert_non_null(c);
		assert_non_null(c->code);
		assert_non_null(c->label);
		assert_non_null(c->source);
		if (c->label[0] == '\0' || c->source[0] == '\0')
			print_error("category %s lacks a label or a source\n", c->code);
		assert_true(c->label[0] != '\0');
		assert_true(c->source[0] != '\0');
		/* codes are namespaced: leefgebied., zrm. or dataset. */
		assert_true(strncmp(c->code, "leefgebied.", 11) == 0 ||
			    strncmp(c->code, "zrm.", 4) == 0 || strncmp(c->code, "dataset.", 8) == 0);
		/* lookup by code finds this very entry */
		assert_ptr_equal(vocab_category(c->code), c);
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(c->code, vocab_category_at(j)->code) == 0)
				print_error("category code %s appears twice (%zu, %zu)\n", c->code,
					    i, j);
			assert_string_not_equal(c->code, vocab_category_at(j)->code);
		}
		/* every category lies in at least one cluster, and only known ones */
		assert_true(c->clusters != 0);
		assert_int_equal(c->clusters & ~(unsigned)VOCAB_ALL_CLUSTERS, 0);
	}
	assert_null(vocab_category_at(n));
}

static void test_r05_categories_covenant_domains_present(void **state)
{
	(void)state;
	/* Heerlen art. 6.1 a–h */
	static const char *const leefgebieden[] = {
		"leefgebied.huisvesting",    "leefgebied.werk_opleiding",
		"leefgebied.inkomen_schulden", "leefgebied.sociale_relaties",
		"leefgebied.verslaving",     "leefgebied.psychisch",
		"leefgebied.lichamelijk",    "leefgebied.denkwereld_gedrag",
	};
	for (size_t i = 0; i < sizeof(leefgebieden) / sizeof(leefgebieden[0]); i++)
		assert_non_null(vocab_category(leefgebieden[i]));
	/* ZRM domains, including the four youth domains */
	size_t zrm = 0;
	for (size_t i = 0; i < vocab_category_count(); i++)
		zrm += strncmp(vocab_category_at(i)->code, "zrm.", 4) == 0;
	assert_int_equal(zrm, 15);
	/* NAW client / representative, school, provisions (Bijlage 2, G-P 3.5e) */
	assert_non_null(vocab_category("dataset.naw_client"));
	assert_non_null(vocab_category("dataset.naw_vertegenwoordiger"));
	assert_non_null(vocab_category("dataset.school"));
	assert_non_null(vocab_category("dataset.voorzieningen"));
	assert_non_null(vocab_category("zrm.financien"));
}

static void test_r05_categories_special_marked(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(health_codes) / sizeof(health_codes[0]); i++) {
		const struct vocab_category *c = vocab_category(health_codes[i]);
		assert_non_null(c);
		if (c->special != VOCAB_HEALTH && c->special != VOCAB_MENTAL_HEALTH &&
		    c->special != VOCAB_ADDICTION)
			print_error("%s is not marked as health data\n", health_codes[i]);
		assert_true(c->special == VOCAB_HEALTH || c->special == VOCAB_MENTAL_HEALTH ||
			    c->special == VOCAB_ADDICTION);
	}
	/* each class has its name, which a consent must use to name it (r12) */
	assert_int_equal(vocab_category("leefgebied.psychisch")->special, VOCAB_MENTAL_HEALTH);
	assert_int_equal(vocab_category("zrm.verslaving")->special, VOCAB_ADDICTION);
	assert_int_equal(vocab_category("leefgebied.lichamelijk")->special, VOCAB_HEALTH);
	assert_string_equal(vocab_special_name(VOCAB_MENTAL_HEALTH), "mental_health");
	assert_int_equal(vocab_special_from_name("addiction"), VOCAB_ADDICTION);
	assert_int_equal(vocab_special_from_name("criminal"), VOCAB_CRIMINAL);
	assert_int_equal(vocab_special_from_name("medical"), VOCAB_ORDINARY);
	assert_null(vocab_special_name(VOCAB_ORDINARY));
	const struct vocab_category *j = vocab_category("zrm.justitie");
	assert_non_null(j);
	assert_int_equal(j->special, VOCAB_CRIMINAL);
	/* ordinary categories are not marked */
	assert_int_equal(vocab_category("leefgebied.huisvesting")->special, VOCAB_ORDINARY);
	assert_int_equal(vocab_category("zrm.financien")->special, VOCAB_ORDINARY);
	assert_int_equal(vocab_category("dataset.naw_client")->special, VOCAB_ORDINARY);
	/* criminal-law data is only zrm.justitie */
	for (size_t i = 0; i < vocab_category_count(); i++) {
		const struct vocab_category *c = vocab_category_at(i);
		if (c->special == VOCAB_CRIMINAL)
			assert_string_equal(c->code, "zrm.justitie");
	}
}

static void test_r05_categories_unknown_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "leefgebied", "leefgebied.", "leefgebied.onbekend", "LEEFGEBIED.HUISVESTING",
		"leefgebied.huisvesting ", " leefgebied.huisvesting", "leefgebied.huisvesting.x",
		"zrm", "zrm.Financien", "huisvesting", "dataset.naw", "jeugd", "intake",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vocab_category(bad[i]) != NULL)
			print_error("'%s' was accepted as a category\n", bad[i]);
		assert_null(vocab_category(bad[i]));
	}
	assert_null(vocab_category(NULL));
	assert_null(vocab_category_at((size_t)-1));
}

static void test_r05_categories_purposes_listed(void **state)
{
	(void)state;
	static const char *const want[] = { "intake",	       "signalering",
					     "casusoverleg",   "plan_van_aanpak",
					     "zorgcoordinatie", "inzage" };
	size_t n = list_len(vocab_purposes);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_true(in_list(want, n, vocab_purposes[i]));
		assert_true(vocab_purpose_known(want[i]));
	}
	assert_false(vocab_purpose_known(NULL));
	assert_false(vocab_purpose_known(""));
	assert_false(vocab_purpose_known("Intake"));
	assert_false(vocab_purpose_known("onderzoek"));
	assert_false(vocab_purpose_known("intake "));
	assert_false(vocab_purpose_known("consent")); /* a ground, not a purpose */
}

static void test_r05_categories_grounds_listed(void **state)
{
	(void)state;
	static const char *const want[] = { "consent",	       "legal_obligation",
					     "vital_interest", "public_task",
					     "legitimate_interest", "contract",
					     "conflict_of_duties" };
	size_t n = list_len(vocab_grounds);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_true(in_list(want, 7, vocab_grounds[i]));
		assert_true(vocab_ground_known(want[i]));
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(vocab_grounds[i], vocab_grounds[j]);
	}
	assert_false(vocab_ground_known(NULL));
	assert_false(vocab_ground_known(""));
	assert_false(vocab_ground_known("Consent"));
	assert_false(vocab_ground_known("intake")); /* a purpose, not a ground */
	assert_false(vocab_ground_known("legitimate"));
}

/* ---- r26: clusters ---------------------------------------------------- */

static void test_r26_clusters_youth_domains_limited(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(youth_domains) / sizeof(youth_domains[0]); i++) {
		const struct vocab_category *c = vocab_category(youth_domains[i]);
		assert_non_null(c);
		if (c->clusters != (VOCAB_JEUGD | VOCAB_MULTIPROBLEEM))
			print_error("%s: clusters 0x%x, want jeugd+multiprobleem\n",
				    youth_domains[i], c->clusters);
		assert_int_equal(c->clusters, VOCAB_JEUGD | VOCAB_MULTIPROBLEEM);
		assert_int_equal(c->clusters & VOCAB_VOLWASSENEN, 0);
	}
	/* the adult ZRM domains lie in every cluster */
	assert_int_equal(vocab_category("zrm.financien")->clusters, VOCAB_ALL_CLUSTERS);
	/* Bijlage 2a, 2b and 2c each list the data set a-f: school (d) and family
	 * circumstances (e) are in cluster volwassenen too */
	static const char *const dataset[] = { "dataset.naw_client", "dataset.naw_vertegenwoordiger",
					       "dataset.naw_huishouden", "dataset.school",
					       "dataset.gezinsomstandigheden", "dataset.risicos_vragen" };
	for (size_t i = 0; i < sizeof(dataset) / sizeof(dataset[0]); i++) {
		const struct vocab_category *c = vocab_category(dataset[i]);
		assert_non_null(c);
		assert_int_equal(c->clusters, VOCAB_ALL_CLUSTERS);
		assert_true(vocab_category_in_cluster(c, "volwassenen"));
	}
	assert_false(vocab_category_in_cluster(vocab_category("zrm.scholing"), "volwassenen"));
	assert_int_equal(vocab_category("zrm.justitie")->clusters, VOCAB_ALL_CLUSTERS);
	assert_int_equal(vocab_category("leefgebied.huisvesting")->clusters, VOCAB_ALL_CLUSTERS);
}

static void test_r26_clusters_round_trip(void **state)
{
	(void)state;
	assert_int_equal(list_len(vocab_clusters), 3);
	assert_int_equal(vocab_cluster("jeugd"), VOCAB_JEUGD);
	assert_int_equal(vocab_cluster("volwassenen"), VOCAB_VOLWASSENEN);
	assert_int_equal(vocab_cluster("multiprobleem"), VOCAB_MULTIPROBLEEM);
	unsigned seen = 0;
	for (size_t i = 0; vocab_clusters[i] != NULL; i++) {
		unsigned flag = vocab_cluster(vocab_clusters[i]);
		assert_true(flag != 0);
		/* exactly one bit, distinct from the others */
		assert_int_equal(flag & (flag - 1), 0);
		assert_int_equal(seen & flag, 0);
		seen |= flag;
		assert_non_null(vocab_cluster_name(flag));
		assert_string_equal(vocab_cluster_name(flag), vocab_clusters[i]);
	}
	assert_int_equal(seen, VOCAB_ALL_CLUSTERS);
}

static void test_r26_clusters_unknown_refused(void **state)
{
	(void)state;
	assert_int_equal(vocab_cluster(NULL), 0);
	assert_int_equal(vocab_cluster(""), 0);
	assert_int_equal(vocab_cluster("Jeugd"), 0);
	assert_int_equal(vocab_cluster("ouderen"), 0);
	assert_int_equal(vocab_cluster("jeugd "), 0);
	assert_int_equal(vocab_cluster("all"), 0);
	/* a name exists only for a single cluster flag */
	assert_null(vocab_cluster_name(0));
	assert_null(vocab_cluster_name(VOCAB_JEUGD | VOCAB_VOLWASSENEN));
	assert_null(vocab_cluster_name(VOCAB_ALL_CLUSTERS));
	assert_null(vocab_cluster_name(8));
	assert_null(vocab_cluster_name(1u << 31));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r05_categories_codes_unique_with_label_and_source),
		cmocka_unit_test(test_r05_categories_covenant_domains_present),
		cmocka_unit_test(test_r05_categories_special_marked),
		cmocka_unit_test(test_r05_categories_unknown_refused),
		cmocka_unit_test(test_r05_categories_purposes_listed),
		cmocka_unit_test(test_r05_categories_grounds_listed),
		cmocka_unit_test(test_r26_clusters_youth_domains_limited),
		cmocka_unit_test(test_r26_clusters_round_trip),
		cmocka_unit_test(test_r26_clusters_unknown_refused),
	};
	return cmocka_run_group_tests_name("vocab", tests, NULL, NULL);
}

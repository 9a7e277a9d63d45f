/* Unit tests for the tenant module: tenant folders written into a temporary
 * folder, loaded and checked; rule matching; course files; month arithmetic. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tenant.h"
#include "tap.h"
#include "banned.h"

static char err[4096];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static void mk(const char *path)
{
    if (mkdir(path, 0700) != 0) {
        perror(path);
        exit(2);
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void wipe(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A tenants folder "t" with one tenant 7 whose tenant.json is json. */
static struct tenants *load_one(const char *json)
{
    wipe("t");
    mk("t");
    mk("t/7");
    put("t/7/tenant.json", json);
    err[0] = '\0';
    return tenants_load("t", "templates", "fonts", err, sizeof(err));
}

static const char *load_err(const char *json)
{
    struct tenants *ts = load_one(json);
    if (ts) {
        tenants_free(ts);
        return "(loaded)";
    }
    return err;
}

static void test_rules(void)
{
    struct tenants *ts =
        load_one("{\"name\": \"Rede\", \"locale\": \"en\", \"public_url\": \"https://x.example/\","
                 " \"templates\": [{\"course_id\": 555, \"template\": \"participation\"},"
                 " {\"school_id\": 2, \"type\": \"achievement\", \"template\": \"achievement\"},"
                 " {\"locale\": \"en\", \"template\": \"achievement\"},"
                 " {\"template\": \"participation\"}]}");
    const struct tenant *t;
    ok(ts != NULL, "a good tenant.json loads (%s)", err);
    if (!ts)
        return;
    ok(tenants_find(ts, 8) == NULL, "no folder: no tenant");
    t = tenants_find(ts, 7);
    ok(t != NULL, "the tenant is found by institution id");
    if (!t)
        goto out;
    is_str(t->name, "Rede", "name");
    is_str(t->public_url, "https://x.example", "public_url without its trailing slash");
    ok(t->has_locale && t->locale == I18N_EN, "locale");
    is_int(t->n_rules, 4, "four rules");
    is_str(tenant_match(t, 2, 555, CERT_ACHIEVEMENT, I18N_PT_BR), "participation",
           "the first matching rule wins (course before school)");
    is_str(tenant_match(t, 2, 1, CERT_ACHIEVEMENT, I18N_PT_BR), "achievement",
           "school and type both match");
    is_str(tenant_match(t, 2, 1, CERT_PARTICIPATION, I18N_PT_BR), "participation",
           "type differs: the catch-all rule");
    is_str(tenant_match(t, 3, 1, CERT_PARTICIPATION, I18N_EN), "achievement", "locale rule");
out:
    tenants_free(ts);
    ts = load_one("{\"templates\": [{\"school_id\": 2, \"template\": \"achievement\"}]}");
    ok(ts && tenant_match(tenants_find(ts, 7), 3, 1, CERT_ACHIEVEMENT, I18N_EN) == NULL,
       "no rule matches: NULL (the type's template)");
    tenants_free(ts);
}

static void test_errors(void)
{
    is_str(load_err("{\"name\": \"x\""), "t/7/tenant.json: not a JSON object (bad JSON)",
           "bad JSON names the file");
    is_str(load_err("{\"nmae\": \"x\"}"),
           "t/7/tenant.json: nmae: unknown key (did you mean 'name'?)",
           "unknown key with a suggestion");
    is_str(
        load_err("{\"templates\": [{\"tipe\": \"achievement\", \"template\": \"achievement\"}]}"),
        "t/7/tenant.json: templates[0].tipe: unknown key (did you mean 'type'?)",
        "unknown rule key with a suggestion");
    is_str(load_err("{\"templates\": [{\"template\": \"nope\"}]}"),
           "t/7/tenant.json: templates[0].template: template 'nope' not found (looked in "
           "'t/7/templates' and 'templates')",
           "a missing template");
    is_str(load_err("{\"templates\": [{\"school_id\": -1, \"template\": \"achievement\"}]}"),
           "t/7/tenant.json: templates[0].school_id: expected an integer id > 0", "a bad id");
    is_str(load_err("{\"locale\": \"fr\"}"),
           "t/7/tenant.json: locale: 'fr' is not a locale: expected 'pt-BR' or 'en'",
           "a bad locale");
    is_str(load_err("{\"public_url\": \"ftp://x\"}"),
           "t/7/tenant.json: public_url: 'ftp://x': expected an http:// or https:// URL",
           "a bad public_url");
    is_str(load_err("{\"templates\": [{}]}"),
           "t/7/tenant.json: templates[0].template: required, missing", "a rule without template");
    ok(strstr(load_err("{\"nmae\": 1, \"locale\": 3}"), "\n") != NULL, "every problem is reported");

    wipe("t");
    mk("t");
    mk("t/abc");
    ok(tenants_load("t", "templates", "fonts", err, sizeof(err)) == NULL &&
           strstr(err, "t/abc: not an institution id"),
       "a folder not named by an id is refused");
    wipe("t");
    mk("t");
    mk("t/7");
    ok(tenants_load("t", "templates", "fonts", err, sizeof(err)) == NULL &&
           strstr(err, "t/7/tenant.json: missing"),
       "a tenant folder without tenant.json is refused");
    {
        struct tenants *ts = tenants_load("no-such", "templates", "fonts", err, sizeof(err));
        ok(ts && ts->n == 0, "no tenants folder: an empty set");
        tenants_free(ts);
    }
}

static void test_courses(void)
{
    struct tenants *ts;
    const struct tenant_course *c;
    tenants_free(load_one("{}"));
    mk("t/7/courses");
    put("t/7/courses/555.json",
        "{\"display_name\": \"NR-35\", \"validity_months\": 24, \"syllabus\": [\"a\", \"b\"]}");
    ts = tenants_load("t", "templates", "fonts", err, sizeof(err));
    ok(ts != NULL, "a course file loads (%s)", err);
    c = ts ? tenant_course(tenants_find(ts, 7), 555) : NULL;
    ok(c && !strcmp(c->display_name, "NR-35") && c->validity_months == 24 && c->n_syllabus == 2 &&
           !strcmp(c->syllabus[1], "b"),
       "its display_name, validity_months and syllabus");
    ok(ts && tenant_course(tenants_find(ts, 7), 556) == NULL, "another course has none");
    tenants_free(ts);
    put("t/7/courses/555.json", "{\"display_nam\": \"x\", \"validity_months\": 1.5}");
    ts = tenants_load("t", "templates", "fonts", err, sizeof(err));
    ok(!ts &&
           strstr(err, "t/7/courses/555.json: display_nam: unknown key (did you mean "
                       "'display_name'?)") &&
           strstr(err, "t/7/courses/555.json: validity_months: expected a whole number"),
       "course errors name the file and key");
    tenants_free(ts);
    put("t/7/courses/x.json", "{}");
    ts = tenants_load("t", "templates", "fonts", err, sizeof(err));
    ok(!ts && strstr(err, "t/7/courses/x.json: expected courses/<course_id>.json"),
       "a course file not named by an id");
    tenants_free(ts);
}

static void test_months(void)
{
    struct caltime d = {2023, 8, 28, 20, 47, 31}, r;
    tenant_add_months(&d, 24, &r);
    ok(r.year == 2025 && r.mon == 8 && r.day == 28 && r.hour == 20,
       "28 Aug 2023 + 24 = 28 Aug 2025");
    d = (struct caltime){2024, 1, 31, 0, 0, 0};
    tenant_add_months(&d, 1, &r);
    ok(r.year == 2024 && r.mon == 2 && r.day == 29, "31 Jan 2024 + 1 = 29 Feb 2024");
    d = (struct caltime){2023, 12, 31, 0, 0, 0};
    tenant_add_months(&d, 2, &r);
    ok(r.year == 2024 && r.mon == 2 && r.day == 29, "31 Dec 2023 + 2 = 29 Feb 2024");
    d = (struct caltime){2100, 1, 31, 0, 0, 0};
    tenant_add_months(&d, 1, &r);
    ok(r.mon == 2 && r.day == 28, "2100 is not a leap year");
}

int main(void)
{
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    int rc;

    snprintf(dir, sizeof(dir), "%s/test_tenant.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        perror(dir);
        return 2;
    }
    mk("templates");
    mk("fonts");
    put("templates/participation.pt-BR.json", "{}");
    put("templates/achievement.json", "{}");
    test_rules();
    test_errors();
    test_courses();
    test_months();
    rc = tap_done();
    if (chdir("/") != 0 || nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror(dir);
    return rc;
}

/* Tenants: one folder per institution under the tenants folder,
 * tenants/<institution_id>/ with tenant.json (name, locale, public_url,
 * template rules), templates/, images/, signatures/ and courses/. This module
 * reads and checks them all at once and answers which template a certificate
 * uses and what its course file says. It draws nothing.
 * The keys are documented in docs/tenants.md. A loaded set is read-only and
 * may be shared between threads. */
#ifndef TENANT_H
#define TENANT_H

#include <stddef.h>

#include "caltime.h"
#include "event.h"
#include "i18n.h"

/* One entry of tenant.json "templates": it matches on every key it names. */
struct tenant_rule {
    long long school_id, course_id; /* 0: any */
    int has_type, has_locale;
    enum cert_type type;
    enum i18n_locale locale;
    char *template; /* a template NAME */
};

/* courses/<course_id>.json */
struct tenant_course {
    long long id;
    char *display_name; /* NULL: the event's course name */
    char **syllabus;
    size_t n_syllabus;
    int validity_months; /* 0: no expiry */
};

struct tenant {
    long long id;
    char *dir;  /* tenants/<id> */
    char *name; /* NULL when tenant.json names none */
    int has_locale;
    enum i18n_locale locale;
    char *public_url; /* NULL: the server's */
    struct tenant_rule *rules;
    size_t n_rules;
    struct tenant_course *courses;
    size_t n_courses;
    size_t n_templates, n_images, n_signatures; /* files found */
    /* images/logo.png as a data: URI ("data:image/png;base64,..."), read
     * once at load for the verify page: NULL when absent, not a PNG, or over
     * TENANT_LOGO_MAX bytes */
    char *logo_uri;
};

#define TENANT_LOGO_MAX (512 * 1024)

struct tenants {
    char *dir;
    struct tenant *t; /* sorted by id */
    size_t n;
};

/* The tenants folder: flag, else $CERTIFICA_TENANTS, else home/tenants. The
 * result is malloc'd. */
char *tenants_dir(const char *flag, const char *home);

/* Read and check every tenant under dir (a missing folder is an empty set).
 * templates_dir and fonts_dir are the global ones: a rule's template must
 * exist in the tenant's templates/ or there, and each of the tenant's own
 * templates must load (its fonts and images found). Every problem is one line
 * in err naming the file and the key, as many as fit:
 * "tenants/7/tenant.json: templates[0].tipe: unknown key (did you mean 'type'?)".
 * NULL with err set on any problem. */
struct tenants *tenants_load(const char *dir, const char *templates_dir, const char *fonts_dir,
                             char *err, size_t errlen);
void tenants_free(struct tenants *ts);

/* The tenant of an institution, or NULL (then the global defaults apply). */
const struct tenant *tenants_find(const struct tenants *ts, long long institution_id);

/* The template NAME the first matching rule gives, or NULL when none matches. */
const char *tenant_match(const struct tenant *t, long long school_id, long long course_id,
                         enum cert_type type, enum i18n_locale locale);

/* A course file of the tenant, or NULL. */
const struct tenant_course *tenant_course(const struct tenant *t, long long course_id);

/* The tenant's file dir/sub/name when it exists (malloc'd), else NULL. */
char *tenant_file(const struct tenant *t, const char *sub, const char *name);

/* The date n months after d, the day clamped to the month's length
 * (31 January + 1 month = 28 or 29 February). */
void tenant_add_months(const struct caltime *d, int n, struct caltime *out);

#endif

/* Tenant folders: read and check tenant.json, the course files, the tenant's
 * templates and signature files; answer the template rules. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "codec.h"
#include "template.h"
#include "tenant.h"
#include "banned.h"

#define MAX_ID 9007199254740992LL /* 2^53, as event ids */

/* Problems found so far, one line each. */
struct checker {
    struct buf msgs;
    size_t n;
};

__attribute__((format(printf, 4, 5))) static void fail(struct checker *ck, const char *file,
                                                       const char *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (ck->msgs.len)
        buf_addc(&ck->msgs, '\n');
    buf_addf(&ck->msgs, "%s: ", file);
    if (at && *at)
        buf_addf(&ck->msgs, "%s: ", at);
    buf_adds(&ck->msgs, msg);
    ck->n++;
}

static char *join(const char *a, const char *b)
{
    struct buf x = BUF_INIT;
    buf_addf(&x, "%s/%s", a, b);
    return buf_detach(&x, NULL);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

char *tenants_dir(const char *flag, const char *home)
{
    const char *env = getenv("CERTIFICA_TENANTS");
    if (flag && *flag)
        return xstrdup(flag);
    if (env && *env)
        return xstrdup(env);
    return join(home && *home ? home : ".", "tenants");
}

/* A decimal id 1..2^53 spelt by s[0..len): the id, or 0. */
static long long parse_id(const char *s, size_t len)
{
    long long v = 0;
    if (len == 0 || len > 16 || s[0] == '0')
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v <= MAX_ID ? v : 0;
}

/* Every key of obj must be one of keys[0..n): the others reported with a hint. */
static void check_keys(struct checker *ck, const char *file, const char *at, const cJSON *obj,
                       const char *const *keys, size_t n)
{
    const cJSON *it;
    char hint[80], where[96];
    cJSON_ArrayForEach(it, obj)
    {
        size_t k = 0;
        while (k < n && strcmp(it->string, keys[k]))
            k++;
        if (k < n)
            continue;
        snprintf(where, sizeof(where), "%s%s%s", at, *at ? "." : "", it->string);
        fail(ck, file, where, "unknown key%s",
             template_suggest(it->string, keys, n, hint, sizeof(hint)));
    }
}

static long long id_value(struct checker *ck, const char *file, const char *at, const cJSON *v)
{
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > (double)MAX_ID ||
        v->valuedouble != (double)(long long)v->valuedouble) {
        fail(ck, file, at, "expected an integer id > 0");
        return 0;
    }
    return (long long)v->valuedouble;
}

/* A string value, non-empty: it, or NULL (reported). */
static const char *str_value(struct checker *ck, const char *file, const char *at, const cJSON *v)
{
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        fail(ck, file, at, "expected a non-empty string");
        return NULL;
    }
    return v->valuestring;
}

static int locale_value(struct checker *ck, const char *file, const char *at, const cJSON *v,
                        enum i18n_locale *out)
{
    const char *s = str_value(ck, file, at, v);
    if (!s)
        return -1;
    if (i18n_parse(s, out) < 0) {
        fail(ck, file, at, "'%s' is not a locale: expected 'pt-BR' or 'en'", s);
        return -1;
    }
    return 0;
}

static cJSON *read_json(struct checker *ck, const char *file)
{
    FILE *f = fopen(file, "rb");
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t got;
    cJSON *j;
    if (!f) {
        fail(ck, file, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, got);
    fclose(f);
    j = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
    if (!j || !cJSON_IsObject(j)) {
        fail(ck, file, NULL, "not a JSON object%s", j ? "" : " (bad JSON)");
        cJSON_Delete(j);
        j = NULL;
    }
    buf_free(&b);
    return j;
}

/* Does template NAME exist in dir (as NAME.json or NAME.<locale>.json)? */
static int has_template(const char *dir, const char *name)
{
    static const char *const sfx[] = {".json", ".pt-BR.json", ".en.json"};
    int found = 0;
    for (size_t i = 0; i < 3 && !found; i++) {
        struct buf p = BUF_INIT;
        buf_addf(&p, "%s/%s%s", dir, name, sfx[i]);
        found = is_file(p.data);
        buf_free(&p);
    }
    return found;
}

static void parse_rule(struct checker *ck, const char *file, struct tenant *t, size_t i,
                       const cJSON *r, const char *templates_dir)
{
    static const char *const keys[] = {"school_id", "course_id", "type", "locale", "template"};
    struct tenant_rule *ru = &t->rules[t->n_rules];
    char at[64], sub[96];
    const cJSON *v;
    const char *s;

    snprintf(at, sizeof(at), "templates[%zu]", i);
    if (!cJSON_IsObject(r)) {
        fail(ck, file, at, "expected an object");
        return;
    }
    check_keys(ck, file, at, r, keys, 5);
    memset(ru, 0, sizeof(*ru));
    if ((v = cJSON_GetObjectItemCaseSensitive(r, "school_id"))) {
        snprintf(sub, sizeof(sub), "%s.school_id", at);
        ru->school_id = id_value(ck, file, sub, v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(r, "course_id"))) {
        snprintf(sub, sizeof(sub), "%s.course_id", at);
        ru->course_id = id_value(ck, file, sub, v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(r, "type"))) {
        snprintf(sub, sizeof(sub), "%s.type", at);
        if ((s = str_value(ck, file, sub, v))) {
            ru->has_type = 1;
            if (!strcasecmp(s, "participation"))
                ru->type = CERT_PARTICIPATION;
            else if (!strcasecmp(s, "achievement"))
                ru->type = CERT_ACHIEVEMENT;
            else
                fail(ck, file, sub, "'%s': expected 'participation' or 'achievement'", s);
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(r, "locale"))) {
        snprintf(sub, sizeof(sub), "%s.locale", at);
        ru->has_locale = locale_value(ck, file, sub, v, &ru->locale) == 0;
    }
    snprintf(sub, sizeof(sub), "%s.template", at);
    v = cJSON_GetObjectItemCaseSensitive(r, "template");
    if (!v) {
        fail(ck, file, sub, "required, missing");
        return;
    }
    if (!(s = str_value(ck, file, sub, v)))
        return;
    if (strchr(s, '/') || s[0] == '.') {
        fail(ck, file, sub, "'%s': expected a template name, not a path", s);
        return;
    }
    {
        char *own = join(t->dir, "templates");
        int found = has_template(own, s) || has_template(templates_dir, s);
        if (!found)
            fail(ck, file, sub, "template '%s' not found (looked in '%s' and '%s')", s, own,
                 templates_dir);
        free(own);
        if (!found)
            return;
    }
    ru->template = xstrdup(s);
    t->n_rules++;
}

static void parse_tenant_json(struct checker *ck, struct tenant *t, const char *templates_dir)
{
    static const char *const keys[] = {"name", "locale", "public_url", "templates"};
    char *file = join(t->dir, "tenant.json");
    cJSON *j = NULL;
    const cJSON *v, *r;
    const char *s;
    size_t i = 0;

    if (!is_file(file)) {
        fail(ck, file, NULL, "missing: every tenant folder needs its tenant.json");
        goto out;
    }
    if (!(j = read_json(ck, file)))
        goto out;
    check_keys(ck, file, "", j, keys, 4);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "name")) && (s = str_value(ck, file, "name", v)))
        t->name = xstrdup(s);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "locale")))
        t->has_locale = locale_value(ck, file, "locale", v, &t->locale) == 0;
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "public_url")) &&
        (s = str_value(ck, file, "public_url", v))) {
        if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8))
            fail(ck, file, "public_url", "'%s': expected an http:// or https:// URL", s);
        else {
            size_t n = strlen(s);
            while (n > 0 && s[n - 1] == '/')
                n--;
            t->public_url = xstrndup(s, n);
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "templates"))) {
        if (!cJSON_IsArray(v)) {
            fail(ck, file, "templates", "expected an array of rules");
            goto out;
        }
        t->rules = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*t->rules));
        cJSON_ArrayForEach(r, v) parse_rule(ck, file, t, i++, r, templates_dir);
    }
out:
    cJSON_Delete(j);
    free(file);
}

static void parse_course(struct checker *ck, struct tenant_course *c, const char *file)
{
    static const char *const keys[] = {"display_name", "syllabus", "validity_months"};
    cJSON *j = read_json(ck, file);
    const cJSON *v, *it;
    const char *s;
    char at[48];
    size_t i = 0;

    if (!j)
        return;
    check_keys(ck, file, "", j, keys, 3);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "display_name")) &&
        (s = str_value(ck, file, "display_name", v)))
        c->display_name = xstrdup(s);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "validity_months"))) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1200 ||
            v->valuedouble != (double)(int)v->valuedouble)
            fail(ck, file, "validity_months", "expected a whole number of months, 1 to 1200");
        else
            c->validity_months = (int)v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "syllabus"))) {
        if (!cJSON_IsArray(v)) {
            fail(ck, file, "syllabus", "expected an array of strings");
        } else {
            c->syllabus = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*c->syllabus));
            cJSON_ArrayForEach(it, v)
            {
                snprintf(at, sizeof(at), "syllabus[%zu]", i++);
                if ((s = str_value(ck, file, at, it)))
                    c->syllabus[c->n_syllabus++] = xstrdup(s);
            }
        }
    }
    cJSON_Delete(j);
}

static int ends_with(const char *s, const char *sfx)
{
    size_t n = strlen(s), m = strlen(sfx);
    return n >= m && strcasecmp(s + n - m, sfx) == 0;
}

/* The names in dir/sub (sorted, hidden ones left out) into *out; their count. */
static size_t list_dir(const char *dir, const char *sub, char ***out)
{
    char *p = join(dir, sub);
    struct dirent **ents = NULL;
    int n = is_dir(p) ? scandir(p, &ents, NULL, alphasort) : 0;
    size_t k = 0;
    *out = xcalloc(n > 0 ? (size_t)n : 1, sizeof(**out));
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.')
            (*out)[k++] = xstrdup(ents[i]->d_name);
        free(ents[i]);
    }
    free(ents);
    free(p);
    return k;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static void scan_courses(struct checker *ck, struct tenant *t)
{
    char **names;
    size_t n = list_dir(t->dir, "courses", &names);
    t->courses = xcalloc(n + 1, sizeof(*t->courses));
    for (size_t i = 0; i < n; i++) {
        char *sub = join(t->dir, "courses"), *file = join(sub, names[i]);
        size_t len = strlen(names[i]);
        long long id = ends_with(names[i], ".json") ? parse_id(names[i], len - 5) : 0;
        if (!id) {
            fail(ck, file, NULL, "expected courses/<course_id>.json");
        } else {
            struct tenant_course *c = &t->courses[t->n_courses++];
            c->id = id;
            parse_course(ck, c, file);
        }
        free(file);
        free(sub);
    }
    free_list(names, n);
}

/* Load each of the tenant's templates once, so that a missing font or image
 * is reported now; count images and signatures. */
static void scan_files(struct checker *ck, struct tenant *t, const char *fonts_dir)
{
    char **names, err[2048];
    size_t n = list_dir(t->dir, "templates", &names);
    for (size_t i = 0; i < n; i++) {
        char *sub = join(t->dir, "templates"), *file = join(sub, names[i]);
        struct template *tp;
        if (!ends_with(names[i], ".json")) {
            fail(ck, file, NULL, "not a template (.json)");
        } else if (!(tp = template_load(file, fonts_dir, err, sizeof(err)))) {
            if (ck->msgs.len)
                buf_addc(&ck->msgs, '\n');
            buf_adds(&ck->msgs, err);
            ck->n++;
        } else {
            template_free(tp);
            t->n_templates++;
        }
        free(file);
        free(sub);
    }
    free_list(names, n);
    n = list_dir(t->dir, "images", &names);
    t->n_images = n;
    free_list(names, n);
    n = list_dir(t->dir, "signatures", &names);
    for (size_t i = 0; i < n; i++) {
        const char *dot = strrchr(names[i], '.');
        if (!dot || !parse_id(names[i], (size_t)(dot - names[i])) ||
            (strcasecmp(dot, ".png") && strcasecmp(dot, ".jpg") && strcasecmp(dot, ".jpeg"))) {
            char *sub = join(t->dir, "signatures"), *file = join(sub, names[i]);
            fail(ck, file, NULL, "expected signatures/<manager_id>.png or .jpg");
            free(file);
            free(sub);
        } else {
            t->n_signatures++;
        }
    }
    free_list(names, n);
}

/* images/logo.png into t->logo_uri, when it is a PNG of at most
 * TENANT_LOGO_MAX bytes (the verify page shows it inline; a bigger one it
 * leaves out). */
static void read_logo(struct tenant *t)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char *path = tenant_file(t, "images", "logo.png");
    FILE *f = path ? fopen(path, "rb") : NULL;
    unsigned char *b = NULL;
    size_t n = 0;

    if (f) {
        b = xmalloc(TENANT_LOGO_MAX + 1);
        n = fread(b, 1, TENANT_LOGO_MAX + 1, f);
        fclose(f);
    }
    if (b && n <= TENANT_LOGO_MAX && n > sizeof(png) && !memcmp(b, png, sizeof(png))) {
        static const char head[] = "data:image/png;base64,";
        size_t len = sizeof(head) - 1 + codec_b64_len(n, 1);
        t->logo_uri = xmalloc(len + 1);
        memcpy(t->logo_uri, head, sizeof(head) - 1);
        codec_b64_encode(CODEC_B64_STD, 1, b, n, t->logo_uri + sizeof(head) - 1,
                         len - (sizeof(head) - 1) + 1);
    }
    free(b);
    free(path);
}

static int by_id(const void *a, const void *b)
{
    const struct tenant *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

struct tenants *tenants_load(const char *dir, const char *templates_dir, const char *fonts_dir,
                             char *err, size_t errlen)
{
    struct tenants *ts = xcalloc(1, sizeof(*ts));
    struct checker ck = {BUF_INIT, 0};
    char **names;
    size_t n;

    ts->dir = xstrdup(dir);
    if (!is_dir(dir)) {
        struct stat st;
        if (stat(dir, &st) == 0) {
            snprintf(err, errlen, "%s: not a folder", dir);
            tenants_free(ts);
            return NULL;
        }
        return ts; /* no tenants: the global defaults */
    }
    n = list_dir(dir, ".", &names);
    ts->t = xcalloc(n + 1, sizeof(*ts->t));
    for (size_t i = 0; i < n; i++) {
        char *p = join(dir, names[i]);
        long long id = parse_id(names[i], strlen(names[i]));
        if (!is_dir(p)) {
            free(p);
            continue; /* a README beside the folders */
        }
        if (!id) {
            fail(&ck, p, NULL,
                 "not an institution id: tenant folders are named by data.institution.id");
            free(p);
            continue;
        }
        struct tenant *t = &ts->t[ts->n++];
        t->id = id;
        t->dir = p;
        parse_tenant_json(&ck, t, templates_dir);
        scan_courses(&ck, t);
        scan_files(&ck, t, fonts_dir);
        read_logo(t);
    }
    free_list(names, n);
    qsort(ts->t, ts->n, sizeof(*ts->t), by_id);
    if (ck.n) {
        snprintf(err, errlen, "%s", ck.msgs.data);
        buf_free(&ck.msgs);
        tenants_free(ts);
        return NULL;
    }
    buf_free(&ck.msgs);
    return ts;
}

void tenants_free(struct tenants *ts)
{
    if (!ts)
        return;
    for (size_t i = 0; i < ts->n; i++) {
        struct tenant *t = &ts->t[i];
        for (size_t k = 0; k < t->n_rules; k++)
            free(t->rules[k].template);
        for (size_t k = 0; k < t->n_courses; k++) {
            free(t->courses[k].display_name);
            free_list(t->courses[k].syllabus, t->courses[k].n_syllabus);
        }
        free(t->rules);
        free(t->courses);
        free(t->dir);
        free(t->name);
        free(t->public_url);
        free(t->logo_uri);
    }
    free(ts->t);
    free(ts->dir);
    free(ts);
}

const struct tenant *tenants_find(const struct tenants *ts, long long institution_id)
{
    size_t lo = 0, hi = ts ? ts->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ts->t[mid].id == institution_id)
            return &ts->t[mid];
        if (ts->t[mid].id < institution_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *tenant_match(const struct tenant *t, long long school_id, long long course_id,
                         enum cert_type type, enum i18n_locale locale)
{
    for (size_t i = 0; t && i < t->n_rules; i++) {
        const struct tenant_rule *r = &t->rules[i];
        if ((r->school_id && r->school_id != school_id) ||
            (r->course_id && r->course_id != course_id) || (r->has_type && r->type != type) ||
            (r->has_locale && r->locale != locale))
            continue;
        return r->template;
    }
    return NULL;
}

const struct tenant_course *tenant_course(const struct tenant *t, long long course_id)
{
    for (size_t i = 0; t && i < t->n_courses; i++)
        if (t->courses[i].id == course_id)
            return &t->courses[i];
    return NULL;
}

char *tenant_file(const struct tenant *t, const char *sub, const char *name)
{
    char *d = join(t->dir, sub), *p = join(d, name);
    free(d);
    if (is_file(p))
        return p;
    free(p);
    return NULL;
}

void tenant_add_months(const struct caltime *d, int n, struct caltime *out)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long m = (long)d->year * 12 + (d->mon - 1) + n;
    int last;
    *out = *d;
    out->year = (int)(m / 12);
    out->mon = (int)(m % 12) + 1;
    last = days[out->mon - 1];
    if (out->mon == 2 && (out->year % 4 == 0 && (out->year % 100 != 0 || out->year % 400 == 0)))
        last = 29;
    if (out->day > last)
        out->day = last;
}

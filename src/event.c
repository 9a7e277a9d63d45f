/* Parse the platform's "Certificate Issued" webhook body and check every rule of SPEC §2,
 * collecting all problems with their JSON paths; the result is a plain struct event.
 * This file holds the field checks; the raw-text pre-pass is in event_json.c, the
 * diagnostics in event_diag.c, the canonical form in event_canon.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "event.h"
#include "event_int.h"
#include "utf8.h"
#include "banned.h"

#define CLOCK_SKEW 86400 /* certified_at may precede concluded_at by this much */

/* ---- field checks; each is silent when its parent object is missing ---- */

static const cJSON *member(const cJSON *parent, const char *ppath, const char *key,
                           char path[PATH_LEN])
{
    if (snprintf(path, PATH_LEN, "%s%s%s", ppath, *ppath ? "." : "", key) >= PATH_LEN)
        path[PATH_LEN - 1] = '\0'; /* cannot happen: known keys are short */
    return cJSON_GetObjectItemCaseSensitive(parent, key);
}

/* The object parent.key, or NULL (reported when required). */
static const cJSON *get_object(struct ev_ctx *c, const cJSON *parent, const char *ppath,
                               const char *key, char path[PATH_LEN])
{
    const cJSON *n;

    if (!parent)
        return NULL;
    n = member(parent, ppath, key, path);
    if (!n)
        ev_missing(c, parent, path);
    else if (!cJSON_IsObject(n))
        ev_error(c, n, path, "must be an object");
    else
        return n;
    return NULL;
}

enum id_value { ID_WHOLE, ID_FRACTION, ID_NOT_POSITIVE, ID_TOO_LARGE };

/* The exact value of the JSON number text s[0..n) (checked by ev_check_tree), as an id:
 * 3105.000000000000001 is not whole though a double rounds it to 3105; 31050e-1, 7.0 and
 * 1e2 are. Digit j of the mantissa (int and fraction digits in a row) stands for
 * 10^(point + e - 1 - j). */
static enum id_value id_value(const char *s, size_t n, int64_t *out)
{
    char sig[16]; /* the mantissa's digits from its first non-zero one: an id has at most 16 */
    size_t i, mlen = 0, point = SIZE_MAX, first = SIZE_MAX, last = 0, ns = 0;
    long long e = 0, top, k;
    int esign = 1;
    int64_t v = 0;

    for (i = s[0] == '-'; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            point = mlen;
            continue;
        }
        if (s[i] != '0' && first == SIZE_MAX)
            first = mlen;
        if (s[i] != '0')
            last = mlen;
        if (first != SIZE_MAX && ns < sizeof(sig))
            sig[ns++] = s[i];
        mlen++;
    }
    if (point == SIZE_MAX)
        point = mlen;
    if (i < n) {
        for (i++; i < n && (s[i] == '-' || s[i] == '+'); i++)
            esign = s[i] == '-' ? -1 : 1;
        for (; i < n; i++)
            if (e < 1000000000)
                e = e * 10 + (s[i] - '0');
    }
    if (first == SIZE_MAX)
        return ID_NOT_POSITIVE;             /* zero, however written */
    top = (long long)point + esign * e - 1; /* the power of ten of mantissa digit 0 */
    if (top < (long long)last)
        return ID_FRACTION;
    if (s[0] == '-')
        return ID_NOT_POSITIVE;
    if (top - (long long)first + 1 > (long long)sizeof(sig))
        return ID_TOO_LARGE;
    for (k = 0; k <= top - (long long)first; k++)
        v = v * 10 + ((size_t)k < ns ? sig[k] - '0' : 0);
    if (v > EVENT_MAX_ID)
        return ID_TOO_LARGE;
    *out = v;
    return ID_WHOLE;
}

static int get_id(struct ev_ctx *c, const cJSON *parent, const char *ppath, const char *key,
                  int64_t *out)
{
    char path[PATH_LEN];
    const cJSON *n;
    const char *text;
    size_t len;

    if (!parent)
        return -1;
    n = member(parent, ppath, key, path);
    if (!n)
        return ev_missing(c, parent, path);
    if (!cJSON_IsNumber(n))
        return ev_error(c, n, path, "must be an integer");
    text = ev_number_text(c, n, &len);
    if (!text)
        return -1; /* not a JSON number, reported */
    switch (id_value(text, len, out)) {
    case ID_FRACTION:
        return ev_error(c, n, path, "must be an integer");
    case ID_NOT_POSITIVE:
        return ev_error(c, n, path, "must be greater than 0");
    case ID_TOO_LARGE:
        return ev_error(c, n, path, "must be at most %lld", EVENT_MAX_ID);
    case ID_WHOLE:
        break;
    }
    return 0;
}

/* The string at parent.key. 1 found, 0 absent or null (when optional), -1 reported (or
 * marked with a NUL, which check_tree reported). */
static int get_string(struct ev_ctx *c, const cJSON *parent, const char *ppath, const char *key,
                      int required, char path[PATH_LEN], const cJSON **node)
{
    const cJSON *n;

    if (!parent)
        return -1;
    n = member(parent, ppath, key, path);
    *node = n;
    if (!n)
        return required ? ev_missing(c, parent, path) : 0;
    if (!required && cJSON_IsNull(n))
        return 0;
    if (!cJSON_IsString(n))
        return ev_error(c, n, path, required ? "must be a string" : "must be a string or null");
    return ev_has_mark(n->valuestring) ? -1 : 1;
}

/* A name: its hidden code points removed, trimmed, spaces collapsed, with at least one
 * visible character, no control characters or line breaks, at most EVENT_MAX_TEXT. The
 * canonical form gets the name as cleaned here. */
static int get_name(struct ev_ctx *c, const cJSON *parent, const char *ppath, const char *key,
                    char **out)
{
    char path[PATH_LEN];
    const cJSON *n;
    char *t, *stripped;
    size_t len, i, k;
    uint32_t cp;
    int visible = 0;

    if (get_string(c, parent, ppath, key, 1, path, &n) != 1)
        return -1;
    stripped = ev_strip_hidden(n->valuestring);
    t = ev_tidy(stripped, 1);
    free(stripped);
    len = strlen(t);
    for (i = 0; i < len; i += k) {
        k = ev_next_cp(t + i, len - i, &cp);
        if (ev_is_control_cp(cp) || ev_is_break_cp(cp)) {
            free(t);
            return ev_error(c, n, path, "contains a %s (U+%04X)",
                            ev_is_control_cp(cp) ? "control character" : "line break",
                            (unsigned)cp);
        }
        visible |= ev_is_visible_cp(cp);
    }
    if (!visible) {
        free(t);
        return ev_error(c, n, path, "required, empty");
    }
    if (utf8_count(t, len) > EVENT_MAX_TEXT) {
        ev_error(c, n, path, "longer than %d characters (%zu)", EVENT_MAX_TEXT, utf8_count(t, len));
        free(t);
        return -1;
    }
    ev_name_note(c, n, t);
    *out = t;
    return 0;
}

/* An optional free-text string: trimmed, NULL when absent, null or empty. */
static int get_opt_text(struct ev_ctx *c, const cJSON *parent, const char *ppath, const char *key,
                        char **out)
{
    char path[PATH_LEN];
    const cJSON *n;
    int r = get_string(c, parent, ppath, key, 0, path, &n);

    if (r != 1)
        return r;
    *out = ev_tidy(n->valuestring, 0);
    if (!**out) {
        free(*out);
        *out = NULL;
    }
    return 0;
}

/* A date-time: 1 set, 0 absent (optional: absent, null or ""), -1 reported. */
static int get_time(struct ev_ctx *c, const cJSON *parent, const char *ppath, const char *key,
                    int required, struct caltime *t)
{
    char path[PATH_LEN], q[80];
    const cJSON *n;
    int r = get_string(c, parent, ppath, key, required, path, &n);

    if (r != 1)
        return r;
    if (!required && !*n->valuestring)
        return 0;
    if (caltime_parse(n->valuestring, t)) {
        ev_quote_short(q, sizeof(q), n->valuestring);
        return ev_error(c, n, path, "not a date-time 'yyyy-MM-dd HH:mm:ss': '%s'", q);
    }
    return 1;
}

static void check_user(struct ev_ctx *c, const cJSON *data, struct event *ev)
{
    char ppath[PATH_LEN], path[PATH_LEN], digits[12];
    const cJSON *user = get_object(c, data, "data", "user", ppath), *n;
    size_t nd = 0;

    if (!user)
        return;
    get_id(c, user, ppath, "id", &ev->user_id);
    get_name(c, user, ppath, "name", &ev->user_name);
    if (get_string(c, user, ppath, "email", 1, path, &n) == 1) {
        ev->user_email = ev_tidy(n->valuestring, 0);
        if (!*ev->user_email)
            ev_error(c, n, path, "must not be empty");
    }
    if (get_string(c, user, ppath, "cpf", 0, path, &n) == 1) {
        ev->user_cpf_raw = xstrdup(n->valuestring);
        for (const char *p = n->valuestring; *p && nd < sizeof(digits); p++)
            if (*p >= '0' && *p <= '9')
                digits[nd++] = *p;
        if (nd == 11) {
            digits[11] = '\0';
            ev->user_cpf = xstrdup(digits);
            if (!event_cpf_valid(digits))
                ev_warning(c, n, path, "check digits do not match");
        } else if (strspn(n->valuestring, " \t\n\r\v\f") != strlen(n->valuestring)) {
            ev_warning(c, n, path, "not a CPF number, ignored");
        }
    }
    get_opt_text(c, user, ppath, "nickname", &ev->user_nickname);
    get_opt_text(c, user, ppath, "uuid", &ev->user_uuid);
}

static void check_course(struct ev_ctx *c, const cJSON *data, struct event *ev, int *concluded_ok)
{
    char ppath[PATH_LEN], path[PATH_LEN], q[80], when[20];
    const cJSON *course = get_object(c, data, "data", "course", ppath), *n;

    if (!course)
        return;
    get_id(c, course, ppath, "id", &ev->course_id);
    get_name(c, course, ppath, "name", &ev->course_name);
    if (get_string(c, course, ppath, "workload", 1, path, &n) == 1) {
        ev->workload_raw = ev_tidy(n->valuestring, 0);
        if (event_parse_workload(ev->workload_raw, &ev->workload_minutes)) {
            ev_quote_short(q, sizeof(q), n->valuestring);
            ev_error(c, n, path, "not a workload like '10h', '1h30min' or '90min': '%s'", q);
        }
    }
    ev->has_enrolled_at = get_time(c, course, ppath, "enrolled_at", 0, &ev->enrolled_at) == 1;
    *concluded_ok = get_time(c, course, ppath, "concluded_at", 1, &ev->concluded_at) == 1;
    if (ev->has_enrolled_at && *concluded_ok &&
        caltime_cmp(&ev->concluded_at, &ev->enrolled_at) < 0) {
        n = member(course, ppath, "concluded_at", path);
        caltime_format(&ev->enrolled_at, when);
        ev_error(c, n, path, "is before enrolled_at (%s)", when);
    }
}

static void check_school(struct ev_ctx *c, const cJSON *data, struct event *ev)
{
    char ppath[PATH_LEN], path[PATH_LEN], epath[PATH_LEN];
    const cJSON *school = get_object(c, data, "data", "school", ppath), *list, *el;
    size_t count = 0, i = 0;

    if (!school)
        return;
    get_id(c, school, ppath, "id", &ev->school_id);
    get_name(c, school, ppath, "name", &ev->school_name);
    list = member(school, ppath, "managers", path);
    if (!list)
        return;
    if (!cJSON_IsArray(list)) {
        ev_error(c, list, path, "must be an array");
        return;
    }
    for (el = list->child; el; el = el->next)
        count++;
    if (count > EVENT_MAX_MANAGERS) {
        ev_error(c, list, path, "more than %d managers (%zu)", EVENT_MAX_MANAGERS, count);
        return;
    }
    if (!count)
        return;
    ev->managers = xcalloc(count, sizeof(*ev->managers));
    ev->n_managers = count;
    for (el = list->child; el; el = el->next, i++) {
        if (snprintf(epath, sizeof(epath), "%s[%zu]", path, i) >= (int)sizeof(epath))
            continue; /* cannot happen: known keys are short */
        if (!cJSON_IsObject(el)) {
            ev_error(c, el, epath, "must be an object");
            continue;
        }
        get_id(c, el, epath, "manager_id", &ev->managers[i].id);
        get_name(c, el, epath, "manager_name", &ev->managers[i].name);
    }
}

static void check_certified(struct ev_ctx *c, const cJSON *data, struct event *ev, int concluded_ok)
{
    char ppath[PATH_LEN], path[PATH_LEN], when[20];
    const char *key = "certified";
    const cJSON *cert, *n;
    char *t;

    if (!data)
        return;
    if (!cJSON_GetObjectItemCaseSensitive(data, "certified") &&
        cJSON_GetObjectItemCaseSensitive(data, "certificate"))
        key = "certificate";
    cert = get_object(c, data, "data", key, ppath);
    if (!cert)
        return;
    if (get_time(c, cert, ppath, "certified_at", 1, &ev->certified_at) == 1 && concluded_ok &&
        caltime_to_unix(&ev->certified_at) < caltime_to_unix(&ev->concluded_at) - CLOCK_SKEW) {
        n = member(cert, ppath, "certified_at", path);
        caltime_format(&ev->concluded_at, when);
        ev_error(c, n, path, "is more than one day before concluded_at (%s)", when);
    }
    if (get_string(c, cert, ppath, "type", 1, path, &n) == 1) {
        t = ev_tidy(n->valuestring, 0);
        if (!ev_ascii_casecmp(t, "participation"))
            ev->type = CERT_PARTICIPATION;
        else if (!ev_ascii_casecmp(t, "achievement"))
            ev->type = CERT_ACHIEVEMENT;
        else
            ev_error(c, n, path, "must be 'participation' or 'achievement'");
        free(t);
    }
    n = member(cert, ppath, "approval_rate", path);
    if (n && !cJSON_IsNull(n)) {
        if (!cJSON_IsNumber(n)) {
            ev_error(c, n, path, "must be a number");
        } else if (!(n->valuedouble >= 0 && n->valuedouble <= 100)) {
            ev_error(c, n, path, "must be between 0 and 100");
        } else {
            ev->has_approval_rate = 1;
            ev->approval_rate = n->valuedouble == 0 ? 0 : n->valuedouble;
        }
    }
}

/* ---- entry points ---- */

/* Keep only what an ignored or rejected event reports: its slug and name. */
static void keep_envelope_only(struct event *ev)
{
    char *slug = ev->slug, *name = ev->name;
    ev->slug = ev->name = NULL;
    event_free(ev);
    ev->slug = slug;
    ev->name = name;
}

enum event_status event_parse(const char *body, size_t len, struct event *ev, struct event_diags *d)
{
    struct ev_ctx c = {0};
    struct buf path = BUF_INIT;
    char ppath[PATH_LEN], spath[PATH_LEN];
    const cJSON *envelope, *slug, *name, *data;
    cJSON *root;
    enum event_status st = EVENT_INVALID;
    int concluded_ok = 0;

    memset(ev, 0, sizeof(*ev));
    memset(d, 0, sizeof(*d));
    c.body = body ? body : "";
    c.body_len = body ? len : 0;
    root = ev_parse_text(c.body, c.body_len, d);
    if (!root)
        return EVENT_BAD_JSON;
    c.root = root;
    if (!cJSON_IsObject(root)) {
        ev_error(&c, root, "", "must be a JSON object");
        goto out;
    }
    envelope = get_object(&c, root, "", "event", ppath);
    if (!envelope)
        goto out;
    /* Another reader may take the other "event" or "slug" and see another
     * event: refuse before reading either, whatever the first one holds. */
    if (ev_report_second(&c, root, "event", "event") ||
        ev_report_second(&c, envelope, "slug", "event.slug"))
        goto out;
    name = cJSON_GetObjectItemCaseSensitive(envelope, "name");
    if (cJSON_IsString(name)) {
        char *t = ev_tidy(name->valuestring, 0);
        ev->name = ev_unmarked_dup(t);
        free(t);
    }
    slug = member(envelope, ppath, "slug", spath);
    if (!slug) {
        ev_missing(&c, envelope, spath);
        goto out;
    } else if (!cJSON_IsString(slug)) {
        ev_error(&c, slug, spath, "must be a string");
        goto out;
    } else if (!*slug->valuestring) {
        ev_error(&c, slug, spath, "must not be empty");
        goto out;
    }
    ev->slug = ev_unmarked_dup(slug->valuestring);
    if (strcmp(slug->valuestring, EVENT_SLUG_ISSUED) != 0) {
        st = EVENT_IGNORED;
        goto out;
    }

    ev_check_tree(&c, root, &path);
    get_time(&c, envelope, ppath, "send_at", 1, &ev->send_at);
    data = get_object(&c, root, "", "data", ppath);
    if (data) {
        char ipath[PATH_LEN];
        const cJSON *inst = get_object(&c, data, ppath, "institution", ipath);
        get_id(&c, inst, ipath, "id", &ev->institution_id);
    }
    check_user(&c, data, ev);
    check_course(&c, data, ev, &concluded_ok);
    check_school(&c, data, ev);
    check_certified(&c, data, ev, concluded_ok);
    if (!c.err.n && !c.err.dropped) {
        ev->canonical = ev_canonical(data, c.names, c.n_names);
        st = EVENT_OK;
    }
out:
    if (st != EVENT_OK)
        keep_envelope_only(ev);
    ev_diags_finish(&c, d);
    free(c.names);
    free(c.nums);
    buf_free(&path);
    cJSON_Delete(root);
    return st;
}

void event_free(struct event *ev)
{
    if (!ev)
        return;
    free(ev->slug);
    free(ev->name);
    free(ev->user_name);
    free(ev->user_email);
    free(ev->user_cpf);
    free(ev->user_cpf_raw);
    free(ev->user_nickname);
    free(ev->user_uuid);
    free(ev->course_name);
    free(ev->workload_raw);
    free(ev->school_name);
    for (size_t i = 0; ev->managers && i < ev->n_managers; i++)
        free(ev->managers[i].name);
    free(ev->managers);
    free(ev->canonical);
    memset(ev, 0, sizeof(*ev));
}

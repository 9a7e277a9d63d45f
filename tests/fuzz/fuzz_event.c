/* libFuzzer target for the event parser and validator: raw bytes in, and every promise of
 * event.h checked on what comes out. A valid event is parsed a second time from its
 * canonical form, which must give the same certificate; and any JSON body is parsed again
 * with its keys in reverse order, other white space and another send_at, which must give
 * the same verdict (and the same certificate, or the same errors). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <unictype.h>

#include "buf.h"
#include "caltime.h"
#include "event.h"
#include "utf8.h"
#include "fuzz.h"
#include "banned.h"

#define MAX_MINUTES (100000 * 60)

static void check_diag(const struct event_diag *dg)
{
    size_t plen, mlen;

    CHECK(memchr(dg->path, '\0', sizeof(dg->path)) != NULL, "path not terminated");
    CHECK(memchr(dg->message, '\0', sizeof(dg->message)) != NULL, "message not terminated");
    plen = strlen(dg->path);
    mlen = strlen(dg->message);
    CHECK(mlen > 0, "empty message at '%s'", dg->path);
    CHECK(utf8_valid(dg->path, plen), "path is not UTF-8");
    CHECK(utf8_valid(dg->message, mlen), "message is not UTF-8 at '%s'", dg->path);
    for (size_t i = 0; i < plen; i++)
        CHECK((unsigned char)dg->path[i] >= 0x20, "control byte in path");
    for (size_t i = 0; i < mlen; i++)
        CHECK((unsigned char)dg->message[i] >= 0x20, "control byte in message at '%s'", dg->path);
}

static void check_diags(const struct event_diags *d)
{
    CHECK(d->n_errors <= 101, "%zu errors", d->n_errors);
    CHECK(d->n_warnings <= 101, "%zu warnings", d->n_warnings);
    CHECK(!d->n_errors == !d->errors, "errors array and count disagree");
    CHECK(!d->n_warnings == !d->warnings, "warnings array and count disagree");
    for (size_t i = 0; i < d->n_errors; i++)
        check_diag(&d->errors[i]);
    for (size_t i = 0; i < d->n_warnings; i++)
        check_diag(&d->warnings[i]);
}

static int is_trim_cp(uint32_t cp)
{
    return uc_is_property_white_space(cp);
}

/* A name as event.h promises it: trimmed, inner spaces collapsed, printable, short, with
 * something visible and no bidi control. */
static void check_name(const char *what, const char *s)
{
    size_t n, i = 0, k;
    uint32_t cp = 0, prev = 0;
    int visible = 0;

    CHECK(s != NULL, "%s is NULL", what);
    n = strlen(s);
    CHECK(n > 0, "%s is empty", what);
    CHECK(utf8_valid(s, n), "%s is not UTF-8", what);
    CHECK(utf8_count(s, n) <= EVENT_MAX_TEXT, "%s is too long", what);
    while (i < n) {
        k = utf8_decode(s + i, n - i, &cp);
        CHECK(k > 0, "%s: bad UTF-8", what);
        CHECK(!(cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)), "%s: control U+%04X", what, (unsigned)cp);
        CHECK(!uc_is_property_bidi_control(cp), "%s: bidi control U+%04X", what, (unsigned)cp);
        CHECK(i > 0 || !is_trim_cp(cp), "%s starts with white space", what);
        CHECK(!(cp == 0xA0 || (cp == ' ' && prev == ' ')), "%s: spaces not collapsed", what);
        visible |= uc_is_general_category_withtable(
            cp, UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_M | UC_CATEGORY_MASK_N | UC_CATEGORY_MASK_P |
                    UC_CATEGORY_MASK_S);
        prev = cp;
        i += k;
    }
    CHECK(!is_trim_cp(cp), "%s ends with white space", what);
    CHECK(visible, "%s has nothing visible", what);
}

static void check_text(const char *what, const char *s, int may_be_null)
{
    if (!s) {
        CHECK(may_be_null, "%s is NULL", what);
        return;
    }
    CHECK(utf8_valid(s, strlen(s)), "%s is not UTF-8", what);
    if (may_be_null)
        CHECK(*s, "%s is empty instead of NULL", what);
}

static void check_id(const char *what, int64_t id)
{
    CHECK(id >= 1 && id <= EVENT_MAX_ID, "%s = %lld", what, (long long)id);
}

static void check_time(const char *what, const struct caltime *t)
{
    char s[20];
    struct caltime back;

    caltime_format(t, s);
    CHECK(caltime_parse(s, &back) == 0, "%s '%s' is not a valid time", what, s);
    CHECK(caltime_cmp(t, &back) == 0, "%s does not survive formatting", what);
}

static void check_ok(const struct event *ev)
{
    CHECK(ev->slug && !strcmp(ev->slug, EVENT_SLUG_ISSUED), "slug");
    if (ev->name) /* as sent, trimmed: may be "" */
        check_text("event.name", ev->name, 0);
    check_time("send_at", &ev->send_at);
    check_id("institution.id", ev->institution_id);
    check_id("user.id", ev->user_id);
    check_name("user.name", ev->user_name);
    check_text("user.email", ev->user_email, 0);
    CHECK(*ev->user_email, "user.email is empty");
    if (ev->user_cpf) {
        CHECK(strlen(ev->user_cpf) == 11 && strspn(ev->user_cpf, "0123456789") == 11,
              "user_cpf '%s'", ev->user_cpf);
        CHECK(ev->user_cpf_raw != NULL, "user_cpf without user_cpf_raw");
    }
    check_text("user.nickname", ev->user_nickname, 1);
    check_text("user.uuid", ev->user_uuid, 1);
    check_id("course.id", ev->course_id);
    check_name("course.name", ev->course_name);
    CHECK(ev->workload_raw != NULL, "workload_raw is NULL");
    CHECK(ev->workload_minutes >= 0 && ev->workload_minutes <= MAX_MINUTES, "workload %d",
          ev->workload_minutes);
    {
        int again = -1;
        CHECK(event_parse_workload(ev->workload_raw, &again) == 0 && again == ev->workload_minutes,
              "workload '%s' does not parse again", ev->workload_raw);
    }
    check_time("concluded_at", &ev->concluded_at);
    if (ev->has_enrolled_at) {
        check_time("enrolled_at", &ev->enrolled_at);
        CHECK(caltime_cmp(&ev->concluded_at, &ev->enrolled_at) >= 0, "concluded before enrolled");
    }
    check_time("certified_at", &ev->certified_at);
    CHECK(caltime_to_unix(&ev->certified_at) >= caltime_to_unix(&ev->concluded_at) - 86400,
          "certified too early");
    check_id("school.id", ev->school_id);
    check_name("school.name", ev->school_name);
    CHECK(ev->n_managers <= EVENT_MAX_MANAGERS, "%zu managers", ev->n_managers);
    CHECK(!ev->n_managers == !ev->managers, "managers array and count disagree");
    for (size_t i = 0; i < ev->n_managers; i++) {
        check_id("manager_id", ev->managers[i].id);
        check_name("manager_name", ev->managers[i].name);
    }
    CHECK(ev->type == CERT_PARTICIPATION || ev->type == CERT_ACHIEVEMENT, "type %d", ev->type);
    if (ev->has_approval_rate)
        CHECK(ev->approval_rate >= 0 && ev->approval_rate <= 100 && !signbit(ev->approval_rate),
              "approval_rate %g", ev->approval_rate);
    CHECK(ev->canonical != NULL, "canonical is NULL");
    CHECK(utf8_valid(ev->canonical, strlen(ev->canonical)), "canonical is not UTF-8");
    CHECK(ev->canonical[0] == '{' && ev->canonical[strlen(ev->canonical) - 1] == '}',
          "canonical is not an object");
}

static int same_str(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* The canonical data in a minimal envelope is the same certificate again. */
static void check_canonical(const struct event *ev, size_t n_warnings)
{
    struct buf body = BUF_INIT;
    struct event ev2;
    struct event_diags d2;
    enum event_status st;
    char when[20];

    caltime_format(&ev->send_at, when);
    buf_addf(&body, "{\"event\":{\"slug\":\"%s\",\"send_at\":\"%s\"},\"data\":", EVENT_SLUG_ISSUED,
             when);
    buf_adds(&body, ev->canonical);
    buf_addc(&body, '}');
    st = event_parse(body.data, body.len, &ev2, &d2);
    CHECK(st == EVENT_OK, "canonical form rejected (%d): %s: %s", st,
          d2.n_errors ? d2.errors[0].path : "", d2.n_errors ? d2.errors[0].message : "");
    CHECK(!strcmp(ev2.canonical, ev->canonical), "canonical form not stable:\n%s\n%s",
          ev->canonical, ev2.canonical);
    CHECK(same_str(ev2.user_name, ev->user_name), "user.name changed");
    CHECK(same_str(ev2.user_email, ev->user_email), "user.email changed");
    CHECK(same_str(ev2.user_cpf, ev->user_cpf), "user.cpf changed");
    CHECK(same_str(ev2.course_name, ev->course_name), "course.name changed");
    CHECK(same_str(ev2.school_name, ev->school_name), "school.name changed");
    CHECK(ev2.user_id == ev->user_id && ev2.course_id == ev->course_id &&
              ev2.school_id == ev->school_id && ev2.institution_id == ev->institution_id,
          "ids changed");
    CHECK(ev2.workload_minutes == ev->workload_minutes, "workload changed");
    CHECK(ev2.type == ev->type, "type changed");
    CHECK(ev2.has_approval_rate == ev->has_approval_rate &&
              (!ev->has_approval_rate || ev2.approval_rate == ev->approval_rate),
          "approval_rate changed");
    CHECK(ev2.has_enrolled_at == ev->has_enrolled_at, "enrolled_at changed");
    CHECK(caltime_cmp(&ev2.concluded_at, &ev->concluded_at) == 0 &&
              caltime_cmp(&ev2.certified_at, &ev->certified_at) == 0,
          "dates changed");
    CHECK(ev2.n_managers == ev->n_managers, "managers changed");
    for (size_t i = 0; i < ev->n_managers; i++)
        CHECK(ev2.managers[i].id == ev->managers[i].id &&
                  same_str(ev2.managers[i].name, ev->managers[i].name),
              "manager %zu changed", i);
    CHECK(d2.n_warnings == n_warnings, "warnings changed");
    event_free(&ev2);
    event_diags_free(&d2);
    buf_free(&body);
}

/* cJSON prints v back as itself: not infinities (null), not -0 (0), and nothing that needs
 * more than 15 digits (cJSON 1.7.15 then often prints 15 anyway: 2^53 - 1 comes out as
 * 9.00719925474099e+15). */
static int prints_exactly(double v)
{
    char tmp[64];

    if (!isfinite(v) || (v == 0 && signbit(v)))
        return 0;
    snprintf(tmp, sizeof(tmp), "%1.15g", v);
    return strtod(tmp, NULL) == v;
}

/* Reverse the members of every object; 0 when the tree holds a number that cJSON would not
 * print back as itself. */
static int reverse_keys(cJSON *node)
{
    cJSON *ch, *next, *rev = NULL;

    if (cJSON_IsNumber(node))
        return prints_exactly(node->valuedouble);
    for (ch = node->child; ch; ch = ch->next)
        if (!reverse_keys(ch))
            return 0;
    if (!cJSON_IsObject(node) || !node->child)
        return 1;
    for (ch = node->child; ch; ch = next) {
        next = ch->next;
        ch->next = rev;
        if (rev)
            rev->prev = ch;
        rev = ch;
    }
    node->child = rev;
    for (ch = rev; ch->next; ch = ch->next)
        ;
    rev->prev = ch; /* cJSON keeps the last member in the first one's prev */
    return 1;
}

/* 1 when every number of the raw body is written as cJSON prints it back (event_parse
 * judges ids, and refuses 00312, by their text; a reprint would change it). */
static int numbers_as_printed(const char *s, size_t n)
{
    char tok[64], out[64];
    size_t i = 0, j;
    double v;

    while (i < n) {
        if (s[i] == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            i++;
            continue;
        }
        if (!(s[i] == '-' || (s[i] >= '0' && s[i] <= '9'))) {
            i++;
            continue;
        }
        for (j = i; j < n && strchr("0123456789+-.eE", s[j]) && s[j]; j++)
            ;
        if (j - i >= sizeof(tok))
            return 0;
        memcpy(tok, s + i, j - i);
        tok[j - i] = '\0';
        v = strtod(tok, NULL);
        snprintf(out, sizeof(out), "%1.15g", v);
        if (strtod(out, NULL) != v)
            snprintf(out, sizeof(out), "%1.17g", v);
        if (strcmp(out, tok) != 0)
            return 0;
        i = j;
    }
    return 1;
}

static int has_diag(const struct event_diags *d, const char *msg)
{
    for (size_t i = 0; i < d->n_errors; i++)
        if (strstr(d->errors[i].message, msg))
            return 1;
    return 0;
}

static int diag_cmp(const void *a, const void *b)
{
    const struct event_diag *x = a, *y = b;
    int r = strcmp(x->path, y->path);
    return r ? r : strcmp(x->message, y->message);
}

/* The same errors, in whatever order. */
static int same_errors(const struct event_diags *a, const struct event_diags *b)
{
    struct event_diag *x, *y;
    int same;

    if (a->n_errors != b->n_errors)
        return 0;
    if (!a->n_errors)
        return 1;
    x = xcalloc(a->n_errors, sizeof(*x));
    y = xcalloc(a->n_errors, sizeof(*y));
    memcpy(x, a->errors, a->n_errors * sizeof(*x));
    memcpy(y, b->errors, a->n_errors * sizeof(*y));
    qsort(x, a->n_errors, sizeof(*x), diag_cmp);
    qsort(y, a->n_errors, sizeof(*y), diag_cmp);
    same = 1;
    for (size_t i = 0; i < a->n_errors && same; i++)
        same = diag_cmp(&x[i], &y[i]) == 0;
    free(x);
    free(y);
    return same;
}

static void check_reformatted(const uint8_t *data, size_t size, enum event_status st,
                              const struct event *ev, const struct event_diags *d)
{
    cJSON *root, *envelope, *send_at;
    struct event ev2;
    struct event_diags d2;
    enum event_status st2;
    char *text;

    /* \u0000 is cut short by cJSON; a dropped error has no fixed place in the list */
    if (st == EVENT_BAD_JSON || memmem(data, size, "\\u0000", 6) || d->n_errors > 100 ||
        d->n_warnings > 100 || !numbers_as_printed((const char *)data, size))
        return;
    root = cJSON_ParseWithLength((const char *)data, size);
    CHECK(root != NULL, "cJSON refuses what event_parse took");
    if (!reverse_keys(root))
        goto out;
    envelope = cJSON_GetObjectItemCaseSensitive(root, "event");
    send_at = cJSON_GetObjectItemCaseSensitive(envelope, "send_at");
    if (st == EVENT_OK && cJSON_IsString(send_at))
        cJSON_SetValuestring(send_at, "1999-12-31 23:59:59");
    text = size % 2 ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
    st2 = event_parse(text, strlen(text), &ev2, &d2);
    CHECK(st2 == st, "status %d, reformatted %d:\n%s", st, st2, text);
    if (st == EVENT_OK)
        CHECK(!strcmp(ev->canonical, ev2.canonical), "canonical form depends on key order");
    if (!has_diag(d, "duplicate key") && !has_diag(&d2, "duplicate key")) /* which one counts */
        CHECK(same_errors(d, &d2), "other errors with keys reordered (%zu, %zu): %s: %s\n%s",
              d->n_errors, d2.n_errors, d2.n_errors ? d2.errors[0].path : "",
              d2.n_errors ? d2.errors[0].message : "", text);
    event_free(&ev2);
    event_diags_free(&d2);
    cJSON_free(text);
out:
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct event ev;
    struct event_diags d;
    enum event_status st = event_parse((const char *)data, size, &ev, &d);

    check_diags(&d);
    switch (st) {
    case EVENT_OK:
        CHECK(d.n_errors == 0, "EVENT_OK with %zu errors", d.n_errors);
        check_ok(&ev);
        check_canonical(&ev, d.n_warnings);
        break;
    case EVENT_IGNORED:
        CHECK(d.n_errors == 0, "EVENT_IGNORED with %zu errors", d.n_errors);
        CHECK(ev.slug && *ev.slug && strcmp(ev.slug, EVENT_SLUG_ISSUED) != 0, "ignored slug");
        break;
    case EVENT_BAD_JSON:
        CHECK(d.n_errors == 1 && d.n_warnings == 0, "EVENT_BAD_JSON with %zu errors", d.n_errors);
        CHECK(!ev.slug && !ev.name, "EVENT_BAD_JSON with an envelope");
        break;
    case EVENT_INVALID:
        CHECK(d.n_errors >= 1, "EVENT_INVALID without errors");
        break;
    default:
        CHECK(0, "status %d", (int)st);
    }
    if (st != EVENT_OK)
        CHECK(!ev.user_name && !ev.user_email && !ev.course_name && !ev.school_name &&
                  !ev.managers && !ev.canonical && !ev.workload_raw && !ev.user_cpf_raw,
              "fields set on status %d", (int)st);
    check_reformatted(data, size, st, &ev, &d);
    if (ev.slug)
        CHECK(utf8_valid(ev.slug, strlen(ev.slug)), "slug is not UTF-8");
    if (ev.name)
        CHECK(utf8_valid(ev.name, strlen(ev.name)), "name is not UTF-8");
    event_free(&ev);
    event_diags_free(&d);
    return 0;
}

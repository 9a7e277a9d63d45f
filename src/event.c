/* Parse the platform's "Certificate Issued" webhook body and check every rule of SPEC §2,
 * collecting all problems with their JSON paths; the result is a plain struct event. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "event.h"
#include "utf8.h"
#include "banned.h"

#define PATH_LEN 128
#define MAX_DIAGS 100    /* errors (and warnings) kept; the rest are counted */
#define QUOTE_CHARS 32   /* characters of a value quoted in a message */
#define CLOCK_SKEW 86400 /* certified_at may precede concluded_at by this much */
#define MAX_HOURS 100000
#define MAX_MINUTES (MAX_HOURS * 60)

/* A \u0000 escape is rewritten to NUL_MARK_LEN bytes of NUL_MARK before cJSON sees it:
 * 0xFF never occurs in valid UTF-8, so decoded strings carry the NUL visibly. */
#define NUL_MARK '\xff'
#define NUL_MARK_LEN 6

/* A diag waiting to be sorted into document order. */
struct pending {
    const cJSON *node; /* where it belongs */
    int after;         /* 1: after node's whole subtree (a missing member of node) */
    size_t seq;
    long long order;
    struct event_diag diag;
};

struct diag_list {
    struct pending *v;
    size_t n, cap;
    size_t dropped;
};

struct ctx {
    const cJSON *root;
    struct diag_list err, warn;
    size_t seq;
};

/* ---- small text helpers ---- */

static int is_trim_cp(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0;
}

static int is_space_cp(uint32_t cp)
{
    return cp == ' ' || cp == 0xA0;
}

static int is_control_cp(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static int has_mark(const char *s)
{
    return strchr(s, NUL_MARK) != NULL;
}

/* Decode one code point of (normally valid) UTF-8; a stray byte counts as U+FFFD. */
static size_t next_cp(const char *s, size_t n, uint32_t *cp)
{
    size_t k = utf8_decode(s, n, cp);
    if (!k) {
        *cp = 0xFFFD;
        k = 1;
    }
    return k;
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* strcasecmp for ASCII only, whatever the locale. */
static int ascii_casecmp(const char *a, const char *b)
{
    while (*a && ascii_lower((unsigned char)*a) == ascii_lower((unsigned char)*b))
        a++, b++;
    return ascii_lower((unsigned char)*a) - ascii_lower((unsigned char)*b);
}

/* Copy src into dst[size], cutting on a character boundary and ending with "..." when
 * it does not fit. */
static void copy_trunc(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src), cut;

    if (len < size) {
        memcpy(dst, src, len + 1);
        return;
    }
    cut = size - 4;
    while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(dst, src, cut);
    memcpy(dst + cut, "...", 4);
}

/* A short printable rendering of a value for a message: control characters become '?'
 * and long values are cut with "...". */
static void quote_short(char *out, size_t size, const char *s)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(s), i = 0, chars = 0, k;
    uint32_t cp;

    while (i < n) {
        if (chars == QUOTE_CHARS) {
            buf_adds(&b, "...");
            break;
        }
        k = next_cp(s + i, n - i, &cp);
        if (is_control_cp(cp))
            buf_addc(&b, '?');
        else
            buf_add(&b, s + i, k);
        i += k;
        chars++;
    }
    copy_trunc(out, size, b.data ? b.data : "");
    buf_free(&b);
}

/* Append s to b, each NUL mark run written as the text \u0000. */
static void add_unmarked(struct buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == NUL_MARK) {
            buf_adds(b, "\\u0000");
            for (int i = 1; i < NUL_MARK_LEN && s[1] == NUL_MARK; i++)
                s++;
        } else {
            buf_addc(b, *s);
        }
    }
}

static char *unmarked_dup(const char *s)
{
    struct buf b = BUF_INIT;
    add_unmarked(&b, s);
    return buf_detach(&b, NULL);
}

/* A copy of s without surrounding white space (ASCII and U+00A0); with collapse, each
 * inner run of U+0020/U+00A0 becomes one U+0020. */
static char *tidy(const char *s, int collapse)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(s), start = n, end = 0, i, k;
    uint32_t cp;
    int in_space = 0;

    for (i = 0; i < n; i += k) {
        k = next_cp(s + i, n - i, &cp);
        if (!is_trim_cp(cp)) {
            if (start == n)
                start = i;
            end = i + k;
        }
    }
    if (start == n)
        return xstrdup("");
    if (!collapse)
        return xstrndup(s + start, end - start);
    buf_grow(&b, end - start);
    for (i = start; i < end; i += k) {
        k = next_cp(s + i, end - i, &cp);
        if (is_space_cp(cp)) {
            if (!in_space)
                buf_addc(&b, ' ');
            in_space = 1;
        } else {
            buf_add(&b, s + i, k);
            in_space = 0;
        }
    }
    return buf_detach(&b, NULL);
}

/* ---- diagnostics ---- */

static void diag_push(struct ctx *c, struct diag_list *l, const cJSON *node, int after,
                      const char *path, const char *msg)
{
    struct pending *p;

    if (l->n == MAX_DIAGS) {
        l->dropped++;
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    p = &l->v[l->n++];
    p->node = node;
    p->after = after;
    p->seq = c->seq++;
    p->order = -1;
    copy_trunc(p->diag.path, sizeof(p->diag.path), path);
    copy_trunc(p->diag.message, sizeof(p->diag.message), msg);
}

/* An error about node, at path. Returns -1 so that checks can `return error(...)`. */
__attribute__((format(printf, 4, 5))) static int error(struct ctx *c, const cJSON *node,
                                                       const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_push(c, &c->err, node, 0, path, msg);
    return -1;
}

static void warning(struct ctx *c, const cJSON *node, const char *path, const char *msg)
{
    diag_push(c, &c->warn, node, 0, path, msg);
}

/* A required member of parent is absent: the error sorts after parent's contents. */
static int missing(struct ctx *c, const cJSON *parent, const char *path)
{
    diag_push(c, &c->err, parent, 1, path, "required, missing");
    return -1;
}

static void order_visit(const cJSON *node, struct diag_list *lists[2], long long *idx)
{
    long long mine = (*idx)++, last;

    for (const cJSON *ch = node->child; ch; ch = ch->next)
        order_visit(ch, lists, idx);
    last = *idx - 1;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < lists[k]->n; i++)
            if (lists[k]->v[i].node == node)
                lists[k]->v[i].order = lists[k]->v[i].after ? 2 * last + 1 : 2 * mine;
}

static int pending_cmp(const void *a, const void *b)
{
    const struct pending *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void diags_out(struct diag_list *l, const char *what, struct event_diag **out, size_t *n)
{
    size_t total = l->n + (l->dropped ? 1 : 0);

    *out = NULL;
    *n = 0;
    if (!total)
        return;
    qsort(l->v, l->n, sizeof(*l->v), pending_cmp);
    *out = xcalloc(total, sizeof(**out));
    for (size_t i = 0; i < l->n; i++)
        (*out)[i] = l->v[i].diag;
    if (l->dropped)
        snprintf((*out)[l->n].message, sizeof((*out)[l->n].message), "%zu more %s not shown",
                 l->dropped, what);
    *n = total;
}

/* Sort the collected diags into document order and hand them to d. */
static void diags_finish(struct ctx *c, struct event_diags *d)
{
    struct diag_list *lists[2] = {&c->err, &c->warn};
    long long idx = 0;

    if (c->root && (c->err.n || c->warn.n))
        order_visit(c->root, lists, &idx);
    diags_out(&c->err, "errors", &d->errors, &d->n_errors);
    diags_out(&c->warn, "warnings", &d->warnings, &d->n_warnings);
    free(c->err.v);
    free(c->warn.v);
    c->err.v = c->warn.v = NULL;
}

/* The one diag of a body that is not JSON: what is wrong, at which byte (from 0). */
static void bad_json(struct event_diags *d, const char *what, size_t at)
{
    d->errors = xcalloc(1, sizeof(*d->errors));
    d->n_errors = 1;
    snprintf(d->errors[0].message, sizeof(d->errors[0].message), "%s byte %zu", what, at);
}

/* ---- the raw text ---- */

/* The offset of the first NUL byte or invalid UTF-8 sequence, or -1 when clean. */
static long long first_bad_byte(const char *s, size_t n, int *is_nul)
{
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        if (s[i] == '\0') {
            *is_nul = 1;
            return (long long)i;
        }
        k = utf8_decode(s + i, n - i, &cp);
        if (!k) {
            *is_nul = 0;
            return (long long)i;
        }
        i += k;
    }
    return -1;
}

static int is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Check the \u escapes cJSON would misread (it decodes bad hex digits as 0) and mark every
 * \u0000 with NUL_MARK. Returns the offset of a bad escape, or -1. */
static long long mark_nul_escapes(char *s, size_t n)
{
    int in_str = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            in_str = !in_str;
        } else if (in_str && s[i] == '\\' && i + 1 < n) {
            if (s[i + 1] != 'u') {
                i++;
                continue;
            }
            if (n - i < 6 || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) || !is_hex(s[i + 4]) ||
                !is_hex(s[i + 5]))
                return (long long)i;
            if (!memcmp(s + i + 2, "0000", 4))
                memset(s + i, NUL_MARK, NUL_MARK_LEN);
            i += 5;
        }
    }
    return -1;
}

static int is_json_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Parse body into a tree, or fill d with the one BAD_JSON diag and return NULL. */
static cJSON *parse_text(const char *body, size_t len, struct event_diags *d)
{
    char *copy = NULL;
    const char *end = NULL;
    cJSON *root = NULL;
    long long bad;
    size_t i;
    int is_nul = 0;

    bad = first_bad_byte(body, len, &is_nul);
    if (bad >= 0) {
        bad_json(d, is_nul ? "body contains a NUL byte at" : "body is not valid UTF-8 at",
                 (size_t)bad);
        return NULL;
    }
    for (i = 0; i < len && is_json_space(body[i]); i++)
        ;
    if (i == len) {
        d->errors = xcalloc(1, sizeof(*d->errors));
        d->n_errors = 1;
        snprintf(d->errors[0].message, sizeof(d->errors[0].message), "body is empty");
        return NULL;
    }
    copy = xmalloc(len + 1);
    memcpy(copy, body, len);
    copy[len] = '\0';
    bad = mark_nul_escapes(copy, len);
    /* The error position comes back through end: cJSON_GetErrorPtr is a global. (cJSON
     * 1.7.15 still writes that global on every parse; nothing here reads it.) */
    root = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
    if (!root) {
        size_t at = end ? (size_t)(end - copy) : 0;
        if (bad >= 0 && (size_t)bad < at)
            at = (size_t)bad;
        bad_json(d, "not valid JSON near", at);
        goto out;
    }
    for (i = (size_t)(end - copy); i < len && is_json_space(copy[i]); i++)
        ;
    if (bad >= 0 || i < len) {
        bad_json(d, "not valid JSON near", bad >= 0 ? (size_t)bad : i);
        cJSON_Delete(root);
        root = NULL;
    }
out:
    free(copy);
    return root;
}

/* ---- whole-document checks: duplicate keys, \u0000 anywhere ---- */

static int is_simple_key(const char *k)
{
    if (!*k)
        return 0;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return 0;
    return 1;
}

/* Append .key, or ["key"] with escapes when the key is not a plain word. */
static void path_add_key(struct buf *b, const char *k)
{
    if (is_simple_key(k)) {
        if (b->len)
            buf_addc(b, '.');
        buf_adds(b, k);
        return;
    }
    buf_adds(b, "[\"");
    for (; *k; k++) {
        unsigned char ch = (unsigned char)*k;
        if (*k == NUL_MARK) {
            buf_adds(b, "\\u0000");
            for (int i = 1; i < NUL_MARK_LEN && k[1] == NUL_MARK; i++)
                k++;
        } else if (ch == '"' || ch == '\\') {
            buf_addc(b, '\\');
            buf_addc(b, *k);
        } else if (ch < 0x20 || ch == 0x7F) {
            buf_addf(b, "\\u%04x", ch);
        } else {
            buf_addc(b, *k);
        }
    }
    buf_adds(b, "\"]");
}

static void path_cut(struct buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

struct key_pos {
    const char *key;
    size_t pos;
};

static int key_pos_cmp(const void *a, const void *b)
{
    const struct key_pos *x = a, *y = b;
    int r = strcmp(x->key, y->key);
    if (r)
        return r;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* dup[i] = 1 when child i repeats the key of an earlier child. */
static unsigned char *find_duplicates(const cJSON *obj, size_t n)
{
    struct key_pos *kp = xcalloc(n, sizeof(*kp));
    unsigned char *dup = xcalloc(n, 1);
    size_t i = 0;

    for (const cJSON *ch = obj->child; ch && i < n; ch = ch->next, i++) {
        kp[i].key = ch->string ? ch->string : "";
        kp[i].pos = i;
    }
    qsort(kp, n, sizeof(*kp), key_pos_cmp);
    for (i = 1; i < n; i++)
        if (!strcmp(kp[i].key, kp[i - 1].key))
            dup[kp[i].pos] = 1;
    free(kp);
    return dup;
}

static void check_tree(struct ctx *c, const cJSON *node, struct buf *path)
{
    size_t base = path->len, i = 0, n = 0;
    unsigned char *dup = NULL;
    const cJSON *ch;

    if (cJSON_IsString(node) && has_mark(node->valuestring))
        error(c, node, path->data ? path->data : "", "contains a control character (U+0000)");
    if (!cJSON_IsArray(node) && !cJSON_IsObject(node))
        return;
    for (ch = node->child; ch; ch = ch->next)
        n++;
    if (cJSON_IsObject(node) && n > 1)
        dup = find_duplicates(node, n);
    for (ch = node->child; ch; ch = ch->next, i++) {
        if (cJSON_IsArray(node)) {
            buf_addf(path, "[%zu]", i);
        } else {
            path_add_key(path, ch->string ? ch->string : "");
            if (ch->string && has_mark(ch->string))
                error(c, ch, path->data, "key contains a control character (U+0000)");
            if (dup && dup[i])
                error(c, ch, path->data, "duplicate key");
        }
        check_tree(c, ch, path);
        path_cut(path, base);
    }
    free(dup);
}

/* Report a second member named key in obj as a duplicate at path; 1 when there was one. */
static int report_second(struct ctx *c, const cJSON *obj, const char *key, const char *path)
{
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(obj, key);

    for (const cJSON *ch = first ? first->next : NULL; ch; ch = ch->next)
        if (ch->string && !strcmp(ch->string, key)) {
            error(c, ch, path, "duplicate key");
            return 1;
        }
    return 0;
}

/* ---- field checks; each is silent when its parent object is missing ---- */

static const cJSON *member(const cJSON *parent, const char *ppath, const char *key,
                           char path[PATH_LEN])
{
    if (snprintf(path, PATH_LEN, "%s%s%s", ppath, *ppath ? "." : "", key) >= PATH_LEN)
        path[PATH_LEN - 1] = '\0'; /* cannot happen: known keys are short */
    return cJSON_GetObjectItemCaseSensitive(parent, key);
}

/* The object parent.key, or NULL (reported when required). */
static const cJSON *get_object(struct ctx *c, const cJSON *parent, const char *ppath,
                               const char *key, char path[PATH_LEN])
{
    const cJSON *n;

    if (!parent)
        return NULL;
    n = member(parent, ppath, key, path);
    if (!n)
        missing(c, parent, path);
    else if (!cJSON_IsObject(n))
        error(c, n, path, "must be an object");
    else
        return n;
    return NULL;
}

static int get_id(struct ctx *c, const cJSON *parent, const char *ppath, const char *key,
                  int64_t *out)
{
    char path[PATH_LEN];
    const cJSON *n;
    double v;

    if (!parent)
        return -1;
    n = member(parent, ppath, key, path);
    if (!n)
        return missing(c, parent, path);
    if (!cJSON_IsNumber(n))
        return error(c, n, path, "must be an integer");
    v = n->valuedouble;
    if (isnan(v) || (isfinite(v) && v != floor(v)))
        return error(c, n, path, "must be an integer");
    if (v <= 0)
        return error(c, n, path, "must be greater than 0");
    if (v > (double)EVENT_MAX_ID)
        return error(c, n, path, "must be at most %lld", EVENT_MAX_ID);
    *out = (int64_t)v;
    return 0;
}

/* The string at parent.key. 1 found, 0 absent or null (when optional), -1 reported (or
 * marked with a NUL, which check_tree reported). */
static int get_string(struct ctx *c, const cJSON *parent, const char *ppath, const char *key,
                      int required, char path[PATH_LEN], const cJSON **node)
{
    const cJSON *n;

    if (!parent)
        return -1;
    n = member(parent, ppath, key, path);
    *node = n;
    if (!n)
        return required ? missing(c, parent, path) : 0;
    if (!required && cJSON_IsNull(n))
        return 0;
    if (!cJSON_IsString(n))
        return error(c, n, path, required ? "must be a string" : "must be a string or null");
    return has_mark(n->valuestring) ? -1 : 1;
}

/* A name: trimmed, spaces collapsed, non-empty, printable, at most EVENT_MAX_TEXT. */
static int get_name(struct ctx *c, const cJSON *parent, const char *ppath, const char *key,
                    char **out)
{
    char path[PATH_LEN];
    const cJSON *n;
    char *t;
    size_t len, i, k;
    uint32_t cp;

    if (get_string(c, parent, ppath, key, 1, path, &n) != 1)
        return -1;
    t = tidy(n->valuestring, 1);
    len = strlen(t);
    if (!len) {
        free(t);
        return error(c, n, path, "must not be empty");
    }
    for (i = 0; i < len; i += k) {
        k = next_cp(t + i, len - i, &cp);
        if (is_control_cp(cp)) {
            free(t);
            return error(c, n, path, "contains a control character (U+%04X)", (unsigned)cp);
        }
    }
    if (utf8_count(t, len) > EVENT_MAX_TEXT) {
        error(c, n, path, "longer than %d characters (%zu)", EVENT_MAX_TEXT, utf8_count(t, len));
        free(t);
        return -1;
    }
    *out = t;
    return 0;
}

/* An optional free-text string: trimmed, NULL when absent, null or empty. */
static int get_opt_text(struct ctx *c, const cJSON *parent, const char *ppath, const char *key,
                        char **out)
{
    char path[PATH_LEN];
    const cJSON *n;
    int r = get_string(c, parent, ppath, key, 0, path, &n);

    if (r != 1)
        return r;
    *out = tidy(n->valuestring, 0);
    if (!**out) {
        free(*out);
        *out = NULL;
    }
    return 0;
}

/* A date-time: 1 set, 0 absent (optional: absent, null or ""), -1 reported. */
static int get_time(struct ctx *c, const cJSON *parent, const char *ppath, const char *key,
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
        quote_short(q, sizeof(q), n->valuestring);
        return error(c, n, path, "not a date-time 'yyyy-MM-dd HH:mm:ss': '%s'", q);
    }
    return 1;
}

static void check_user(struct ctx *c, const cJSON *data, struct event *ev)
{
    char ppath[PATH_LEN], path[PATH_LEN], digits[12];
    const cJSON *user = get_object(c, data, "data", "user", ppath), *n;
    size_t nd = 0;

    if (!user)
        return;
    get_id(c, user, ppath, "id", &ev->user_id);
    get_name(c, user, ppath, "name", &ev->user_name);
    if (get_string(c, user, ppath, "email", 1, path, &n) == 1) {
        ev->user_email = tidy(n->valuestring, 0);
        if (!*ev->user_email)
            error(c, n, path, "must not be empty");
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
                warning(c, n, path, "check digits do not match");
        } else if (strspn(n->valuestring, " \t\n\r\v\f") != strlen(n->valuestring)) {
            warning(c, n, path, "not a CPF number, ignored");
        }
    }
    get_opt_text(c, user, ppath, "nickname", &ev->user_nickname);
    get_opt_text(c, user, ppath, "uuid", &ev->user_uuid);
}

static void check_course(struct ctx *c, const cJSON *data, struct event *ev, int *concluded_ok)
{
    char ppath[PATH_LEN], path[PATH_LEN], q[80], when[20];
    const cJSON *course = get_object(c, data, "data", "course", ppath), *n;

    if (!course)
        return;
    get_id(c, course, ppath, "id", &ev->course_id);
    get_name(c, course, ppath, "name", &ev->course_name);
    if (get_string(c, course, ppath, "workload", 1, path, &n) == 1) {
        ev->workload_raw = tidy(n->valuestring, 0);
        if (event_parse_workload(ev->workload_raw, &ev->workload_minutes)) {
            quote_short(q, sizeof(q), n->valuestring);
            error(c, n, path, "not a workload like '10h', '1h30min' or '90min': '%s'", q);
        }
    }
    ev->has_enrolled_at = get_time(c, course, ppath, "enrolled_at", 0, &ev->enrolled_at) == 1;
    *concluded_ok = get_time(c, course, ppath, "concluded_at", 1, &ev->concluded_at) == 1;
    if (ev->has_enrolled_at && *concluded_ok &&
        caltime_cmp(&ev->concluded_at, &ev->enrolled_at) < 0) {
        n = member(course, ppath, "concluded_at", path);
        caltime_format(&ev->enrolled_at, when);
        error(c, n, path, "is before enrolled_at (%s)", when);
    }
}

static void check_school(struct ctx *c, const cJSON *data, struct event *ev)
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
        error(c, list, path, "must be an array");
        return;
    }
    for (el = list->child; el; el = el->next)
        count++;
    if (count > EVENT_MAX_MANAGERS) {
        error(c, list, path, "more than %d managers (%zu)", EVENT_MAX_MANAGERS, count);
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
            error(c, el, epath, "must be an object");
            continue;
        }
        get_id(c, el, epath, "manager_id", &ev->managers[i].id);
        get_name(c, el, epath, "manager_name", &ev->managers[i].name);
    }
}

static void check_certified(struct ctx *c, const cJSON *data, struct event *ev, int concluded_ok)
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
        error(c, n, path, "is more than one day before concluded_at (%s)", when);
    }
    if (get_string(c, cert, ppath, "type", 1, path, &n) == 1) {
        t = tidy(n->valuestring, 0);
        if (!ascii_casecmp(t, "participation"))
            ev->type = CERT_PARTICIPATION;
        else if (!ascii_casecmp(t, "achievement"))
            ev->type = CERT_ACHIEVEMENT;
        else
            error(c, n, path, "must be 'participation' or 'achievement'");
        free(t);
    }
    n = member(cert, ppath, "approval_rate", path);
    if (n && !cJSON_IsNull(n)) {
        if (!cJSON_IsNumber(n)) {
            error(c, n, path, "must be a number");
        } else if (!(n->valuedouble >= 0 && n->valuedouble <= 100)) {
            error(c, n, path, "must be between 0 and 100");
        } else {
            ev->has_approval_rate = 1;
            ev->approval_rate = n->valuedouble == 0 ? 0 : n->valuedouble;
        }
    }
}

/* ---- canonical form ---- */

static int child_key_cmp(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

static void put_string(struct buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '"':
            buf_adds(b, "\\\"");
            break;
        case '\\':
            buf_adds(b, "\\\\");
            break;
        case '\n':
            buf_adds(b, "\\n");
            break;
        case '\r':
            buf_adds(b, "\\r");
            break;
        case '\t':
            buf_adds(b, "\\t");
            break;
        default:
            if (ch < 0x20)
                buf_addf(b, "\\u%04x", ch);
            else
                buf_addc(b, *s);
        }
    }
    buf_addc(b, '"');
}

/* Numbers exactly: integers up to 2^53 in full, others with 17 significant digits (which
 * tell any two doubles apart), whatever the locale's decimal point. */
static void put_number(struct buf *b, double v)
{
    char tmp[64];

    if (isinf(v)) {
        buf_adds(b, v < 0 ? "-1e999" : "1e999");
        return;
    }
    if (v == floor(v) && fabs(v) <= (double)EVENT_MAX_ID + 1) {
        buf_addf(b, "%.0f", v);
        return;
    }
    snprintf(tmp, sizeof(tmp), "%.17g", v);
    for (const char *p = tmp; *p; p++) {
        if ((*p >= '0' && *p <= '9') || *p == 'e' || *p == '-' || *p == '+') {
            buf_addc(b, *p);
        } else {
            buf_addc(b, '.');
            while (p[1] && !((p[1] >= '0' && p[1] <= '9') || p[1] == 'e'))
                p++;
        }
    }
}

/* Compact JSON of node with object keys sorted bytewise, at every depth. */
static void put_sorted(struct buf *b, const cJSON *node)
{
    const cJSON **v, *ch;
    size_t n = 0, i = 0;

    if (cJSON_IsString(node)) {
        put_string(b, node->valuestring);
    } else if (cJSON_IsNumber(node)) {
        put_number(b, node->valuedouble);
    } else if (cJSON_IsTrue(node)) {
        buf_adds(b, "true");
    } else if (cJSON_IsFalse(node)) {
        buf_adds(b, "false");
    } else if (cJSON_IsArray(node)) {
        buf_addc(b, '[');
        for (ch = node->child; ch; ch = ch->next) {
            if (ch != node->child)
                buf_addc(b, ',');
            put_sorted(b, ch);
        }
        buf_addc(b, ']');
    } else if (cJSON_IsObject(node)) {
        for (ch = node->child; ch; ch = ch->next)
            n++;
        v = xcalloc(n, sizeof(*v));
        for (ch = node->child; ch; ch = ch->next)
            v[i++] = ch;
        qsort(v, n, sizeof(*v), child_key_cmp);
        buf_addc(b, '{');
        for (i = 0; i < n; i++) {
            if (i)
                buf_addc(b, ',');
            put_string(b, v[i]->string ? v[i]->string : "");
            buf_addc(b, ':');
            put_sorted(b, v[i]);
        }
        buf_addc(b, '}');
        free(v);
    } else {
        buf_adds(b, "null");
    }
}

static char *canonical(const cJSON *data)
{
    struct buf b = BUF_INIT;
    put_sorted(&b, data);
    return buf_detach(&b, NULL);
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
    struct ctx c = {0};
    struct buf path = BUF_INIT;
    char ppath[PATH_LEN], spath[PATH_LEN];
    const cJSON *envelope, *slug, *name, *data;
    cJSON *root;
    enum event_status st = EVENT_INVALID;
    int concluded_ok = 0;

    memset(ev, 0, sizeof(*ev));
    memset(d, 0, sizeof(*d));
    root = parse_text(body ? body : "", body ? len : 0, d);
    if (!root)
        return EVENT_BAD_JSON;
    c.root = root;
    if (!cJSON_IsObject(root)) {
        error(&c, root, "", "must be a JSON object");
        goto out;
    }
    envelope = get_object(&c, root, "", "event", ppath);
    if (!envelope)
        goto out;
    /* Another reader may take the other "event" or "slug" and see another
     * event: refuse before reading either, whatever the first one holds. */
    if (report_second(&c, root, "event", "event") ||
        report_second(&c, envelope, "slug", "event.slug"))
        goto out;
    name = cJSON_GetObjectItemCaseSensitive(envelope, "name");
    if (cJSON_IsString(name)) {
        char *t = tidy(name->valuestring, 0);
        ev->name = unmarked_dup(t);
        free(t);
    }
    slug = member(envelope, ppath, "slug", spath);
    if (!slug) {
        missing(&c, envelope, spath);
        goto out;
    } else if (!cJSON_IsString(slug)) {
        error(&c, slug, spath, "must be a string");
        goto out;
    } else if (!*slug->valuestring) {
        error(&c, slug, spath, "must not be empty");
        goto out;
    }
    ev->slug = unmarked_dup(slug->valuestring);
    if (strcmp(slug->valuestring, EVENT_SLUG_ISSUED) != 0) {
        st = EVENT_IGNORED;
        goto out;
    }

    check_tree(&c, root, &path);
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
        ev->canonical = canonical(data);
        st = EVENT_OK;
    }
out:
    if (st != EVENT_OK)
        keep_envelope_only(ev);
    diags_finish(&c, d);
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

void event_diags_free(struct event_diags *d)
{
    if (!d)
        return;
    free(d->errors);
    free(d->warnings);
    memset(d, 0, sizeof(*d));
}

static int is_ascii_space(char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static void skip_spaces(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* Digits into *v; -1 when none or more than MAX_MINUTES. */
static int read_number(const char **p, long *v)
{
    const char *s = *p;

    *v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        *v = *v * 10 + (*s - '0');
        if (*v > MAX_MINUTES)
            return -1;
    }
    *p = s;
    return 0;
}

/* 'h' for hours, 'm' for "min" or "m", 0 for anything else. */
static int read_unit(const char **p)
{
    const char *s = *p;

    if (ascii_lower((unsigned char)s[0]) == 'h') {
        *p = s + 1;
        return 'h';
    }
    if (ascii_lower((unsigned char)s[0]) != 'm')
        return 0;
    if (ascii_lower((unsigned char)s[1]) == 'i' && ascii_lower((unsigned char)s[2]) == 'n')
        *p = s + 3;
    else
        *p = s + 1;
    return 'm';
}

int event_parse_workload(const char *s, int *minutes)
{
    const char *p = s;
    long hours = 0, mins = 0, v;
    int unit, parts = 0;

    while (is_ascii_space(*p))
        p++;
    if (read_number(&p, &v))
        return -1;
    skip_spaces(&p);
    unit = read_unit(&p);
    if (unit == 'h') {
        hours = v;
        parts++;
        skip_spaces(&p);
        if (*p >= '0' && *p <= '9') {
            if (read_number(&p, &v))
                return -1;
            skip_spaces(&p);
            unit = read_unit(&p);
            if (unit != 'm')
                return -1;
        }
    }
    if (unit == 'm') {
        mins = v;
        parts++;
    }
    if (!parts)
        return -1;
    while (is_ascii_space(*p))
        p++;
    if (*p || hours > MAX_HOURS || hours * 60 + mins > MAX_MINUTES)
        return -1;
    *minutes = (int)(hours * 60 + mins);
    return 0;
}

int event_cpf_valid(const char *d)
{
    int sum, r, i, same = 1;

    for (i = 0; i < 11; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    if (d[11] != '\0')
        return 0;
    for (i = 1; i < 11; i++)
        if (d[i] != d[0])
            same = 0;
    if (same)
        return 0;
    for (int check = 9; check <= 10; check++) {
        sum = 0;
        for (i = 0; i < check; i++)
            sum += (d[i] - '0') * (check + 1 - i);
        r = sum * 10 % 11;
        if (r == 10)
            r = 0;
        if (r != d[check] - '0')
            return 0;
    }
    return 1;
}

const char *event_type_name(enum cert_type t)
{
    return t == CERT_ACHIEVEMENT ? "achievement" : "participation";
}

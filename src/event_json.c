/* The event's raw text before and after cJSON reads it: NUL bytes, invalid UTF-8
 * and bad \u escapes, which cJSON would misread, and the checks of the whole
 * document that its tree alone cannot tell: duplicate keys and \u0000. */
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
cJSON *ev_parse_text(const char *body, size_t len, struct event_diags *d)
{
    char *copy = NULL;
    const char *end = NULL;
    cJSON *root = NULL;
    long long bad;
    size_t i;
    int is_nul = 0;

    bad = first_bad_byte(body, len, &is_nul);
    if (bad >= 0) {
        ev_bad_json(d, is_nul ? "body contains a NUL byte at" : "body is not valid UTF-8 at",
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
        ev_bad_json(d, "not valid JSON near", at);
        goto out;
    }
    for (i = (size_t)(end - copy); i < len && is_json_space(copy[i]); i++)
        ;
    if (bad >= 0 || i < len) {
        ev_bad_json(d, "not valid JSON near", bad >= 0 ? (size_t)bad : i);
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

static int is_number_char(char ch)
{
    return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
           ch == 'E';
}

/* The next number token of the body after c->scan, outside strings: cJSON reads the
 * same tokens in the same order, so the n-th number node is the n-th token. */
static void next_number(struct ev_ctx *c, size_t *off, size_t *len)
{
    const char *s = c->body;
    size_t i = c->scan, n = c->body_len;

    while (i < n && !(s[i] == '-' || (s[i] >= '0' && s[i] <= '9'))) {
        if (s[i] == '"')
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
        i++;
    }
    *off = i;
    while (i < n && is_number_char(s[i]))
        i++;
    *len = i - *off;
    c->scan = i;
}

static size_t digits_at(const char *s, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
    return j - i;
}

/* 1 when s[0..n) is a number as RFC 8259 writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 */
static int is_json_number(const char *s, size_t n)
{
    size_t i = s[0] == '-', k = digits_at(s, i, n);

    if (!k || (k > 1 && s[i] == '0'))
        return 0;
    i += k;
    if (i < n && s[i] == '.') {
        if (!(k = digits_at(s, i + 1, n)))
            return 0;
        i += 1 + k;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!(k = digits_at(s, i, n)))
            return 0;
        i += k;
    }
    return i == n;
}

static void check_number(struct ev_ctx *c, const cJSON *node, const char *path)
{
    char q[80], *t;
    size_t off, len;

    next_number(c, &off, &len);
    if (len && is_json_number(c->body + off, len)) {
        if (c->n_nums == c->cap_nums) {
            c->cap_nums = c->cap_nums ? c->cap_nums * 2 : 64;
            c->nums = xrealloc(c->nums, c->cap_nums * sizeof(*c->nums));
        }
        c->nums[c->n_nums++] = (struct ev_num){node, off, len};
        return;
    }
    t = xstrndup(c->body + off, len);
    ev_quote_short(q, sizeof(q), t);
    free(t);
    ev_error(c, node, path, "not a valid JSON number: '%s'", q);
}

static void check_node(struct ev_ctx *c, const cJSON *node, struct buf *path)
{
    size_t base = path->len, i = 0, n = 0;
    unsigned char *dup = NULL;
    const cJSON *ch;

    if (cJSON_IsString(node) && ev_has_mark(node->valuestring))
        ev_error(c, node, path->data ? path->data : "", "contains a control character (U+0000)");
    if (cJSON_IsNumber(node))
        check_number(c, node, path->data ? path->data : "");
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
            if (ch->string && ev_has_mark(ch->string))
                ev_error(c, ch, path->data, "key contains a control character (U+0000)");
            if (dup && dup[i])
                ev_error(c, ch, path->data, "duplicate key");
        }
        check_node(c, ch, path);
        path_cut(path, base);
    }
    free(dup);
}

static int num_cmp(const void *a, const void *b)
{
    const struct ev_num *x = a, *y = b;
    return x->node < y->node ? -1 : x->node > y->node;
}

void ev_check_tree(struct ev_ctx *c, const cJSON *root, struct buf *path)
{
    c->scan = 0;
    check_node(c, root, path);
    if (c->n_nums)
        qsort(c->nums, c->n_nums, sizeof(*c->nums), num_cmp);
}

const char *ev_number_text(const struct ev_ctx *c, const cJSON *node, size_t *len)
{
    struct ev_num key = {node, 0, 0};
    const struct ev_num *f =
        c->n_nums ? bsearch(&key, c->nums, c->n_nums, sizeof(*c->nums), num_cmp) : NULL;

    if (!f)
        return NULL;
    *len = f->len;
    return c->body + f->off;
}

/* Report a second member named key in obj as a duplicate at path; 1 when there was one. */
int ev_report_second(struct ev_ctx *c, const cJSON *obj, const char *key, const char *path)
{
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(obj, key);

    for (const cJSON *ch = first ? first->next : NULL; ch; ch = ch->next)
        if (ch->string && !strcmp(ch->string, key)) {
            ev_error(c, ch, path, "duplicate key");
            return 1;
        }
    return 0;
}

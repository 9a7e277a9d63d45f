/* The canonical form of an event's "data": compact JSON with object keys sorted at
 * every depth and numbers written exactly, so that equal strings mean the same
 * certificate (unchanged) and any other difference a revision. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "event.h"
#include "event_int.h"
#include "banned.h"

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

struct canon {
    struct buf *b;
    const struct ev_name *names;
    size_t n_names;
};

void ev_name_note(struct ev_ctx *c, const cJSON *node, const char *value)
{
    if (c->n_names == c->cap_names) {
        c->cap_names = c->cap_names ? c->cap_names * 2 : 8;
        c->names = xrealloc(c->names, c->cap_names * sizeof(*c->names));
    }
    c->names[c->n_names].node = node;
    c->names[c->n_names++].value = value;
}

/* A string node's value, or the cleaned value when it is a name. */
static const char *string_value(const struct canon *k, const cJSON *node)
{
    for (size_t i = 0; i < k->n_names; i++)
        if (k->names[i].node == node)
            return k->names[i].value;
    return node->valuestring;
}

/* Compact JSON of node with object keys sorted bytewise, at every depth. */
static void put_sorted(const struct canon *k, const cJSON *node)
{
    struct buf *b = k->b;
    const cJSON **v, *ch;
    size_t n = 0, i = 0;

    if (cJSON_IsString(node)) {
        put_string(b, string_value(k, node));
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
            put_sorted(k, ch);
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
            put_sorted(k, v[i]);
        }
        buf_addc(b, '}');
        free(v);
    } else {
        buf_adds(b, "null");
    }
}

char *ev_canonical(const cJSON *data, const struct ev_name *names, size_t n_names)
{
    struct buf b = BUF_INIT;
    struct canon k = {&b, names, n_names};
    put_sorted(&k, data);
    return buf_detach(&b, NULL);
}

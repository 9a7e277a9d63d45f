/* Helpers shared by the event module's unit test programs: a valid base
 * event, JSON edits by path, and expectations on parse results. */
#ifndef EVENT_TESTS_H
#define EVENT_TESTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "event.h"
#include "tap.h"
#include "utf8.h"
#include "banned.h"

static const char *const BASE =
    "{\"event\":{\"name\":\"Atividades - Certificado emitido\","
    "\"slug\":\"activities.certificate.issued\",\"send_at\":\"2023-08-28 20:47:31\"},"
    "\"data\":{\"institution\":{\"id\":98765432},"
    "\"user\":{\"id\":12345678,\"name\":\"User Name\",\"email\":\"user@example.com\","
    "\"cpf\":\"529.982.247-25\",\"nickname\":null,\"uuid\":null},"
    "\"course\":{\"id\":87654321,\"name\":\"Course Name\",\"workload\":\"10h\","
    "\"enrolled_at\":\"2023-08-20 10:00:00\",\"concluded_at\":\"2023-08-28 20:47:20\"},"
    "\"school\":{\"id\":1,\"name\":\"Unit 1\",\"managers\":["
    "{\"manager_id\":98712326,\"manager_name\":\"Manager Name\"},"
    "{\"manager_id\":5,\"manager_name\":\"Second Manager\"}]},"
    "\"certified\":{\"certified_at\":\"2023-08-28 20:47:31\",\"type\":\"Achievement\","
    "\"approval_rate\":25}}}";

/* doc with the member at a dotted path ("data.school.managers.0.manager_id") replaced by
 * the JSON text json, or removed when json is NULL. The caller frees the result. */
static inline char *with(const char *doc, const char *path, const char *json)
{
    cJSON *root = cJSON_Parse(doc), *node = root, *value;
    char seg[128], *text, *out;
    const char *p = path, *dot;

    for (;;) {
        size_t n;
        dot = strchr(p, '.');
        n = dot ? (size_t)(dot - p) : strlen(p);
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (!dot)
            break;
        node = cJSON_IsArray(node) ? cJSON_GetArrayItem(node, atoi(seg))
                                   : cJSON_GetObjectItemCaseSensitive(node, seg);
        p = dot + 1;
    }
    if (cJSON_IsArray(node)) {
        cJSON_ReplaceItemInArray(node, atoi(seg), cJSON_Parse(json));
    } else if (!json) {
        cJSON_DeleteItemFromObjectCaseSensitive(node, seg);
    } else {
        value = cJSON_Parse(json);
        if (cJSON_GetObjectItemCaseSensitive(node, seg))
            cJSON_ReplaceItemInObjectCaseSensitive(node, seg, value);
        else
            cJSON_AddItemToObject(node, seg, value);
    }
    text = cJSON_PrintUnformatted(root);
    out = xstrdup(text);
    cJSON_free(text);
    cJSON_Delete(root);
    return out;
}

/* doc with the first occurrence of find replaced by repl, as raw text (for numbers that
 * cJSON would print differently). The caller frees the result. */
static inline char *splice(const char *doc, const char *find, const char *repl)
{
    const char *at = strstr(doc, find);
    struct buf b = BUF_INIT;

    if (!at)
        return xstrdup(doc);
    buf_add(&b, doc, (size_t)(at - doc));
    buf_adds(&b, repl);
    buf_adds(&b, at + strlen(find));
    return buf_detach(&b, NULL);
}

/* Apply with() to an owned doc, freeing the old one. */
static inline char *edit(char *doc, const char *path, const char *json)
{
    char *r = with(doc, path, json);
    free(doc);
    return r;
}

static inline enum event_status parse(const char *s, struct event *ev, struct event_diags *d)
{
    return event_parse(s, strlen(s), ev, d);
}

/* The doc must be valid; returns 1 when it was. */
static inline int expect_ok(const char *doc, const char *what)
{
    struct event ev;
    struct event_diags d;
    enum event_status st = parse(doc, &ev, &d);
    int good = is_int(st, EVENT_OK, "%s: valid", what);

    if (!good)
        for (size_t i = 0; i < d.n_errors; i++)
            printf("#   %s: %s\n", d.errors[i].path, d.errors[i].message);
    event_free(&ev);
    event_diags_free(&d);
    return good;
}

/* The doc must be rejected with exactly one error, at path, saying msg. */
static inline void expect_error(const char *doc, const char *path, const char *msg,
                                const char *what)
{
    struct event ev;
    struct event_diags d;
    enum event_status st = parse(doc, &ev, &d);

    is_int(st, EVENT_INVALID, "%s: rejected", what);
    if (is_int(d.n_errors, 1, "%s: one error", what)) {
        is_str(d.errors[0].path, path, "%s: path", what);
        is_str(d.errors[0].message, msg, "%s: message", what);
    } else {
        for (size_t i = 0; i < d.n_errors; i++)
            printf("#   %s: %s\n", d.errors[i].path, d.errors[i].message);
    }
    event_free(&ev);
    event_diags_free(&d);
}

/* BASE with one member replaced must be rejected with one error at path. */
static inline void expect_field_error(const char *path, const char *json, const char *msg)
{
    char *doc = with(BASE, path, json);
    char what[256], epath[128];
    size_t j = 0;

    /* "data.school.managers.0.manager_id" -> "data.school.managers[0].manager_id" */
    for (const char *p = path; *p && j + 4 < sizeof(epath); p++) {
        if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
            epath[j++] = '[';
            for (p++; *p >= '0' && *p <= '9'; p++)
                epath[j++] = *p;
            epath[j++] = ']';
            p--;
        } else {
            epath[j++] = *p;
        }
    }
    epath[j] = '\0';
    snprintf(what, sizeof(what), "%s = %s", path, json ? json : "(absent)");
    expect_error(doc, epath, msg, what);
    free(doc);
}

/* BASE with one member replaced must be valid; fills *ev (caller frees) when asked. */
static inline int field_ok(const char *path, const char *json, struct event *out)
{
    char *doc = with(BASE, path, json);
    char what[256];
    struct event ev;
    struct event_diags d;
    enum event_status st = parse(doc, &ev, &d);

    snprintf(what, sizeof(what), "%s = %s: valid", path, json ? json : "(absent)");
    is_int(st, EVENT_OK, "%s", what);
    for (size_t i = 0; st != EVENT_OK && i < d.n_errors; i++)
        printf("#   %s: %s\n", d.errors[i].path, d.errors[i].message);
    if (out)
        *out = ev;
    else
        event_free(&ev);
    event_diags_free(&d);
    free(doc);
    return st == EVENT_OK;
}

static inline char *read_sample(const char *name)
{
    const char *dir = getenv("TESTDATA") ? getenv("TESTDATA") : "tests/data";
    struct buf path = BUF_INIT, body = BUF_INIT;
    char *out = NULL;

    buf_addf(&path, "%s/%s", dir, name);
    if (buf_read_file(&body, path.data) == 0)
        out = buf_detach(&body, NULL);
    buf_free(&body);
    buf_free(&path);
    return out;
}

#endif

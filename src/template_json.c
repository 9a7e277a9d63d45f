/* Reading a template's JSON for the loader: errors collected with the file and the
 * key path, unknown and duplicate keys, and typed getters for numbers, strings,
 * choices, colours, font roles and placeholder text. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "codec.h"
#include "buf.h"
#include "template.h"
#include "template_int.h"
#include "banned.h"

int template_parse_color(const char *s, struct tpl_color *c)
{
    int v[6], i, n;
    if (!s || s[0] != '#')
        return -1;
    n = (int)strlen(s + 1);
    if (n != 3 && n != 6)
        return -1;
    for (i = 0; i < n; i++)
        if ((v[i] = codec_hex_value(s[1 + i])) < 0)
            return -1;
    if (n == 3) {
        c->r = (float)(v[0] * 17) / 255.0f;
        c->g = (float)(v[1] * 17) / 255.0f;
        c->b = (float)(v[2] * 17) / 255.0f;
    } else {
        c->r = (float)(v[0] * 16 + v[1]) / 255.0f;
        c->g = (float)(v[2] * 16 + v[3]) / 255.0f;
        c->b = (float)(v[4] * 16 + v[5]) / 255.0f;
    }
    return 0;
}

__attribute__((format(printf, 3, 4))) void tpl_fail_at(struct tpl_loader *ld, const char *path,
                                                       const char *fmt, ...)
{
    char msg[512];
    size_t start = ld->errs.len, i;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (path && *path)
        buf_addf(&ld->errs, "%s: %s: %s", ld->file, path, msg);
    else
        buf_addf(&ld->errs, "%s: %s", ld->file, msg);
    for (i = start; i < ld->errs.len; i++) /* one error, one line */
        if ((unsigned char)ld->errs.data[i] < 0x20)
            ld->errs.data[i] = ' ';
    buf_addc(&ld->errs, '\n');
    ld->n_errs++;
}

/* "at.key" (or "key" at the top) into dst. */
const char *tpl_key_path(char *dst, size_t size, const char *at, const char *key)
{
    if (snprintf(dst, size, "%s%s%s", at, *at ? "." : "", key) >= (int)size && size > 4)
        memcpy(dst + size - 4, "...", 4); /* a path this long is cut visibly */
    return dst;
}

int tpl_is_comment(const char *key)
{
    return key && key[0] == '_';
}

/* An earlier member of obj has the same key as item. */
int tpl_is_duplicate(const cJSON *obj, const cJSON *item)
{
    const cJSON *p;
    for (p = obj->child; p && p != item; p = p->next)
        if (strcmp(p->string, item->string) == 0)
            return 1;
    return 0;
}

/* Report duplicate keys and, when allowed is not NULL, keys not in it (keys
 * starting with '_' are comments and ignored). */
void tpl_check_keys(struct tpl_loader *ld, const cJSON *obj, const char *at,
                    const char *const *allowed)
{
    const cJSON *it;
    char path[PATH_LEN], hint[80];
    size_t i;
    int found;

    cJSON_ArrayForEach(it, obj)
    {
        if (tpl_is_comment(it->string))
            continue;
        tpl_key_path(path, sizeof(path), at, it->string);
        if (tpl_is_duplicate(obj, it)) {
            tpl_fail_at(ld, path, "duplicate key");
            continue;
        }
        if (!allowed)
            continue;
        found = 0;
        for (i = 0; allowed[i] && !found; i++)
            found = strcmp(allowed[i], it->string) == 0;
        if (!found) {
            struct tpl_near nr = {it->string, NULL, 0};
            for (i = 0; allowed[i]; i++)
                tpl_near_try(&nr, allowed[i]);
            tpl_fail_at(ld, path, "unknown key%s", tpl_near_hint(&nr, hint, sizeof(hint)));
        }
    }
}

const cJSON *tpl_get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Typed getters: 1 found and stored, 0 absent (an error when required),
 * -1 wrong (reported). */
int tpl_get_num(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                int required, double *out)
{
    const cJSON *it = tpl_get(obj, key);
    char path[PATH_LEN];
    tpl_key_path(path, sizeof(path), at, key);
    if (!it) {
        if (required)
            tpl_fail_at(ld, path, "required, missing");
        return required ? -1 : 0;
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
        tpl_fail_at(ld, path, "must be a number");
        return -1;
    }
    *out = it->valuedouble;
    return 1;
}

/* A number > 0. */
int tpl_get_pos(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                int required, double *out)
{
    double v;
    char path[PATH_LEN];
    int r = tpl_get_num(ld, obj, at, key, required, &v);
    if (r <= 0)
        return r;
    if (v < DBL_MIN) { /* also the subnormals: a cell or a fraction of one would be 0 */
        tpl_fail_at(ld, tpl_key_path(path, sizeof(path), at, key), "must be positive (got %g)", v);
        return -1;
    }
    *out = v;
    return 1;
}

int tpl_get_int(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key, int lo,
                int hi, int *out)
{
    double v;
    char path[PATH_LEN];
    int r = tpl_get_num(ld, obj, at, key, 0, &v);
    if (r <= 0)
        return r;
    tpl_key_path(path, sizeof(path), at, key);
    if (v != floor(v)) {
        tpl_fail_at(ld, path, "must be an integer");
        return -1;
    }
    if (v < lo || v > hi) {
        tpl_fail_at(ld, path, "must be between %d and %d (got %g)", lo, hi, v);
        return -1;
    }
    *out = (int)v;
    return 1;
}

int tpl_get_str(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                int required, const char **out)
{
    const cJSON *it = tpl_get(obj, key);
    char path[PATH_LEN];
    tpl_key_path(path, sizeof(path), at, key);
    if (!it) {
        if (required)
            tpl_fail_at(ld, path, "required, missing");
        return required ? -1 : 0;
    }
    if (!cJSON_IsString(it)) {
        tpl_fail_at(ld, path, "must be a string");
        return -1;
    }
    *out = it->valuestring;
    return 1;
}

/* A string naming one of names[] (NULL-terminated); its index in *out. */
int tpl_get_enum(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                 const char *const *names, int *out)
{
    const char *s;
    char path[PATH_LEN], list[120] = "";
    size_t used = 0;
    int r = tpl_get_str(ld, obj, at, key, 0, &s), i;
    if (r <= 0)
        return r;
    for (i = 0; names[i]; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return 1;
        }
    }
    for (i = 0; names[i] && used < sizeof(list); i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
    tpl_fail_at(ld, tpl_key_path(path, sizeof(path), at, key), "must be one of %s (got '%s')", list,
                s);
    return -1;
}

/* A palette name or "#hex" into *c. */
static int to_color(struct tpl_loader *ld, const char *path, const char *s, struct tpl_color *c)
{
    const cJSON *it, *p;
    char hint[80];
    size_t n = strlen(s), i;
    int hex = n == 3 || n == 6;

    if (s[0] == '#') {
        if (template_parse_color(s, c) == 0)
            return 0;
        tpl_fail_at(ld, path, "bad colour '%s' (use #RRGGBB or #RGB)", s);
        return -1;
    }
    it = ld->palette && !tpl_is_comment(s) ? tpl_get(ld->palette, s) : NULL;
    if (it) {
        if (!cJSON_IsString(it) || template_parse_color(it->valuestring, c) < 0)
            *c = (struct tpl_color){0, 0, 0}; /* reported under "colors" */
        return 0;
    }
    for (i = 0; i < n && hex; i++)
        hex = codec_hex_value(s[i]) >= 0;
    if (hex) {
        tpl_fail_at(ld, path, "unknown colour '%s' (did you mean '#%s'?)", s, s);
        return -1;
    }
    struct tpl_near nr = {s, NULL, 0};
    if (ld->palette) {
        cJSON_ArrayForEach(p, ld->palette)
        {
            tpl_near_try(&nr, p->string);
        }
    }
    tpl_fail_at(ld, path, "unknown colour '%s'%s", s, tpl_near_hint(&nr, hint, sizeof(hint)));
    return -1;
}

int tpl_get_color(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                  struct tpl_color *out)
{
    const char *s;
    char path[PATH_LEN];
    int r = tpl_get_str(ld, obj, at, key, 0, &s);
    if (r <= 0)
        return r;
    return to_color(ld, tpl_key_path(path, sizeof(path), at, key), s, out) == 0 ? 1 : -1;
}

/* A font role name; its index in t->fonts into *out. */
int tpl_get_role(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key, int *out)
{
    const char *s;
    char path[PATH_LEN], hint[80];
    size_t i;
    int r = tpl_get_str(ld, obj, at, key, 0, &s);
    if (r <= 0 || !ld->roles_known)
        return r;
    for (i = 0; i < ld->t->n_fonts; i++) {
        if (strcmp(ld->t->fonts[i].role, s) == 0) {
            *out = (int)i;
            return 1;
        }
    }
    struct tpl_near nr = {s, NULL, 0};
    for (i = 0; i < ld->t->n_fonts; i++)
        tpl_near_try(&nr, ld->t->fonts[i].role);
    tpl_fail_at(ld, tpl_key_path(path, sizeof(path), at, key), "unknown font role '%s'%s", s,
                tpl_near_hint(&nr, hint, sizeof(hint)));
    return -1;
}

/* Placeholder text: valid UTF-8 was checked for the whole file. */
int tpl_get_text(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                 int required, char **out)
{
    const char *s;
    char path[PATH_LEN], msg[256];
    int r = tpl_get_str(ld, obj, at, key, required, &s);
    if (r <= 0)
        return r;
    if (template_check_text(s, msg, sizeof(msg)) < 0) {
        tpl_fail_at(ld, tpl_key_path(path, sizeof(path), at, key), "%s", msg);
        return -1;
    }
    *out = xstrdup(s);
    return 1;
}

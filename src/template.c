/* Certificate templates: read a JSON template file, check every key against
 * the format, resolve fonts, colours and images, and expand {{placeholder}}
 * text. All errors of a file are collected, each naming the file and key. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "layout.h"
#include "template.h"
#include "utf8.h"
#include "banned.h"

#define VAR_MAX 64     /* longest variable name looked up */
#define SECTION_MAX 32 /* deepest nesting of {{#sections}} */
#define PAGE_MIN 3.0   /* libharu's page size limits, in points */
#define PAGE_MAX 14400.0
#define SLACK 0.01   /* overhang allowed for rounding, in points */
#define PATH_LEN 200 /* key paths in messages; longer ones are cut */

static const char *const known_vars[] = {TEMPLATE_VARS};
#define N_VARS (sizeof(known_vars) / sizeof(known_vars[0]))

/* ---- suggestions for typos ---- */

/* Optimal string alignment distance (edits incl. swapping neighbours). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t d[33][33], la = strlen(a), lb = strlen(b), i, j;
    if (la > 32 || lb > 32)
        return (size_t)-1;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

struct near {
    const char *word;
    const char *best;
    size_t dist;
};

static void near_try(struct near *n, const char *cand)
{
    size_t len = strlen(n->word), limit = len >= 5 ? 2 : 1, d;
    if (!cand || !*cand || *cand == '_')
        return;
    d = edit_distance(n->word, cand);
    if (d <= limit && d < len && (!n->best || d < n->dist)) {
        n->best = cand;
        n->dist = d;
    }
}

/* " (did you mean 'x'?)" or "", in hint[size]. */
static const char *near_hint(const struct near *n, char *hint, size_t size)
{
    hint[0] = '\0';
    if (n->best)
        snprintf(hint, size, " (did you mean '%s'?)", n->best);
    return hint;
}

/* ---- placeholders ---- */

struct tag {
    const char *start; /* at "{{" */
    const char *end;   /* just after "}}" */
    char sigil;        /* '\0', '#', '^' or '/' */
    const char *name;  /* trimmed */
    size_t name_len;
};

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* The next tag from s: 1 and *tg filled, 0 when there is none, -1 when a "{{"
 * at tg->start has no "}}" before the next "{{". */
static int next_tag(const char *s, struct tag *tg)
{
    const char *open = strstr(s, "{{"), *close, *again, *p, *q;
    if (!open)
        return 0;
    tg->start = open;
    close = strstr(open + 2, "}}");
    if (!close)
        return -1;
    again = memmem(open + 2, (size_t)(close - open - 2), "{{", 2);
    if (again)
        return -1;
    tg->end = close + 2;
    p = open + 2;
    while (p < close && is_blank(*p))
        p++;
    tg->sigil = '\0';
    if (p < close && (*p == '#' || *p == '^' || *p == '/')) {
        tg->sigil = *p++;
        while (p < close && is_blank(*p))
            p++;
    }
    q = close;
    while (q > p && is_blank(q[-1]))
        q--;
    tg->name = p;
    tg->name_len = (size_t)(q - p);
    return 1;
}

static int var_index(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < N_VARS; i++)
        if (strlen(known_vars[i]) == len && memcmp(known_vars[i], name, len) == 0)
            return (int)i;
    return -1;
}

/* Bytes of s worth quoting: at most max, not past a newline, whole characters. */
static int quote_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] && s[n] != '\n')
        n++;
    if (s[n] && s[n] != '\n')
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    return (int)n;
}

#define TAG_FMT "'%.*s'"
#define TAG_ARG(tg) (int)((tg)->end - (tg)->start), (tg)->start

int template_check_text(const char *text, char *err, size_t errlen)
{
    struct tag open[SECTION_MAX], tg;
    size_t depth = 0;
    const char *s = text;
    char hint[80], name[VAR_MAX + 1];
    struct near nr;
    size_t i;
    int r;

    if (err && errlen)
        err[0] = '\0';
    while ((r = next_tag(s, &tg)) != 0) {
        if (r < 0) {
            snprintf(err, errlen, "unterminated '{{' at '%.*s'", quote_len(tg.start, 24), tg.start);
            return -1;
        }
        if (tg.end - tg.start > 60) {
            snprintf(err, errlen, "placeholder too long: '%.*s...'", quote_len(tg.start, 40),
                     tg.start);
            return -1;
        }
        if (tg.name_len == 0) {
            snprintf(err, errlen, "empty placeholder " TAG_FMT, TAG_ARG(&tg));
            return -1;
        }
        if (var_index(tg.name, tg.name_len) < 0) {
            memcpy(name, tg.name, tg.name_len < VAR_MAX ? tg.name_len : VAR_MAX);
            name[tg.name_len < VAR_MAX ? tg.name_len : VAR_MAX] = '\0';
            nr = (struct near){name, NULL, 0};
            for (i = 0; i < N_VARS; i++)
                near_try(&nr, known_vars[i]);
            snprintf(err, errlen, "unknown placeholder " TAG_FMT "%s", TAG_ARG(&tg),
                     near_hint(&nr, hint, sizeof(hint)));
            return -1;
        }
        if (tg.sigil == '#' || tg.sigil == '^') {
            if (depth == SECTION_MAX) {
                snprintf(err, errlen, "sections nested deeper than %d", SECTION_MAX);
                return -1;
            }
            open[depth++] = tg;
        } else if (tg.sigil == '/') {
            if (depth == 0) {
                snprintf(err, errlen, "unbalanced sections: " TAG_FMT " closes nothing",
                         TAG_ARG(&tg));
                return -1;
            }
            depth--;
            if (open[depth].name_len != tg.name_len ||
                memcmp(open[depth].name, tg.name, tg.name_len) != 0) {
                snprintf(err, errlen, "unbalanced sections: " TAG_FMT " closes " TAG_FMT,
                         TAG_ARG(&tg), TAG_ARG(&open[depth]));
                return -1;
            }
        }
        s = tg.end;
    }
    if (depth > 0) {
        snprintf(err, errlen, "unbalanced sections: " TAG_FMT " is never closed",
                 TAG_ARG(&open[depth - 1]));
        return -1;
    }
    return 0;
}

static const char *lookup_value(template_lookup_fn lookup, void *ctx, const struct tag *tg)
{
    char name[VAR_MAX + 1];
    const char *v;
    if (tg->name_len > VAR_MAX)
        return "";
    memcpy(name, tg->name, tg->name_len);
    name[tg->name_len] = '\0';
    v = lookup(ctx, name);
    return v ? v : "";
}

void template_expand(const char *text, template_lookup_fn lookup, void *ctx, struct buf *out)
{
    const char *s = text;
    int depth = 0, hidden_at = 0; /* depth of the outermost section left out, 0: none */
    struct tag tg;
    int set;

    buf_add(out, "", 0);
    for (;;) {
        if (next_tag(s, &tg) <= 0) {
            if (!hidden_at)
                buf_adds(out, s);
            return;
        }
        if (!hidden_at)
            buf_add(out, s, (size_t)(tg.start - s));
        s = tg.end;
        switch (tg.sigil) {
        case '#':
        case '^':
            depth++;
            if (!hidden_at) {
                set = *lookup_value(lookup, ctx, &tg) != '\0';
                if (set != (tg.sigil == '#'))
                    hidden_at = depth;
            }
            break;
        case '/':
            if (depth > 0) {
                if (hidden_at == depth)
                    hidden_at = 0;
                depth--;
            }
            break;
        default:
            if (!hidden_at)
                buf_adds(out, lookup_value(lookup, ctx, &tg));
        }
    }
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int template_parse_color(const char *s, struct tpl_color *c)
{
    int v[6], i, n;
    if (!s || s[0] != '#')
        return -1;
    n = (int)strlen(s + 1);
    if (n != 3 && n != 6)
        return -1;
    for (i = 0; i < n; i++)
        if ((v[i] = hex_digit(s[1 + i])) < 0)
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

/* ---- loading ---- */

struct loader {
    const char *file;      /* as the caller named it, for messages */
    char *dir;             /* the template's folder with a trailing '/', or "" */
    const char *fonts_dir; /* may be NULL */
    const cJSON *palette;  /* "colors", or NULL */
    int roles_known;       /* "fonts" was read: check role names */
    struct template *t;
    struct buf errs; /* one line per error */
    size_t n_errs;
};

/* Element defaults from "defaults" for text and signatures. */
struct defaults {
    int font;
    double size, min_size, leading;
    int has_min_size, max_lines;
    struct tpl_color color;
    enum tpl_align align;
    enum tpl_valign valign;
};

__attribute__((format(printf, 3, 4))) static void fail_at(struct loader *ld, const char *path,
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
static const char *key_path(char *dst, size_t size, const char *at, const char *key)
{
    if (snprintf(dst, size, "%s%s%s", at, *at ? "." : "", key) >= (int)size && size > 4)
        memcpy(dst + size - 4, "...", 4); /* a path this long is cut visibly */
    return dst;
}

static int is_comment(const char *key)
{
    return key && key[0] == '_';
}

/* An earlier member of obj has the same key as item. */
static int is_duplicate(const cJSON *obj, const cJSON *item)
{
    const cJSON *p;
    for (p = obj->child; p && p != item; p = p->next)
        if (strcmp(p->string, item->string) == 0)
            return 1;
    return 0;
}

/* Report duplicate keys and, when allowed is not NULL, keys not in it (keys
 * starting with '_' are comments and ignored). */
static void check_keys(struct loader *ld, const cJSON *obj, const char *at,
                       const char *const *allowed)
{
    const cJSON *it;
    char path[PATH_LEN], hint[80];
    size_t i;
    int found;

    cJSON_ArrayForEach(it, obj)
    {
        if (is_comment(it->string))
            continue;
        key_path(path, sizeof(path), at, it->string);
        if (is_duplicate(obj, it)) {
            fail_at(ld, path, "duplicate key");
            continue;
        }
        if (!allowed)
            continue;
        found = 0;
        for (i = 0; allowed[i] && !found; i++)
            found = strcmp(allowed[i], it->string) == 0;
        if (!found) {
            struct near nr = {it->string, NULL, 0};
            for (i = 0; allowed[i]; i++)
                near_try(&nr, allowed[i]);
            fail_at(ld, path, "unknown key%s", near_hint(&nr, hint, sizeof(hint)));
        }
    }
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Typed getters: 1 found and stored, 0 absent (an error when required),
 * -1 wrong (reported). */
static int get_num(struct loader *ld, const cJSON *obj, const char *at, const char *key,
                   int required, double *out)
{
    const cJSON *it = get(obj, key);
    char path[PATH_LEN];
    key_path(path, sizeof(path), at, key);
    if (!it) {
        if (required)
            fail_at(ld, path, "required, missing");
        return required ? -1 : 0;
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
        fail_at(ld, path, "must be a number");
        return -1;
    }
    *out = it->valuedouble;
    return 1;
}

/* A number > 0. */
static int get_pos(struct loader *ld, const cJSON *obj, const char *at, const char *key,
                   int required, double *out)
{
    double v;
    char path[PATH_LEN];
    int r = get_num(ld, obj, at, key, required, &v);
    if (r <= 0)
        return r;
    if (v < DBL_MIN) { /* also the subnormals: a cell or a fraction of one would be 0 */
        fail_at(ld, key_path(path, sizeof(path), at, key), "must be positive (got %g)", v);
        return -1;
    }
    *out = v;
    return 1;
}

static int get_int(struct loader *ld, const cJSON *obj, const char *at, const char *key, int lo,
                   int hi, int *out)
{
    double v;
    char path[PATH_LEN];
    int r = get_num(ld, obj, at, key, 0, &v);
    if (r <= 0)
        return r;
    key_path(path, sizeof(path), at, key);
    if (v != floor(v)) {
        fail_at(ld, path, "must be an integer");
        return -1;
    }
    if (v < lo || v > hi) {
        fail_at(ld, path, "must be between %d and %d (got %g)", lo, hi, v);
        return -1;
    }
    *out = (int)v;
    return 1;
}

static int get_str(struct loader *ld, const cJSON *obj, const char *at, const char *key,
                   int required, const char **out)
{
    const cJSON *it = get(obj, key);
    char path[PATH_LEN];
    key_path(path, sizeof(path), at, key);
    if (!it) {
        if (required)
            fail_at(ld, path, "required, missing");
        return required ? -1 : 0;
    }
    if (!cJSON_IsString(it)) {
        fail_at(ld, path, "must be a string");
        return -1;
    }
    *out = it->valuestring;
    return 1;
}

/* A string naming one of names[] (NULL-terminated); its index in *out. */
static int get_enum(struct loader *ld, const cJSON *obj, const char *at, const char *key,
                    const char *const *names, int *out)
{
    const char *s;
    char path[PATH_LEN], list[120] = "";
    size_t used = 0;
    int r = get_str(ld, obj, at, key, 0, &s), i;
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
    fail_at(ld, key_path(path, sizeof(path), at, key), "must be one of %s (got '%s')", list, s);
    return -1;
}

/* A palette name or "#hex" into *c. */
static int to_color(struct loader *ld, const char *path, const char *s, struct tpl_color *c)
{
    const cJSON *it, *p;
    char hint[80];
    size_t n = strlen(s), i;
    int hex = n == 3 || n == 6;

    if (s[0] == '#') {
        if (template_parse_color(s, c) == 0)
            return 0;
        fail_at(ld, path, "bad colour '%s' (use #RRGGBB or #RGB)", s);
        return -1;
    }
    it = ld->palette && !is_comment(s) ? get(ld->palette, s) : NULL;
    if (it) {
        if (!cJSON_IsString(it) || template_parse_color(it->valuestring, c) < 0)
            *c = (struct tpl_color){0, 0, 0}; /* reported under "colors" */
        return 0;
    }
    for (i = 0; i < n && hex; i++)
        hex = hex_digit(s[i]) >= 0;
    if (hex) {
        fail_at(ld, path, "unknown colour '%s' (did you mean '#%s'?)", s, s);
        return -1;
    }
    struct near nr = {s, NULL, 0};
    if (ld->palette) {
        cJSON_ArrayForEach(p, ld->palette)
        {
            near_try(&nr, p->string);
        }
    }
    fail_at(ld, path, "unknown colour '%s'%s", s, near_hint(&nr, hint, sizeof(hint)));
    return -1;
}

static int get_color(struct loader *ld, const cJSON *obj, const char *at, const char *key,
                     struct tpl_color *out)
{
    const char *s;
    char path[PATH_LEN];
    int r = get_str(ld, obj, at, key, 0, &s);
    if (r <= 0)
        return r;
    return to_color(ld, key_path(path, sizeof(path), at, key), s, out) == 0 ? 1 : -1;
}

/* A font role name; its index in t->fonts into *out. */
static int get_role(struct loader *ld, const cJSON *obj, const char *at, const char *key, int *out)
{
    const char *s;
    char path[PATH_LEN], hint[80];
    size_t i;
    int r = get_str(ld, obj, at, key, 0, &s);
    if (r <= 0 || !ld->roles_known)
        return r;
    for (i = 0; i < ld->t->n_fonts; i++) {
        if (strcmp(ld->t->fonts[i].role, s) == 0) {
            *out = (int)i;
            return 1;
        }
    }
    struct near nr = {s, NULL, 0};
    for (i = 0; i < ld->t->n_fonts; i++)
        near_try(&nr, ld->t->fonts[i].role);
    fail_at(ld, key_path(path, sizeof(path), at, key), "unknown font role '%s'%s", s,
            near_hint(&nr, hint, sizeof(hint)));
    return -1;
}

/* Placeholder text: valid UTF-8 was checked for the whole file. */
static int get_text(struct loader *ld, const cJSON *obj, const char *at, const char *key,
                    int required, char **out)
{
    const char *s;
    char path[PATH_LEN], msg[256];
    int r = get_str(ld, obj, at, key, required, &s);
    if (r <= 0)
        return r;
    if (template_check_text(s, msg, sizeof(msg)) < 0) {
        fail_at(ld, key_path(path, sizeof(path), at, key), "%s", msg);
        return -1;
    }
    *out = xstrdup(s);
    return 1;
}

/* ---- files ---- */

static char *join_path(const char *dir, const char *name)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(dir);
    buf_adds(&b, dir);
    if (n > 0 && dir[n - 1] != '/')
        buf_addc(&b, '/');
    buf_adds(&b, name);
    return buf_detach(&b, NULL);
}

/* name as an absolute path, else in the template's folder, else in alt_dir:
 * the path found (caller frees), or NULL. */
static char *find_file(const struct loader *ld, const char *name, const char *alt_dir)
{
    struct stat st;
    char *p;
    if (name[0] == '/')
        return stat(name, &st) == 0 ? xstrdup(name) : NULL;
    p = join_path(ld->dir, name);
    if (stat(p, &st) == 0)
        return p;
    free(p);
    if (alt_dir && *alt_dir) {
        p = join_path(alt_dir, name);
        if (stat(p, &st) == 0)
            return p;
        free(p);
    }
    return NULL;
}

/* The first bytes of a regular file: their count, or -1 (reported). */
static long read_head(struct loader *ld, const char *at, const char *file, unsigned char *head,
                      size_t n)
{
    struct stat st;
    FILE *f;
    size_t got;
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        fail_at(ld, at, "'%s' is not a regular file", file);
        return -1;
    }
    f = fopen(file, "rb");
    if (!f) {
        fail_at(ld, at, "cannot open '%s': %s", file, strerror(errno));
        return -1;
    }
    got = fread(head, 1, n, f);
    fclose(f);
    return (long)got;
}

/* Find and check a font file; the resolved path, or NULL (reported). */
static char *load_font_file(struct loader *ld, const char *at, const char *name, int index)
{
    unsigned char h[12];
    char *path = NULL;
    long n;
    unsigned long count;

    if (!*name) {
        fail_at(ld, at, "empty font file name");
        goto fail;
    }
    path = find_file(ld, name, ld->fonts_dir);
    if (!path) {
        if (name[0] == '/')
            fail_at(ld, at, "font file '%s' not found", name);
        else if (ld->fonts_dir && *ld->fonts_dir)
            fail_at(ld, at, "font file '%s' not found (looked in '%s' and '%s')", name,
                    *ld->dir ? ld->dir : "./", ld->fonts_dir);
        else
            fail_at(ld, at, "font file '%s' not found (looked in '%s')", name,
                    *ld->dir ? ld->dir : "./");
        goto fail;
    }
    if ((n = read_head(ld, at, path, h, sizeof(h))) < 0)
        goto fail;
    if (n >= 4 && memcmp(h, "OTTO", 4) == 0) {
        fail_at(ld, at,
                "'%s': CFF/OpenType fonts are not supported by libharu; use a TrueType font", name);
        goto fail;
    }
    if (n >= 4 && memcmp(h, "ttcf", 4) == 0) {
        count = n >= 12 ? (unsigned long)h[8] << 24 | (unsigned long)h[9] << 16 |
                              (unsigned long)h[10] << 8 | h[11]
                        : 0;
        if (n >= 12 && (unsigned long)index >= count) {
            fail_at(ld, at, "font index %d out of range: '%s' holds %lu fonts", index, name, count);
            goto fail;
        }
        return path;
    }
    if (n >= 4 && (memcmp(h, "\0\1\0\0", 4) == 0 || memcmp(h, "true", 4) == 0)) {
        if (index != 0) {
            fail_at(ld, at, "font index %d given but '%s' is not a collection (.ttc)", index, name);
            goto fail;
        }
        return path;
    }
    fail_at(ld, at, "'%s' is not a TrueType font (.ttf or .ttc)", name);
fail:
    free(path);
    return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Find and check a PNG or JPEG; the resolved path, or NULL (reported). */
static char *load_image(struct loader *ld, const char *at, const char *name)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char jpeg[3] = {0xff, 0xd8, 0xff};
    unsigned char h[8];
    int is_png = ends_with(name, ".png");
    char *path = NULL;
    long n;

    if (!is_png && !ends_with(name, ".jpg") && !ends_with(name, ".jpeg")) {
        fail_at(ld, at, "'%s' is not a PNG or JPEG file name (.png, .jpg or .jpeg)", name);
        goto fail;
    }
    path = find_file(ld, name, NULL);
    if (!path) {
        fail_at(ld, at, "image file '%s' not found", name);
        goto fail;
    }
    if ((n = read_head(ld, at, path, h, sizeof(h))) < 0)
        goto fail;
    if (is_png && (n < 8 || memcmp(h, png, 8) != 0)) {
        fail_at(ld, at, "'%s' is not a PNG image", name);
        goto fail;
    }
    if (!is_png && (n < 3 || memcmp(h, jpeg, 3) != 0)) {
        fail_at(ld, at, "'%s' is not a JPEG image", name);
        goto fail;
    }
    return path;
fail:
    free(path);
    return NULL;
}

/* ---- sections of the file ---- */

static void load_page(struct loader *ld, const cJSON *page)
{
    static const char *const keys[] = {"size", "orientation", NULL};
    static const char *const orients[] = {"landscape", "portrait", NULL};
    static const struct {
        const char *name;
        double w, h;
    } sizes[] = {{"A4", 595.28, 841.89}, {"A5", 419.53, 595.28}, {"Letter", 612, 792}};
    const cJSON *size = page ? get(page, "size") : NULL, *d;
    double w = 595.28, h = 841.89, v[2], lo, hi;
    int named = 1, orient = 0, has_orient = 0, i, ok = 1;
    char path[PATH_LEN];

    ld->t->page_w = 841.89;
    ld->t->page_h = 595.28;
    if (!page)
        return;
    if (!cJSON_IsObject(page)) {
        fail_at(ld, "page", "must be an object, like {\"size\": \"A4\"}");
        return;
    }
    check_keys(ld, page, "page", keys);
    if (cJSON_IsString(size)) {
        for (i = 0; i < 3 && strcasecmp(sizes[i].name, size->valuestring) != 0; i++)
            ;
        if (i == 3) {
            fail_at(ld, "page.size", "unknown page size '%s' (use A4, A5, Letter or [w, h])",
                    size->valuestring);
            return;
        }
        w = sizes[i].w;
        h = sizes[i].h;
    } else if (cJSON_IsArray(size) && cJSON_GetArraySize(size) == 2) {
        named = 0;
        for (i = 0; i < 2; i++) {
            d = cJSON_GetArrayItem(size, i);
            snprintf(path, sizeof(path), "page.size[%d]", i);
            if (!cJSON_IsNumber(d) || !isfinite(d->valuedouble)) {
                fail_at(ld, path, "must be a number");
                ok = 0;
            } else if (d->valuedouble < PAGE_MIN || d->valuedouble > PAGE_MAX) {
                fail_at(ld, path, "must be between %g and %g points (got %g)", PAGE_MIN, PAGE_MAX,
                        d->valuedouble);
                ok = 0;
            } else {
                v[i] = d->valuedouble;
            }
        }
        if (!ok)
            return;
        w = v[0];
        h = v[1];
    } else if (size) {
        fail_at(ld, "page.size", "must be A4, A5, Letter or [w, h] in points");
        return;
    }
    has_orient = get_enum(ld, page, "page", "orientation", orients, &orient) > 0;
    if (named || has_orient) {
        lo = w < h ? w : h;
        hi = w < h ? h : w;
        w = orient == 0 ? hi : lo;
        h = orient == 0 ? lo : hi;
    }
    ld->t->page_w = w;
    ld->t->page_h = h;
}

static void load_colors(struct loader *ld, const cJSON *colors)
{
    const cJSON *it;
    struct tpl_color c;
    char path[PATH_LEN];

    if (!colors)
        return;
    if (!cJSON_IsObject(colors)) {
        fail_at(ld, "colors", "must be an object");
        return;
    }
    check_keys(ld, colors, "colors", NULL);
    cJSON_ArrayForEach(it, colors)
    {
        if (is_comment(it->string) || is_duplicate(colors, it))
            continue;
        key_path(path, sizeof(path), "colors", it->string);
        if (!*it->string || it->string[0] == '#')
            fail_at(ld, path, "a colour name must not be empty or start with '#'");
        else if (!cJSON_IsString(it))
            fail_at(ld, path, "must be a string");
        else if (template_parse_color(it->valuestring, &c) < 0)
            fail_at(ld, path, "bad colour '%s' (use #RRGGBB or #RGB)", it->valuestring);
    }
    ld->palette = colors;
}

/* "fallback": a chain name, or a list of chain names and font files ("x.ttf", "y.ttc:1"). */
static void load_fallback(struct loader *ld, const cJSON *v, const char *at, struct tpl_font *tf)
{
    const cJSON *it;
    char path[PATH_LEN + 24];
    size_t n = 0, i = 0;

    tf->has_fallback = 1;
    if (!cJSON_IsString(v) && !cJSON_IsArray(v)) {
        fail_at(ld, at, "must be a chain name or a list of chain names and font files");
        return;
    }
    n = cJSON_IsString(v) ? 1 : (size_t)cJSON_GetArraySize(v);
    tf->fallback = xcalloc(n ? n : 1, sizeof(*tf->fallback));
    for (it = cJSON_IsString(v) ? v : v->child; it && i < n; it = it->next, i++) {
        struct tpl_fallback *fb = &tf->fallback[tf->n_fallback];
        const char *s = cJSON_IsString(it) ? it->valuestring : NULL;
        const char *colon, *dot;
        if (cJSON_IsArray(v))
            snprintf(path, sizeof(path), "%s[%zu]", at, i);
        else
            snprintf(path, sizeof(path), "%s", at);
        if (!s || !*s) {
            fail_at(ld, path, "must be a chain name or a font file name");
            continue;
        }
        colon = strrchr(s, ':');
        dot = strrchr(s, '.');
        if (dot && (!strncasecmp(dot, ".ttf", 4) || !strncasecmp(dot, ".ttc", 4))) {
            struct buf file = BUF_INIT;
            char *end = NULL;
            long index = 0;
            if (colon && colon > dot) {
                index = strtol(colon + 1, &end, 10);
                if (*end || end == colon + 1 || index < 0 || index > 9999) {
                    fail_at(ld, path, "bad face index in '%s'", s);
                    continue;
                }
            }
            buf_add(&file, s, colon && colon > dot ? (size_t)(colon - s) : strlen(s));
            fb->path = load_font_file(ld, path, file.data, (int)index);
            fb->index = (int)index;
            buf_free(&file);
            if (fb->path)
                tf->n_fallback++;
        } else if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(s)) {
            if (strcmp(s, "none") != 0) {
                fb->chain = xstrdup(s);
                tf->n_fallback++;
            }
        } else {
            fail_at(ld, path, "'%s' is neither a chain name (lowercase) nor a .ttf/.ttc file", s);
        }
    }
}

static void load_fonts(struct loader *ld, const cJSON *fonts)
{
    static const char *const keys[] = {"file", "index", "fallback", NULL};
    struct template *t = ld->t;
    const cJSON *it;
    const char *file;
    char at[PATH_LEN], path[PATH_LEN];
    size_t n = 0;
    int index;

    if (!fonts) {
        fail_at(ld, "fonts", "required, missing");
        return;
    }
    if (!cJSON_IsObject(fonts)) {
        fail_at(ld, "fonts", "must be an object of font roles");
        return;
    }
    check_keys(ld, fonts, "fonts", NULL);
    cJSON_ArrayForEach(it, fonts)
    {
        n += !is_comment(it->string);
    }
    if (n == 0) {
        fail_at(ld, "fonts", "needs at least one font role");
        return;
    }
    t->fonts = xcalloc(n, sizeof(*t->fonts));
    cJSON_ArrayForEach(it, fonts)
    {
        if (is_comment(it->string) || is_duplicate(fonts, it))
            continue;
        key_path(at, sizeof(at), "fonts", it->string);
        t->fonts[t->n_fonts++].role = xstrdup(it->string);
        if (!*it->string) {
            fail_at(ld, at, "empty font role name");
            continue;
        }
        file = NULL;
        index = 0;
        if (cJSON_IsString(it)) {
            file = it->valuestring;
            key_path(path, sizeof(path), "fonts", it->string);
        } else if (cJSON_IsObject(it)) {
            check_keys(ld, it, at, keys);
            get_int(ld, it, at, "index", 0, 9999, &index);
            get_str(ld, it, at, "file", 1, &file);
            if (get(it, "fallback")) {
                char fpath[PATH_LEN];
                load_fallback(ld, get(it, "fallback"),
                              key_path(fpath, sizeof(fpath), at, "fallback"),
                              &t->fonts[t->n_fonts - 1]);
            }
            key_path(path, sizeof(path), at, "file");
        } else {
            fail_at(ld, at, "must be a file name or {\"file\": ..., \"index\": ...}");
        }
        if (file)
            t->fonts[t->n_fonts - 1].path = load_font_file(ld, path, file, index);
        t->fonts[t->n_fonts - 1].index = index;
    }
    ld->roles_known = 1;
}

static void load_defaults(struct loader *ld, const cJSON *d, struct defaults *df)
{
    static const char *const keys[] = {"font",  "size",   "min_size",  "leading", "color",
                                       "align", "valign", "max_lines", NULL};
    static const char *const aligns[] = {"left", "center", "right", NULL};
    static const char *const valigns[] = {"top", "middle", "bottom", NULL};
    int has_size, v;

    *df = (struct defaults){.font = 0,
                            .size = 12,
                            .leading = 1.25,
                            .max_lines = 1,
                            .align = TPL_CENTER,
                            .valign = TPL_TOP};
    if (!d)
        return;
    if (!cJSON_IsObject(d)) {
        fail_at(ld, "defaults", "must be an object");
        return;
    }
    check_keys(ld, d, "defaults", keys);
    get_role(ld, d, "defaults", "font", &df->font);
    has_size = get_pos(ld, d, "defaults", "size", 0, &df->size) > 0;
    df->has_min_size = get_pos(ld, d, "defaults", "min_size", 0, &df->min_size) > 0;
    get_pos(ld, d, "defaults", "leading", 0, &df->leading);
    get_color(ld, d, "defaults", "color", &df->color);
    if (get_enum(ld, d, "defaults", "align", aligns, &v) > 0)
        df->align = (enum tpl_align)v;
    if (get_enum(ld, d, "defaults", "valign", valigns, &v) > 0)
        df->valign = (enum tpl_valign)v;
    get_int(ld, d, "defaults", "max_lines", 1, LAYOUT_MAX_LINES, &df->max_lines);
    if (has_size && df->has_min_size && df->min_size > df->size)
        fail_at(ld, "defaults.min_size", "%g is above size %g", df->min_size, df->size);
}

static void load_background(struct loader *ld, const cJSON *bg)
{
    static const char *const keys[] = {"color", "image", NULL};
    const char *image;
    if (!bg)
        return;
    if (!cJSON_IsObject(bg)) {
        fail_at(ld, "background", "must be an object");
        return;
    }
    check_keys(ld, bg, "background", keys);
    ld->t->has_background = get_color(ld, bg, "background", "color", &ld->t->background) > 0;
    if (get_str(ld, bg, "background", "image", 0, &image) > 0)
        ld->t->background_image = load_image(ld, "background.image", image);
}

/* ---- elements ---- */

static const char *const text_keys[] = {
    "type", "if",       "x",       "y",         "w",     "h",      "text",  "font",
    "size", "min_size", "leading", "max_lines", "align", "valign", "color", NULL};
static const char *const line_keys[] = {"type", "if",    "x1",    "y1", "x2",
                                        "y2",   "width", "color", NULL};
static const char *const rect_keys[] = {"type", "if",     "x",    "y",     "w",
                                        "h",    "stroke", "fill", "width", NULL};
static const char *const image_keys[] = {"type", "if", "x", "y", "w", "h", "src", NULL};
static const char *const sig_keys[] = {
    "type",    "if",       "x",          "y",          "w",     "h",          "font",
    "size",    "min_size", "leading",    "max_lines",  "color", "line_color", "width",
    "per_row", "label",    "label_font", "label_size", NULL};
static const char *const qr_keys[] = {"type", "if", "x", "y", "size", "color", NULL};

static const char *const kind_names[] = {"text", "line", "rect", "image", "signatures", "qr", NULL};
static const char *const *const kind_keys[] = {text_keys,  line_keys, rect_keys,
                                               image_keys, sig_keys,  qr_keys};

/* x, y, w, h of a box: 0, or -1 when one is missing or wrong (reported). */
static int load_box(struct loader *ld, const cJSON *o, const char *at, struct tpl_element *e)
{
    int ok = 1;
    ok &= get_num(ld, o, at, "x", 1, &e->x) > 0;
    ok &= get_num(ld, o, at, "y", 1, &e->y) > 0;
    ok &= get_pos(ld, o, at, "w", 1, &e->w) > 0;
    ok &= get_pos(ld, o, at, "h", 1, &e->h) > 0;
    return ok ? 0 : -1;
}

/* Font, sizes, lines and colour of text and signature names. */
static void load_text_style(struct loader *ld, const cJSON *o, const char *at,
                            const struct defaults *df, struct tpl_element *e)
{
    static const char *const aligns[] = {"left", "center", "right", NULL};
    static const char *const valigns[] = {"top", "middle", "bottom", NULL};
    char path[PATH_LEN];
    int v;

    get_role(ld, o, at, "font", &e->font);
    get_pos(ld, o, at, "size", 0, &e->size);
    if (get_pos(ld, o, at, "min_size", 0, &e->min_size) > 0) {
        if (e->min_size > e->size)
            fail_at(ld, key_path(path, sizeof(path), at, "min_size"), "%g is above size %g",
                    e->min_size, e->size);
    } else if (df->has_min_size) {
        e->min_size = df->min_size < e->size ? df->min_size : e->size;
    } else {
        e->min_size = e->size * 0.6;
    }
    get_pos(ld, o, at, "leading", 0, &e->leading);
    get_int(ld, o, at, "max_lines", 1, LAYOUT_MAX_LINES, &e->max_lines);
    e->color = df->color;
    get_color(ld, o, at, "color", &e->color);
    if (e->kind != TPL_TEXT)
        return;
    if (get_enum(ld, o, at, "align", aligns, &v) > 0)
        e->align = (enum tpl_align)v;
    if (get_enum(ld, o, at, "valign", valigns, &v) > 0)
        e->valign = (enum tpl_valign)v;
}

static int outside(struct loader *ld, const char *at, const char *what, double v, double max)
{
    if (v < -SLACK)
        fail_at(ld, at, "outside the page (%s = %g < 0)", what, v);
    else if (v > max + SLACK)
        fail_at(ld, at, "outside the page (%s = %g > %g)", what, v, max);
    else
        return 0;
    return 1;
}

static void check_on_page(struct loader *ld, const char *at, const struct tpl_element *e)
{
    double pw = ld->t->page_w, ph = ld->t->page_h;
    if (e->kind == TPL_LINE) {
        (void)(outside(ld, at, "x1", e->x, pw) || outside(ld, at, "y1", e->y, ph) ||
               outside(ld, at, "x2", e->x2, pw) || outside(ld, at, "y2", e->y2, ph));
        return;
    }
    (void)(outside(ld, at, "x", e->x, pw) || outside(ld, at, "y", e->y, ph) ||
           outside(ld, at, e->kind == TPL_QR ? "x + size" : "x + w", e->x + e->w, pw) ||
           outside(ld, at, e->kind == TPL_QR ? "y + size" : "y + h", e->y + e->h, ph));
}

static void load_element(struct loader *ld, const cJSON *o, const char *at,
                         const struct defaults *df, struct tpl_element *e)
{
    const char *type, *cond, *src;
    char path[PATH_LEN], hint[80];
    int kind = 0, placed = 0, has_stroke, has_fill;
    size_t i;

    e->font = e->label_font = df->font;
    e->size = df->size;
    e->leading = df->leading;
    e->max_lines = df->max_lines;
    e->align = df->align;
    e->valign = df->valign;
    e->line_width = 1;
    if (!cJSON_IsObject(o)) {
        fail_at(ld, at, "must be an object");
        return;
    }
    if (get_str(ld, o, at, "type", 1, &type) <= 0)
        return;
    while (kind_names[kind] && strcmp(kind_names[kind], type) != 0)
        kind++;
    if (!kind_names[kind]) {
        struct near nr = {type, NULL, 0};
        for (i = 0; kind_names[i]; i++)
            near_try(&nr, kind_names[i]);
        if (!nr.best)
            snprintf(hint, sizeof(hint), " (use text, line, rect, image, signatures or qr)");
        else
            near_hint(&nr, hint, sizeof(hint));
        fail_at(ld, key_path(path, sizeof(path), at, "type"), "unknown element type '%s'%s", type,
                hint);
        return;
    }
    e->kind = (enum tpl_kind)kind;
    check_keys(ld, o, at, kind_keys[kind]);
    if (get_str(ld, o, at, "if", 0, &cond) > 0) {
        const char *name = cond + (cond[0] == '!');
        if (var_index(name, strlen(name)) < 0) {
            struct near nr = {name, NULL, 0};
            for (i = 0; i < N_VARS; i++)
                near_try(&nr, known_vars[i]);
            fail_at(ld, key_path(path, sizeof(path), at, "if"), "unknown variable '%s'%s", name,
                    near_hint(&nr, hint, sizeof(hint)));
        } else {
            e->cond = xstrdup(cond);
        }
    }
    switch (e->kind) {
    case TPL_TEXT:
        placed = load_box(ld, o, at, e) == 0;
        get_text(ld, o, at, "text", 1, &e->text);
        load_text_style(ld, o, at, df, e);
        break;
    case TPL_LINE:
        placed = get_num(ld, o, at, "x1", 1, &e->x) > 0;
        placed &= get_num(ld, o, at, "y1", 1, &e->y) > 0;
        placed &= get_num(ld, o, at, "x2", 1, &e->x2) > 0;
        placed &= get_num(ld, o, at, "y2", 1, &e->y2) > 0;
        get_pos(ld, o, at, "width", 0, &e->line_width);
        get_color(ld, o, at, "color", &e->color);
        e->stroke = e->color;
        e->has_stroke = 1;
        break;
    case TPL_RECT:
        placed = load_box(ld, o, at, e) == 0;
        has_stroke = get_color(ld, o, at, "stroke", &e->stroke);
        has_fill = get_color(ld, o, at, "fill", &e->fill);
        e->has_stroke = has_stroke > 0;
        e->has_fill = has_fill > 0;
        if (has_stroke == 0 && has_fill == 0)
            fail_at(ld, at, "a rect needs \"stroke\" or \"fill\"");
        get_pos(ld, o, at, "width", 0, &e->line_width);
        break;
    case TPL_IMAGE:
        placed = load_box(ld, o, at, e) == 0;
        if (get_str(ld, o, at, "src", 1, &src) > 0)
            e->image_path = load_image(ld, key_path(path, sizeof(path), at, "src"), src);
        break;
    case TPL_SIGNATURES:
        placed = load_box(ld, o, at, e) == 0;
        load_text_style(ld, o, at, df, e);
        e->label_font = e->font;
        e->line_color = e->color;
        get_color(ld, o, at, "line_color", &e->line_color);
        get_pos(ld, o, at, "width", 0, &e->line_width);
        e->per_row = 4;
        get_int(ld, o, at, "per_row", 1, 8, &e->per_row);
        get_text(ld, o, at, "label", 0, &e->label);
        get_role(ld, o, at, "label_font", &e->label_font);
        e->label_size = e->size * 0.8;
        get_pos(ld, o, at, "label_size", 0, &e->label_size);
        break;
    case TPL_QR:
        placed = get_num(ld, o, at, "x", 1, &e->x) > 0;
        placed &= get_num(ld, o, at, "y", 1, &e->y) > 0;
        placed &= get_pos(ld, o, at, "size", 1, &e->size) > 0;
        e->w = e->h = e->size;
        get_color(ld, o, at, "color", &e->color);
        break;
    }
    if (placed)
        check_on_page(ld, at, e);
}

static void load_elements(struct loader *ld, const cJSON *elems, const struct defaults *df)
{
    struct template *t = ld->t;
    const cJSON *it;
    char at[PATH_LEN];
    size_t n;

    if (!elems) {
        fail_at(ld, "elements", "required, missing");
        return;
    }
    if (!cJSON_IsArray(elems)) {
        fail_at(ld, "elements", "must be an array");
        return;
    }
    n = (size_t)cJSON_GetArraySize(elems);
    t->elems = xcalloc(n, sizeof(*t->elems));
    cJSON_ArrayForEach(it, elems)
    {
        snprintf(at, sizeof(at), "elements[%zu]", t->n_elems);
        load_element(ld, it, at, df, &t->elems[t->n_elems++]);
    }
}

/* 1-based line of offset off in s. */
static int line_of(const char *s, size_t off)
{
    int line = 1;
    size_t i;
    for (i = 0; i < off; i++)
        line += s[i] == '\n';
    return line;
}

/* Offset of the first byte that is not valid UTF-8 (or a NUL), or len. */
static size_t first_bad_byte(const char *s, size_t len)
{
    size_t off = 0, n;
    uint32_t cp;
    while (off < len) {
        n = utf8_decode(s + off, len - off, &cp);
        if (n == 0 || cp == 0)
            return off;
        off += n;
    }
    return len;
}

/* Copy the collected error lines into err: as many whole ones as fit, then
 * "(and N more errors)". */
static void copy_errors(const struct loader *ld, char *err, size_t errlen)
{
    const char *s = ld->errs.data, *nl;
    size_t used = 0, shown = 0, n, rest, reserve;
    char more[48];

    if (!err || !errlen)
        return;
    err[0] = '\0';
    for (; s && *s; s = nl + 1, shown++) {
        nl = strchr(s, '\n');
        n = (size_t)(nl - s);
        rest = ld->n_errs - shown - 1;
        reserve = rest ? (size_t)snprintf(more, sizeof(more), "\n(and %zu more error%s)", rest,
                                          rest == 1 ? "" : "s")
                       : 0;
        if (used + (shown ? 1 : 0) + n + reserve >= errlen)
            break;
        if (shown)
            err[used++] = '\n';
        memcpy(err + used, s, n);
        used += n;
        err[used] = '\0';
    }
    if (shown == ld->n_errs)
        return;
    if (shown == 0) {
        snprintf(err, errlen, "%.*s", (int)(strchr(ld->errs.data, '\n') - ld->errs.data),
                 ld->errs.data);
        return;
    }
    rest = ld->n_errs - shown;
    snprintf(err + used, errlen - used, "\n(and %zu more error%s)", rest, rest == 1 ? "" : "s");
}

/* Parse and check the template text data[0..len), which is followed by a NUL byte;
 * path names it in messages and gives the folder fonts and images are looked up in. */
static struct template *load_text(const char *data, size_t len, const char *path,
                                  const char *fonts_dir, char *err, size_t errlen)
{
    static const char *const keys[] = {"page",       "fonts",    "colors", "defaults",
                                       "background", "elements", NULL};
    struct loader ld = {.file = path, .fonts_dir = fonts_dir, .errs = BUF_INIT};
    struct defaults df;
    cJSON *root = NULL;
    const char *end = NULL, *slash;
    size_t bad;
    int ok = 0;

    bad = first_bad_byte(data, len);
    if (bad < len) {
        snprintf(err, errlen, "%s: not valid UTF-8 near line %d", path, line_of(data, bad));
        goto fail;
    }
    root = cJSON_ParseWithLengthOpts(data, len + 1, &end, 1);
    if (!root) {
        bad = end && end >= data && end <= data + len ? (size_t)(end - data) : len;
        snprintf(err, errlen, "%s: not valid JSON near line %d", path, line_of(data, bad));
        goto fail;
    }
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "%s: must be a JSON object", path);
        goto fail;
    }
    slash = strrchr(path, '/');
    ld.dir = xstrndup(path, slash ? (size_t)(slash - path) + 1 : 0);
    ld.t = xcalloc(1, sizeof(*ld.t));
    ld.t->path = xstrdup(path);
    check_keys(&ld, root, "", keys);
    load_page(&ld, get(root, "page"));
    load_colors(&ld, get(root, "colors"));
    load_fonts(&ld, get(root, "fonts"));
    load_defaults(&ld, get(root, "defaults"), &df);
    load_background(&ld, get(root, "background"));
    load_elements(&ld, get(root, "elements"), &df);
    if (ld.n_errs) {
        copy_errors(&ld, err, errlen);
        goto fail;
    }
    ok = 1;
fail:
    if (!ok) {
        template_free(ld.t);
        ld.t = NULL;
    }
    cJSON_Delete(root);
    buf_free(&ld.errs);
    free(ld.dir);
    return ld.t;
}

struct template *template_load(const char *path, const char *fonts_dir, char *err, size_t errlen)
{
    struct buf data = BUF_INIT;
    struct template *t = NULL;

    if (err && errlen)
        err[0] = '\0';
    if (buf_read_file(&data, path) < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    buf_add(&data, "", 0);
    t = load_text(data.data, data.len, path, fonts_dir, err, errlen);
out:
    buf_free(&data);
    return t;
}

struct template *template_load_mem(const char *buf, size_t len, const char *name,
                                   const char *fonts_dir, char *err, size_t errlen)
{
    struct buf data = BUF_INIT;
    struct template *t;

    if (err && errlen)
        err[0] = '\0';
    buf_add(&data, buf, len);
    t = load_text(data.data, data.len, name, fonts_dir, err, errlen);
    buf_free(&data);
    return t;
}

void template_free(struct template *t)
{
    size_t i;
    if (!t)
        return;
    for (i = 0; i < t->n_fonts; i++) {
        free(t->fonts[i].role);
        free(t->fonts[i].path);
        for (size_t k = 0; k < t->fonts[i].n_fallback; k++) {
            free(t->fonts[i].fallback[k].chain);
            free(t->fonts[i].fallback[k].path);
        }
        free(t->fonts[i].fallback);
    }
    for (i = 0; i < t->n_elems; i++) {
        free(t->elems[i].cond);
        free(t->elems[i].text);
        free(t->elems[i].label);
        free(t->elems[i].image_path);
    }
    free(t->fonts);
    free(t->elems);
    free(t->background_image);
    free(t->path);
    free(t);
}

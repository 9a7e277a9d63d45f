/* The template format: the page, colours, font roles, defaults, background and
 * elements, each key checked and every problem reported with its path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "layout.h"
#include "template.h"
#include "template_int.h"
#include "banned.h"

#define PAGE_MIN 3.0 /* libharu's page size limits, in points */
#define PAGE_MAX 14400.0
#define SLACK 0.01 /* overhang allowed for rounding, in points */

/* Element defaults from "defaults" for text and signatures. */
struct defaults {
    int font;
    double size, min_size, leading;
    int has_min_size, max_lines;
    struct tpl_color color;
    enum tpl_align align;
    enum tpl_valign valign;
};

/* ---- sections of the file ---- */

static void load_page(struct tpl_loader *ld, const cJSON *page)
{
    static const char *const keys[] = {"size", "orientation", NULL};
    static const char *const orients[] = {"landscape", "portrait", NULL};
    static const struct {
        const char *name;
        double w, h;
    } sizes[] = {{"A4", 595.28, 841.89}, {"A5", 419.53, 595.28}, {"Letter", 612, 792}};
    const cJSON *size = page ? tpl_get(page, "size") : NULL, *d;
    double w = 595.28, h = 841.89, v[2], lo, hi;
    int named = 1, orient = 0, has_orient = 0, i, ok = 1;
    char path[PATH_LEN];

    ld->t->page_w = 841.89;
    ld->t->page_h = 595.28;
    if (!page)
        return;
    if (!cJSON_IsObject(page)) {
        tpl_fail_at(ld, "page", "must be an object, like {\"size\": \"A4\"}");
        return;
    }
    tpl_check_keys(ld, page, "page", keys);
    if (cJSON_IsString(size)) {
        for (i = 0; i < 3 && strcasecmp(sizes[i].name, size->valuestring) != 0; i++)
            ;
        if (i == 3) {
            tpl_fail_at(ld, "page.size", "unknown page size '%s' (use A4, A5, Letter or [w, h])",
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
                tpl_fail_at(ld, path, "must be a number");
                ok = 0;
            } else if (d->valuedouble < PAGE_MIN || d->valuedouble > PAGE_MAX) {
                tpl_fail_at(ld, path, "must be between %g and %g points (got %g)", PAGE_MIN,
                            PAGE_MAX, d->valuedouble);
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
        tpl_fail_at(ld, "page.size", "must be A4, A5, Letter or [w, h] in points");
        return;
    }
    has_orient = tpl_get_enum(ld, page, "page", "orientation", orients, &orient) > 0;
    if (named || has_orient) {
        lo = w < h ? w : h;
        hi = w < h ? h : w;
        w = orient == 0 ? hi : lo;
        h = orient == 0 ? lo : hi;
    }
    ld->t->page_w = w;
    ld->t->page_h = h;
}

static void load_colors(struct tpl_loader *ld, const cJSON *colors)
{
    const cJSON *it;
    struct tpl_color c;
    char path[PATH_LEN];

    if (!colors)
        return;
    if (!cJSON_IsObject(colors)) {
        tpl_fail_at(ld, "colors", "must be an object");
        return;
    }
    tpl_check_keys(ld, colors, "colors", NULL);
    cJSON_ArrayForEach(it, colors)
    {
        if (tpl_is_comment(it->string) || tpl_is_duplicate(colors, it))
            continue;
        tpl_key_path(path, sizeof(path), "colors", it->string);
        if (!*it->string || it->string[0] == '#')
            tpl_fail_at(ld, path, "a colour name must not be empty or start with '#'");
        else if (!cJSON_IsString(it))
            tpl_fail_at(ld, path, "must be a string");
        else if (template_parse_color(it->valuestring, &c) < 0)
            tpl_fail_at(ld, path, "bad colour '%s' (use #RRGGBB or #RGB)", it->valuestring);
    }
    ld->palette = colors;
}

/* "fallback": a chain name, or a list of chain names and font files ("x.ttf", "y.ttc:1"). */
static void load_fallback(struct tpl_loader *ld, const cJSON *v, const char *at,
                          struct tpl_font *tf)
{
    const cJSON *it;
    char path[PATH_LEN + 24];
    size_t n = 0, i = 0;

    tf->has_fallback = 1;
    if (!cJSON_IsString(v) && !cJSON_IsArray(v)) {
        tpl_fail_at(ld, at, "must be a chain name or a list of chain names and font files");
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
            tpl_fail_at(ld, path, "must be a chain name or a font file name");
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
                    tpl_fail_at(ld, path, "bad face index in '%s'", s);
                    continue;
                }
            }
            buf_add(&file, s, colon && colon > dot ? (size_t)(colon - s) : strlen(s));
            fb->path = tpl_find_font(ld, path, file.data, (int)index);
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
            tpl_fail_at(ld, path, "'%s' is neither a chain name (lowercase) nor a .ttf/.ttc file",
                        s);
        }
    }
}

static void load_fonts(struct tpl_loader *ld, const cJSON *fonts)
{
    static const char *const keys[] = {"file", "index", "fallback", NULL};
    struct template *t = ld->t;
    const cJSON *it;
    const char *file;
    char at[PATH_LEN], path[PATH_LEN];
    size_t n = 0;
    int index;

    if (!fonts) {
        tpl_fail_at(ld, "fonts", "required, missing");
        return;
    }
    if (!cJSON_IsObject(fonts)) {
        tpl_fail_at(ld, "fonts", "must be an object of font roles");
        return;
    }
    tpl_check_keys(ld, fonts, "fonts", NULL);
    cJSON_ArrayForEach(it, fonts)
    {
        n += !tpl_is_comment(it->string);
    }
    if (n == 0) {
        tpl_fail_at(ld, "fonts", "needs at least one font role");
        return;
    }
    t->fonts = xcalloc(n, sizeof(*t->fonts));
    cJSON_ArrayForEach(it, fonts)
    {
        if (tpl_is_comment(it->string) || tpl_is_duplicate(fonts, it))
            continue;
        tpl_key_path(at, sizeof(at), "fonts", it->string);
        t->fonts[t->n_fonts++].role = xstrdup(it->string);
        if (!*it->string) {
            tpl_fail_at(ld, at, "empty font role name");
            continue;
        }
        file = NULL;
        index = 0;
        if (cJSON_IsString(it)) {
            file = it->valuestring;
            tpl_key_path(path, sizeof(path), "fonts", it->string);
        } else if (cJSON_IsObject(it)) {
            tpl_check_keys(ld, it, at, keys);
            tpl_get_int(ld, it, at, "index", 0, 9999, &index);
            tpl_get_str(ld, it, at, "file", 1, &file);
            if (tpl_get(it, "fallback")) {
                char fpath[PATH_LEN];
                load_fallback(ld, tpl_get(it, "fallback"),
                              tpl_key_path(fpath, sizeof(fpath), at, "fallback"),
                              &t->fonts[t->n_fonts - 1]);
            }
            tpl_key_path(path, sizeof(path), at, "file");
        } else {
            tpl_fail_at(ld, at, "must be a file name or {\"file\": ..., \"index\": ...}");
        }
        if (file)
            t->fonts[t->n_fonts - 1].path = tpl_find_font(ld, path, file, index);
        t->fonts[t->n_fonts - 1].index = index;
    }
    ld->roles_known = 1;
}

static void load_defaults(struct tpl_loader *ld, const cJSON *d, struct defaults *df)
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
        tpl_fail_at(ld, "defaults", "must be an object");
        return;
    }
    tpl_check_keys(ld, d, "defaults", keys);
    tpl_get_role(ld, d, "defaults", "font", &df->font);
    has_size = tpl_get_pos(ld, d, "defaults", "size", 0, &df->size) > 0;
    df->has_min_size = tpl_get_pos(ld, d, "defaults", "min_size", 0, &df->min_size) > 0;
    tpl_get_pos(ld, d, "defaults", "leading", 0, &df->leading);
    tpl_get_color(ld, d, "defaults", "color", &df->color);
    if (tpl_get_enum(ld, d, "defaults", "align", aligns, &v) > 0)
        df->align = (enum tpl_align)v;
    if (tpl_get_enum(ld, d, "defaults", "valign", valigns, &v) > 0)
        df->valign = (enum tpl_valign)v;
    tpl_get_int(ld, d, "defaults", "max_lines", 1, LAYOUT_MAX_LINES, &df->max_lines);
    if (has_size && df->has_min_size && df->min_size > df->size)
        tpl_fail_at(ld, "defaults.min_size", "%g is above size %g", df->min_size, df->size);
}

static void load_background(struct tpl_loader *ld, const cJSON *bg)
{
    static const char *const keys[] = {"color", "image", NULL};
    const char *image;
    if (!bg)
        return;
    if (!cJSON_IsObject(bg)) {
        tpl_fail_at(ld, "background", "must be an object");
        return;
    }
    tpl_check_keys(ld, bg, "background", keys);
    ld->t->has_background = tpl_get_color(ld, bg, "background", "color", &ld->t->background) > 0;
    if (tpl_get_str(ld, bg, "background", "image", 0, &image) > 0)
        ld->t->background_image = tpl_find_image(ld, "background.image", image);
}

/* ---- elements ---- */

static const char *const text_keys[] = {
    "type", "if",       "page",    "x",         "y",     "w",      "h",     "text", "font",
    "size", "min_size", "leading", "max_lines", "align", "valign", "color", NULL};
static const char *const line_keys[] = {"type", "if", "page",  "x1",    "y1",
                                        "x2",   "y2", "width", "color", NULL};
static const char *const rect_keys[] = {"type", "if",     "page", "x",     "y", "w",
                                        "h",    "stroke", "fill", "width", NULL};
static const char *const image_keys[] = {"type", "if", "page", "x", "y", "w", "h", "src", NULL};
static const char *const sig_keys[] = {
    "type",  "if",      "page",     "x",          "y",          "w",     "h",
    "font",  "size",    "min_size", "leading",    "max_lines",  "color", "line_color",
    "width", "per_row", "label",    "label_font", "label_size", NULL};
static const char *const qr_keys[] = {"type", "if", "page", "x", "y", "size", "color", NULL};
static const char *const list_keys[] = {"type", "if",       "page",    "x",       "y",
                                        "w",    "h",        "items",   "font",    "size",
                                        "min_size", "leading", "columns", "color", NULL};

static const char *const kind_names[] = {"text", "line",       "rect", "image",
                                         "signatures", "qr", "list", NULL};
static const char *const *const kind_keys[] = {text_keys, line_keys, rect_keys, image_keys,
                                               sig_keys,  qr_keys,   list_keys};

/* x, y, w, h of a box: 0, or -1 when one is missing or wrong (reported). */
static int load_box(struct tpl_loader *ld, const cJSON *o, const char *at, struct tpl_element *e)
{
    int ok = 1;
    ok &= tpl_get_num(ld, o, at, "x", 1, &e->x) > 0;
    ok &= tpl_get_num(ld, o, at, "y", 1, &e->y) > 0;
    ok &= tpl_get_pos(ld, o, at, "w", 1, &e->w) > 0;
    ok &= tpl_get_pos(ld, o, at, "h", 1, &e->h) > 0;
    return ok ? 0 : -1;
}

/* Font, sizes, lines and colour of text and signature names. */
static void load_text_style(struct tpl_loader *ld, const cJSON *o, const char *at,
                            const struct defaults *df, struct tpl_element *e)
{
    static const char *const aligns[] = {"left", "center", "right", NULL};
    static const char *const valigns[] = {"top", "middle", "bottom", NULL};
    char path[PATH_LEN];
    int v;

    tpl_get_role(ld, o, at, "font", &e->font);
    tpl_get_pos(ld, o, at, "size", 0, &e->size);
    if (tpl_get_pos(ld, o, at, "min_size", 0, &e->min_size) > 0) {
        if (e->min_size > e->size)
            tpl_fail_at(ld, tpl_key_path(path, sizeof(path), at, "min_size"), "%g is above size %g",
                        e->min_size, e->size);
    } else if (df->has_min_size) {
        e->min_size = df->min_size < e->size ? df->min_size : e->size;
    } else {
        e->min_size = e->size * 0.6;
    }
    tpl_get_pos(ld, o, at, "leading", 0, &e->leading);
    tpl_get_int(ld, o, at, "max_lines", 1, LAYOUT_MAX_LINES, &e->max_lines);
    e->color = df->color;
    tpl_get_color(ld, o, at, "color", &e->color);
    if (e->kind != TPL_TEXT)
        return;
    if (tpl_get_enum(ld, o, at, "align", aligns, &v) > 0)
        e->align = (enum tpl_align)v;
    if (tpl_get_enum(ld, o, at, "valign", valigns, &v) > 0)
        e->valign = (enum tpl_valign)v;
}

static int outside(struct tpl_loader *ld, const char *at, const char *what, double v, double max)
{
    if (v < -SLACK)
        tpl_fail_at(ld, at, "outside the page (%s = %g < 0)", what, v);
    else if (v > max + SLACK)
        tpl_fail_at(ld, at, "outside the page (%s = %g > %g)", what, v, max);
    else
        return 0;
    return 1;
}

static void check_on_page(struct tpl_loader *ld, const char *at, const struct tpl_element *e)
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

static void load_element(struct tpl_loader *ld, const cJSON *o, const char *at,
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
        tpl_fail_at(ld, at, "must be an object");
        return;
    }
    if (tpl_get_str(ld, o, at, "type", 1, &type) <= 0)
        return;
    while (kind_names[kind] && strcmp(kind_names[kind], type) != 0)
        kind++;
    if (!kind_names[kind]) {
        struct tpl_near nr = {type, NULL, 0};
        for (i = 0; kind_names[i]; i++)
            tpl_near_try(&nr, kind_names[i]);
        if (!nr.best)
            snprintf(hint, sizeof(hint), " (use text, line, rect, image, signatures, qr or list)");
        else
            tpl_near_hint(&nr, hint, sizeof(hint));
        tpl_fail_at(ld, tpl_key_path(path, sizeof(path), at, "type"), "unknown element type '%s'%s",
                    type, hint);
        return;
    }
    e->kind = (enum tpl_kind)kind;
    tpl_check_keys(ld, o, at, kind_keys[kind]);
    if (tpl_get_str(ld, o, at, "if", 0, &cond) > 0) {
        const char *name = cond + (cond[0] == '!');
        if (tpl_var_index(name, strlen(name)) < 0) {
            struct tpl_near nr = {name, NULL, 0};
            tpl_near_vars(&nr);
            tpl_fail_at(ld, tpl_key_path(path, sizeof(path), at, "if"), "unknown variable '%s'%s",
                        name, tpl_near_hint(&nr, hint, sizeof(hint)));
        } else {
            e->cond = xstrdup(cond);
        }
    }
    e->page = 1;
    tpl_get_int(ld, o, at, "page", 1, TEMPLATE_MAX_PAGES, &e->page);
    switch (e->kind) {
    case TPL_TEXT:
        placed = load_box(ld, o, at, e) == 0;
        tpl_get_text(ld, o, at, "text", 1, &e->text);
        load_text_style(ld, o, at, df, e);
        break;
    case TPL_LINE:
        placed = tpl_get_num(ld, o, at, "x1", 1, &e->x) > 0;
        placed &= tpl_get_num(ld, o, at, "y1", 1, &e->y) > 0;
        placed &= tpl_get_num(ld, o, at, "x2", 1, &e->x2) > 0;
        placed &= tpl_get_num(ld, o, at, "y2", 1, &e->y2) > 0;
        tpl_get_pos(ld, o, at, "width", 0, &e->line_width);
        tpl_get_color(ld, o, at, "color", &e->color);
        e->stroke = e->color;
        e->has_stroke = 1;
        break;
    case TPL_RECT:
        placed = load_box(ld, o, at, e) == 0;
        has_stroke = tpl_get_color(ld, o, at, "stroke", &e->stroke);
        has_fill = tpl_get_color(ld, o, at, "fill", &e->fill);
        e->has_stroke = has_stroke > 0;
        e->has_fill = has_fill > 0;
        if (has_stroke == 0 && has_fill == 0)
            tpl_fail_at(ld, at, "a rect needs \"stroke\" or \"fill\"");
        tpl_get_pos(ld, o, at, "width", 0, &e->line_width);
        break;
    case TPL_IMAGE:
        placed = load_box(ld, o, at, e) == 0;
        if (tpl_get_str(ld, o, at, "src", 1, &src) > 0)
            e->image_path = tpl_find_image(ld, tpl_key_path(path, sizeof(path), at, "src"), src);
        break;
    case TPL_SIGNATURES:
        placed = load_box(ld, o, at, e) == 0;
        load_text_style(ld, o, at, df, e);
        e->label_font = e->font;
        e->line_color = e->color;
        tpl_get_color(ld, o, at, "line_color", &e->line_color);
        tpl_get_pos(ld, o, at, "width", 0, &e->line_width);
        e->per_row = 4;
        tpl_get_int(ld, o, at, "per_row", 1, 8, &e->per_row);
        tpl_get_text(ld, o, at, "label", 0, &e->label);
        tpl_get_role(ld, o, at, "label_font", &e->label_font);
        e->label_size = e->size * 0.8;
        tpl_get_pos(ld, o, at, "label_size", 0, &e->label_size);
        break;
    case TPL_LIST: {
        static const char *const lists[] = {"syllabus", NULL};
        int which;
        placed = load_box(ld, o, at, e) == 0;
        tpl_get_enum(ld, o, at, "items", lists, &which);
        if (!tpl_get(o, "items"))
            tpl_fail_at(ld, tpl_key_path(path, sizeof(path), at, "items"), "required, missing");
        load_text_style(ld, o, at, df, e);
        e->columns = 1;
        tpl_get_int(ld, o, at, "columns", 1, LAYOUT_LIST_MAX_COLS, &e->columns);
        break;
    }
    case TPL_QR:
        placed = tpl_get_num(ld, o, at, "x", 1, &e->x) > 0;
        placed &= tpl_get_num(ld, o, at, "y", 1, &e->y) > 0;
        placed &= tpl_get_pos(ld, o, at, "size", 1, &e->size) > 0;
        e->w = e->h = e->size;
        tpl_get_color(ld, o, at, "color", &e->color);
        break;
    }
    if (placed)
        check_on_page(ld, at, e);
}

static void load_elements(struct tpl_loader *ld, const cJSON *elems, const struct defaults *df)
{
    struct template *t = ld->t;
    const cJSON *it;
    char at[PATH_LEN];
    size_t n;

    if (!elems) {
        tpl_fail_at(ld, "elements", "required, missing");
        return;
    }
    if (!cJSON_IsArray(elems)) {
        tpl_fail_at(ld, "elements", "must be an array");
        return;
    }
    n = (size_t)cJSON_GetArraySize(elems);
    t->elems = xcalloc(n, sizeof(*t->elems));
    cJSON_ArrayForEach(it, elems)
    {
        snprintf(at, sizeof(at), "elements[%zu]", t->n_elems);
        load_element(ld, it, at, df, &t->elems[t->n_elems++]);
    }
    /* a list continues on copies of its page: one list to a page */
    for (size_t i = 0; i < t->n_elems; i++)
        for (size_t k = 0; k < i; k++)
            if (t->elems[i].kind == TPL_LIST && t->elems[k].kind == TPL_LIST &&
                t->elems[i].page == t->elems[k].page) {
                snprintf(at, sizeof(at), "elements[%zu]", i);
                tpl_fail_at(ld, at, "a second list on page %d (elements[%zu] is one): one list "
                                    "to a page", t->elems[i].page, k);
                break;
            }
}

void tpl_load_root(struct tpl_loader *ld, const cJSON *root)
{
    static const char *const keys[] = {"page",       "fonts",    "colors", "defaults",
                                       "background", "elements", NULL};
    struct defaults df;

    tpl_check_keys(ld, root, "", keys);
    load_page(ld, tpl_get(root, "page"));
    load_colors(ld, tpl_get(root, "colors"));
    load_fonts(ld, tpl_get(root, "fonts"));
    load_defaults(ld, tpl_get(root, "defaults"), &df);
    load_background(ld, tpl_get(root, "background"));
    load_elements(ld, tpl_get(root, "elements"), &df);
}

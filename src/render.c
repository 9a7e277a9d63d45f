/* Event + template -> PDF bytes: expand the template's text in the chosen
 * locale, fit every box with the layout module, gather the characters each
 * font draws, embed those subsets and draw. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qrencode.h>

#include "font.h"
#include "layout.h"
#include "pdf.h"
#include "render.h"
#include "template.h"
#include "utf8.h"
#include "banned.h"

#define CACHE_MAX 32
#define ELLIPSIS "\xE2\x80\xA6"

struct cached_template {
    char *path;
    struct template *t;
};

struct cached_font {
    char *path;
    int index;
    struct font *f;
};

struct render_ctx {
    char *home;
    char *fonts_dir;
    char *templates_dir;
    struct cached_template templates[CACHE_MAX];
    size_t n_templates;
    struct cached_font fonts[CACHE_MAX];
    size_t n_fonts;
};

/* The values of the placeholders, formatted once per certificate. */
struct vars {
    const struct event *ev;
    const struct render_opts *o;
    struct buf workload, enrolled, concluded, certified, rate, cpf;
    char ids[4][24];
};

/* A laid-out block of text ready to draw. */
struct block {
    int font; /* template font index */
    struct tpl_color color;
    const char *text; /* points into owned storage */
    struct layout_text lt;
    struct layout_rect box;
    enum tpl_align align;
    enum tpl_valign valign;
};

struct page_plan {
    struct block *blocks;
    size_t n_blocks, cap_blocks;
    char **texts; /* owned expanded strings */
    size_t n_texts, cap_texts;
    struct layout_sign *signs; /* one per signatures element planned, in element order */
    size_t n_signs;
};

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *a, const char *b)
{
    struct buf x = BUF_INIT;
    buf_addf(&x, "%s/%s", a, b);
    return buf_detach(&x, NULL);
}

/* The folder with templates/: $CERTIFICA_HOME, else the program's folder or
 * one of its parents (build/tests/ programs find the repository's). */
static char *find_home(void)
{
    char exe[PATH_MAX], *slash, *t;
    const char *env = getenv("CERTIFICA_HOME");
    ssize_t n;

    if (env && *env)
        return xstrdup(env);
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return xstrdup(".");
    exe[n] = '\0';
    for (int up = 0; up < 4 && (slash = strrchr(exe, '/')); up++) {
        *slash = '\0';
        t = join(exe[0] ? exe : "/", "templates");
        if (is_dir(t)) {
            free(t);
            return xstrdup(exe[0] ? exe : "/");
        }
        free(t);
    }
    return xstrdup(".");
}

struct render_ctx *render_ctx_new(const char *home, char *err, size_t errlen)
{
    struct render_ctx *c = xcalloc(1, sizeof(*c));
    c->home = home ? xstrdup(home) : find_home();
    c->fonts_dir = join(c->home, "fonts");
    c->templates_dir = join(c->home, "templates");
    if (!is_dir(c->templates_dir)) {
        snprintf(err, errlen, "no templates folder at '%s' (set CERTIFICA_HOME)", c->templates_dir);
        render_ctx_free(c);
        return NULL;
    }
    pdf_global_init();
    return c;
}

void render_ctx_free(struct render_ctx *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_templates; i++) {
        free(c->templates[i].path);
        template_free(c->templates[i].t);
    }
    for (size_t i = 0; i < c->n_fonts; i++) {
        free(c->fonts[i].path);
        font_free(c->fonts[i].f);
    }
    free(c->home);
    free(c->fonts_dir);
    free(c->templates_dir);
    free(c);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *render_template_path(struct render_ctx *c, const struct event *ev,
                                 const struct render_opts *o, char *err, size_t errlen)
{
    const char *name = o->template ? o->template : event_type_name(ev->type);
    size_t len = strlen(name);
    struct buf a = BUF_INIT, b = BUF_INIT;
    const char *hit = NULL;
    static __thread char found[PATH_MAX];

    if (strchr(name, '/') || (len > 5 && !strcmp(name + len - 5, ".json"))) {
        if (file_exists(name)) {
            snprintf(found, sizeof(found), "%s", name);
            return found;
        }
        snprintf(err, errlen, "template '%s' not found", name);
        return NULL;
    }
    buf_addf(&a, "%s/%s.%s.json", c->templates_dir, name, i18n_name(o->locale));
    buf_addf(&b, "%s/%s.json", c->templates_dir, name);
    if (file_exists(a.data))
        hit = a.data;
    else if (file_exists(b.data))
        hit = b.data;
    if (hit && strlen(hit) < sizeof(found)) {
        snprintf(found, sizeof(found), "%s", hit);
    } else {
        snprintf(err, errlen, "template '%s' not found (looked for '%s' and '%s')", name, a.data,
                 b.data);
    }
    buf_free(&a);
    buf_free(&b);
    return hit ? found : NULL;
}

static struct template *get_template(struct render_ctx *c, const char *path, char *err,
                                     size_t errlen)
{
    struct template *t;
    for (size_t i = 0; i < c->n_templates; i++)
        if (!strcmp(c->templates[i].path, path))
            return c->templates[i].t;
    t = template_load(path, c->fonts_dir, err, errlen);
    if (!t)
        return NULL;
    if (c->n_templates == CACHE_MAX) { /* a process using 32 templates: start over */
        for (size_t i = 0; i < c->n_templates; i++) {
            free(c->templates[i].path);
            template_free(c->templates[i].t);
        }
        c->n_templates = 0;
    }
    c->templates[c->n_templates].path = xstrdup(path);
    c->templates[c->n_templates].t = t;
    c->n_templates++;
    return t;
}

static struct font *get_font(struct render_ctx *c, const struct tpl_font *tf, char *err,
                             size_t errlen)
{
    struct font *f;
    for (size_t i = 0; i < c->n_fonts; i++)
        if (c->fonts[i].index == tf->index && !strcmp(c->fonts[i].path, tf->path))
            return c->fonts[i].f;
    if (c->n_fonts == CACHE_MAX) {
        snprintf(err, errlen, "too many different fonts (at most %d)", CACHE_MAX);
        return NULL;
    }
    f = font_load(tf->path, tf->index, err, errlen);
    if (!f)
        return NULL;
    c->fonts[c->n_fonts].path = xstrdup(tf->path);
    c->fonts[c->n_fonts].index = tf->index;
    c->fonts[c->n_fonts].f = f;
    c->n_fonts++;
    return f;
}

int render_preload(struct render_ctx *c, enum cert_type type, const struct render_opts *o,
                   char *err, size_t errlen)
{
    struct event ev = {0};
    struct template *t;
    const char *path;

    ev.type = type;
    path = render_template_path(c, &ev, o, err, errlen);
    if (!path || !(t = get_template(c, path, err, errlen)))
        return -1;
    for (size_t i = 0; i < t->n_fonts; i++)
        if (!get_font(c, &t->fonts[i], err, errlen))
            return -1;
    return 0;
}

static const char *lookup(void *ctx, const char *name)
{
    struct vars *v = ctx;
    const struct event *ev = v->ev;

    if (!strcmp(name, "student"))
        return ev->user_name;
    if (!strcmp(name, "course"))
        return ev->course_name;
    if (!strcmp(name, "school"))
        return ev->school_name;
    if (!strcmp(name, "workload"))
        return v->workload.data ? v->workload.data : "";
    if (!strcmp(name, "enrolled_at"))
        return v->enrolled.data ? v->enrolled.data : "";
    if (!strcmp(name, "concluded_at"))
        return v->concluded.data;
    if (!strcmp(name, "certified_at"))
        return v->certified.data;
    if (!strcmp(name, "approval_rate")) /* a participation certificate shows no rate */
        return v->rate.data && ev->type == CERT_ACHIEVEMENT ? v->rate.data : "";
    if (!strcmp(name, "type"))
        return i18n_type(v->o->locale, ev->type);
    if (!strcmp(name, "cpf"))
        return v->cpf.data ? v->cpf.data : "";
    if (!strcmp(name, "nickname"))
        return ev->user_nickname ? ev->user_nickname : "";
    if (!strcmp(name, "code"))
        return v->o->code ? v->o->code : "";
    if (!strcmp(name, "verify_url"))
        return v->o->verify_url ? v->o->verify_url : "";
    if (!strcmp(name, "institution_id"))
        return v->ids[0];
    if (!strcmp(name, "user_id"))
        return v->ids[1];
    if (!strcmp(name, "course_id"))
        return v->ids[2];
    if (!strcmp(name, "school_id"))
        return v->ids[3];
    if (!strcmp(name, "achievement"))
        return ev->type == CERT_ACHIEVEMENT ? "1" : "";
    if (!strcmp(name, "participation"))
        return ev->type == CERT_PARTICIPATION ? "1" : "";
    return "";
}

static void vars_init(struct vars *v, const struct event *ev, const struct render_opts *o)
{
    memset(v, 0, sizeof(*v));
    v->ev = ev;
    v->o = o;
    i18n_workload(o->locale, ev->workload_minutes, &v->workload);
    i18n_date(o->locale, &ev->concluded_at, &v->concluded);
    /* "from 28 August to 28 August" says nothing: a one-day course has no period */
    if (ev->has_enrolled_at && (ev->enrolled_at.year != ev->concluded_at.year ||
                                ev->enrolled_at.mon != ev->concluded_at.mon ||
                                ev->enrolled_at.day != ev->concluded_at.day))
        i18n_date(o->locale, &ev->enrolled_at, &v->enrolled);
    i18n_date(o->locale, &ev->certified_at, &v->certified);
    if (ev->has_approval_rate)
        i18n_percent(o->locale, ev->approval_rate, &v->rate);
    if (ev->user_cpf)
        i18n_cpf(ev->user_cpf, &v->cpf);
    snprintf(v->ids[0], sizeof(v->ids[0]), "%lld", (long long)ev->institution_id);
    snprintf(v->ids[1], sizeof(v->ids[1]), "%lld", (long long)ev->user_id);
    snprintf(v->ids[2], sizeof(v->ids[2]), "%lld", (long long)ev->course_id);
    snprintf(v->ids[3], sizeof(v->ids[3]), "%lld", (long long)ev->school_id);
}

static void vars_free(struct vars *v)
{
    buf_free(&v->workload);
    buf_free(&v->enrolled);
    buf_free(&v->concluded);
    buf_free(&v->certified);
    buf_free(&v->rate);
    buf_free(&v->cpf);
}

static int cond_holds(const char *cond, struct vars *v)
{
    int neg;
    const char *val;
    if (!cond)
        return 1;
    neg = cond[0] == '!';
    val = lookup(v, cond + neg);
    return neg ? val[0] == '\0' : val[0] != '\0';
}

static double measure_cb(void *ctx, const char *s, size_t n, double size)
{
    return font_width(ctx, s, n, size);
}

static char *plan_keep(struct page_plan *pl, char *s)
{
    if (pl->n_texts == pl->cap_texts) {
        pl->cap_texts = pl->cap_texts ? pl->cap_texts * 2 : 16;
        pl->texts = xrealloc(pl->texts, pl->cap_texts * sizeof(*pl->texts));
    }
    pl->texts[pl->n_texts++] = s;
    return s;
}

static struct block *plan_block(struct page_plan *pl)
{
    if (pl->n_blocks == pl->cap_blocks) {
        pl->cap_blocks = pl->cap_blocks ? pl->cap_blocks * 2 : 16;
        pl->blocks = xrealloc(pl->blocks, pl->cap_blocks * sizeof(*pl->blocks));
    }
    memset(&pl->blocks[pl->n_blocks], 0, sizeof(pl->blocks[0]));
    return &pl->blocks[pl->n_blocks++];
}

static void plan_free(struct page_plan *pl)
{
    for (size_t i = 0; i < pl->n_texts; i++)
        free(pl->texts[i]);
    free(pl->texts);
    for (size_t i = 0; i < pl->n_signs; i++)
        layout_sign_free(&pl->signs[i]);
    free(pl->signs);
    free(pl->blocks);
}

/* Lay out one text box; text is owned by the plan. */
static int add_block(struct page_plan *pl, struct font *const *fonts, int font, const char *text,
                     struct layout_rect box, double size, double min_size, double leading,
                     int max_lines, enum tpl_align align, enum tpl_valign valign,
                     struct tpl_color color, char *err, size_t errlen)
{
    struct layout_measure m = {measure_cb, fonts[font]};
    struct layout_spec spec = {box.w, box.h, size, min_size, leading, max_lines};
    struct block *b;

    if (!text[0])
        return 0;
    b = plan_block(pl);
    b->font = font;
    b->text = text;
    b->box = box;
    b->align = align;
    b->valign = valign;
    b->color = color;
    if (layout_fit(text, strlen(text), &spec, &m, &b->lt) < 0) {
        snprintf(err, errlen, "cannot lay out '%.40s' in a %.0fx%.0f box", text, box.w, box.h);
        return -1;
    }
    return 0;
}

/* One cell per manager shown, names whole at one size, the last line counting those left
 * out (layout_sign); the plan keeps the cells for drawing the lines. */
static int plan_signatures(struct page_plan *pl, const struct tpl_element *e,
                           struct font *const *fonts, const struct event *ev, struct vars *v,
                           char *err, size_t errlen)
{
    struct layout_measure m = {measure_cb, fonts[e->font]};
    struct layout_rect box = {e->x, e->y, e->w, e->h};
    struct layout_sign_spec spec = {box,        e->per_row,   e->size, e->min_size,
                                    e->leading, e->max_lines, 0,       e->label_size};
    const char **names = xcalloc(ev->n_managers + 1, sizeof(*names));
    struct layout_sign *sg;
    struct buf text = BUF_INIT;
    const char *label = "";
    int rc = 0;

    if (e->label) {
        template_expand(e->label, lookup, v, &text);
        label = plan_keep(pl, buf_detach(&text, NULL));
    }
    spec.has_label = label[0] != '\0';
    for (size_t i = 0; i < ev->n_managers; i++)
        names[i] = ev->managers[i].name;
    pl->signs = xrealloc(pl->signs, (pl->n_signs + 1) * sizeof(*pl->signs));
    sg = &pl->signs[pl->n_signs++];
    if (layout_sign(names, ev->n_managers, &spec, &m, sg) < 0) { /* sg is left empty */
        snprintf(err, errlen, "cannot lay out signatures in a %.0fx%.0f box", e->w, e->h);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < sg->shown; i++) {
        const struct layout_sign_cell *c = &sg->cells[i];
        rc = add_block(pl, fonts, e->font, names[i], c->name, sg->size, sg->size, e->leading,
                       e->max_lines, TPL_CENTER, TPL_TOP, e->color, err, errlen);
        if (rc == 0 && spec.has_label)
            rc = add_block(pl, fonts, e->label_font, label, c->label, sg->label_size,
                           sg->label_size * 0.7, LAYOUT_SIGN_LABEL_LEADING, 1, TPL_CENTER, TPL_TOP,
                           e->color, err, errlen);
    }
    if (rc == 0 && sg->others) {
        i18n_others(v->o->locale, sg->others, &text);
        rc = add_block(pl, fonts, e->font, plan_keep(pl, buf_detach(&text, NULL)), sg->others_box,
                       sg->others_size, sg->others_size, e->leading, 1, TPL_CENTER, TPL_TOP,
                       e->color, err, errlen);
    }
    free(names);
    return rc;
}

static struct pdf_rgb rgb(struct tpl_color c)
{
    return (struct pdf_rgb){c.r, c.g, c.b};
}

static void draw_block(struct pdf *p, const struct block *b, int handle, const struct font *f)
{
    const struct layout_text *lt = &b->lt;
    double total = (double)lt->n_lines * lt->line_height, top = b->box.y;
    double asc = font_ascent(f), desc = font_descent(f);
    struct buf line = BUF_INIT;

    if (b->valign == TPL_MIDDLE)
        top += (b->box.h - total) / 2;
    else if (b->valign == TPL_BOTTOM)
        top += b->box.h - total;
    for (size_t i = 0; i < lt->n_lines; i++) {
        const struct layout_line *l = &lt->lines[i];
        double w = l->width, x = b->box.x;
        double baseline = top + (double)i * lt->line_height +
                          (lt->line_height - (asc + desc) * lt->size) / 2 + asc * lt->size;
        buf_reset(&line);
        buf_add(&line, b->text + l->off, l->len);
        if (l->ellipsis) {
            buf_adds(&line, ELLIPSIS);
            w = font_width(f, line.data, line.len, lt->size);
        }
        if (b->align == TPL_CENTER)
            x += (b->box.w - w) / 2;
        else if (b->align == TPL_RIGHT)
            x += b->box.w - w;
        pdf_text(p, handle, lt->size, rgb(b->color), x, baseline, line.data, line.len);
    }
    buf_free(&line);
}

static void draw_blocks(struct pdf *p, const struct page_plan *pl, size_t first, size_t n,
                        const int *handles, struct font *const *fonts)
{
    for (size_t b = first; b < first + n; b++)
        draw_block(p, &pl->blocks[b], handles[pl->blocks[b].font], fonts[pl->blocks[b].font]);
}

/* QR modules as filled squares, one rectangle per horizontal run. */
static int draw_qr(struct pdf *p, const struct tpl_element *e, const char *url, char *err,
                   size_t errlen)
{
    QRcode *qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    double *rects, mod;
    size_t n = 0;
    int w;

    if (!qr) {
        snprintf(err, errlen, "cannot make a QR code of '%s': %s", url, strerror(errno));
        return -1;
    }
    w = qr->width;
    mod = e->w / w;
    rects = xmalloc((size_t)w * (size_t)w * 4 * sizeof(*rects));
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w;) {
            int run = 0;
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            if (run) {
                rects[n * 4] = e->x + x * mod;
                rects[n * 4 + 1] = e->y + y * mod;
                rects[n * 4 + 2] = run * mod;
                rects[n * 4 + 3] = mod;
                n++;
                x += run;
            } else {
                x++;
            }
        }
    }
    pdf_fill_rects(p, rects, n, rgb(e->color));
    free(rects);
    QRcode_free(qr);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The sorted, distinct code points drawn with template font `font`. */
static uint32_t *collect_cps(const struct page_plan *pl, int font, size_t *count)
{
    size_t n = 1, cap = 128;
    uint32_t *cps = xmalloc(cap * sizeof(*cps)), cp;
    cps[0] = ' ';
    for (size_t i = 0; i < pl->n_blocks; i++) {
        const struct block *b = &pl->blocks[i];
        if (b->font != font)
            continue;
        for (size_t l = 0; l < b->lt.n_lines; l++) {
            const char *s = b->text + b->lt.lines[l].off;
            size_t len = b->lt.lines[l].len, k;
            while (len) {
                k = utf8_decode(s, len, &cp);
                if (!k)
                    cp = 0xFFFD, k = 1;
                if (n + 2 > cap)
                    cps = xrealloc(cps, (cap *= 2) * sizeof(*cps));
                cps[n++] = cp;
                s += k;
                len -= k;
            }
            if (b->lt.lines[l].ellipsis) {
                if (n + 2 > cap)
                    cps = xrealloc(cps, (cap *= 2) * sizeof(*cps));
                cps[n++] = 0x2026;
            }
        }
    }
    qsort(cps, n, sizeof(*cps), cmp_u32);
    size_t out = 0;
    for (size_t i = 0; i < n; i++)
        if (out == 0 || cps[out - 1] != cps[i])
            cps[out++] = cps[i];
    *count = out;
    return cps;
}

int render_pdf(struct render_ctx *c, const struct event *ev, const struct render_opts *o,
               struct buf *out, char *err, size_t errlen)
{
    struct font *fonts[CACHE_MAX] = {0};
    int handles[CACHE_MAX];
    struct page_plan pl = {0};
    struct pdf *p = NULL;
    struct template *t;
    struct buf tmp = BUF_INIT, title = BUF_INIT;
    const char *path;
    struct vars v;
    size_t *first = NULL, *count = NULL, sign = 0;
    int rc = -1;

    vars_init(&v, ev, o);
    path = render_template_path(c, ev, o, err, errlen);
    if (!path || !(t = get_template(c, path, err, errlen)))
        goto out;
    if (t->n_fonts > CACHE_MAX) {
        snprintf(err, errlen, "template '%s': too many fonts", t->path);
        goto out;
    }
    for (size_t i = 0; i < t->n_fonts; i++)
        if (!(fonts[i] = get_font(c, &t->fonts[i], err, errlen)))
            goto out;

    /* 1. expand and lay out all text, in element order */
    first = xcalloc(t->n_elems + 1, sizeof(*first));
    count = xcalloc(t->n_elems + 1, sizeof(*count));
    for (size_t i = 0; i < t->n_elems; i++) {
        const struct tpl_element *e = &t->elems[i];
        struct layout_rect box = {e->x, e->y, e->w, e->h};
        first[i] = pl.n_blocks;
        if (!cond_holds(e->cond, &v))
            continue;
        if (e->kind == TPL_TEXT) {
            buf_reset(&tmp);
            template_expand(e->text, lookup, &v, &tmp);
            if (add_block(&pl, fonts, e->font, plan_keep(&pl, buf_detach(&tmp, NULL)), box, e->size,
                          e->min_size, e->leading, e->max_lines, e->align, e->valign, e->color, err,
                          errlen) < 0)
                goto out;
        } else if (e->kind == TPL_SIGNATURES) {
            if (plan_signatures(&pl, e, fonts, ev, &v, err, errlen) < 0)
                goto out;
        }
        count[i] = pl.n_blocks - first[i];
    }

    /* 2. the document and its fonts, each a subset of what it draws */
    if (!(p = pdf_new(t->page_w, t->page_h, err, errlen)))
        goto out;
    for (size_t i = 0; i < t->n_fonts; i++) {
        size_t n;
        uint32_t *cps;
        handles[i] = -1;
        for (size_t b = 0; b < pl.n_blocks; b++)
            if (pl.blocks[b].font == (int)i && pl.blocks[b].lt.n_lines)
                goto used;
        continue;
    used:
        cps = collect_cps(&pl, (int)i, &n);
        handles[i] = pdf_add_font(p, fonts[i], cps, n, err, errlen);
        free(cps);
        if (handles[i] < 0)
            goto out;
    }

    /* 3. draw in element order */
    if (t->has_background)
        pdf_rect(p, 0, 0, t->page_w, t->page_h, 0, NULL,
                 &(struct pdf_rgb){t->background.r, t->background.g, t->background.b});
    if (t->background_image &&
        pdf_image(p, t->background_image, 0, 0, t->page_w, t->page_h, err, errlen) < 0)
        goto out;
    for (size_t i = 0; i < t->n_elems; i++) {
        const struct tpl_element *e = &t->elems[i];
        if (!cond_holds(e->cond, &v))
            continue;
        switch (e->kind) {
        case TPL_TEXT:
            draw_blocks(p, &pl, first[i], count[i], handles, fonts);
            break;
        case TPL_SIGNATURES: {
            const struct layout_sign *sg = &pl.signs[sign++];
            for (size_t m = 0; m < sg->shown; m++)
                pdf_line(p, sg->cells[m].line_x0, sg->cells[m].line_y, sg->cells[m].line_x1,
                         sg->cells[m].line_y, e->line_width, rgb(e->line_color));
            draw_blocks(p, &pl, first[i], count[i], handles, fonts);
            break;
        }
        case TPL_LINE:
            pdf_line(p, e->x, e->y, e->x2, e->y2, e->line_width, rgb(e->stroke));
            break;
        case TPL_RECT:
            pdf_rect(p, e->x, e->y, e->w, e->h, e->line_width,
                     e->has_stroke ? &(struct pdf_rgb){e->stroke.r, e->stroke.g, e->stroke.b}
                                   : NULL,
                     e->has_fill ? &(struct pdf_rgb){e->fill.r, e->fill.g, e->fill.b} : NULL);
            break;
        case TPL_IMAGE:
            if (pdf_image(p, e->image_path, e->x, e->y, e->w, e->h, err, errlen) < 0)
                goto out;
            break;
        case TPL_QR:
            if (o->verify_url && draw_qr(p, e, o->verify_url, err, errlen) < 0)
                goto out;
            break;
        }
    }

    buf_addf(&title, "%s - %s", o->locale == I18N_EN ? "Certificate" : "Certificado",
             ev->user_name);
    pdf_info(p, title.data, ev->school_name, ev->course_name, o->code, &ev->certified_at);
    if (pdf_save(p, out, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    pdf_free(p);
    plan_free(&pl);
    free(first);
    free(count);
    vars_free(&v);
    buf_free(&tmp);
    buf_free(&title);
    return rc;
}

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

#include "fallback.h"
#include "font.h"
#include "layout.h"
#include "pdf.h"
#include "render.h"
#include "render_int.h"
#include "template.h"
#include "typeset.h"
#include "utf8.h"
#include "banned.h"

#define CACHE_MAX 32

/* The values of the placeholders, formatted once per certificate. */
struct vars {
    const struct event *ev;
    const struct render_opts *o;
    const struct tenant_course *course; /* the tenant's course file, or NULL */
    struct buf workload, enrolled, concluded, certified, rate, cpf, expires, syllabus;
    char ids[4][24];
};

struct render_conf *render_conf_load(const char *home, const char *tenants,
                                     const struct render_opts *o, char *err, size_t errlen)
{
    struct render_conf *cf = render_conf_read(home, tenants, err, errlen);

    if (cf && o &&
        (!(cf->probe = render_ctx_new_conf(cf, err, errlen)) ||
         render_preload(cf->probe, CERT_PARTICIPATION, o, err, errlen) < 0 ||
         render_preload(cf->probe, CERT_ACHIEVEMENT, o, err, errlen) < 0)) {
        render_conf_free(cf);
        return NULL;
    }
    return cf;
}

void render_conf_free(struct render_conf *cf)
{
    if (!cf)
        return;
    render_ctx_free(cf->probe);
    render_conf_drop(cf);
}

struct render_ctx *render_ctx_new_conf(const struct render_conf *cf, char *err, size_t errlen)
{
    struct render_ctx *c = xcalloc(1, sizeof(*c));
    c->conf = cf;
    c->home = cf->home;
    c->fonts_dir = cf->fonts_dir;
    c->templates_dir = cf->templates_dir;
    c->tenants = cf->tenants;
    if (!(c->fallback = fallback_load(c->fonts_dir, err, errlen)) ||
        render_check_courses(c, err, errlen) < 0) {
        render_ctx_free(c);
        return NULL;
    }
    pdf_global_init();
    return c;
}

struct render_ctx *render_ctx_new_tenants(const char *home, const char *tenants, char *err,
                                          size_t errlen)
{
    struct render_conf *cf = render_conf_load(home, tenants, NULL, err, errlen);
    struct render_ctx *c = cf ? render_ctx_new_conf(cf, err, errlen) : NULL;
    if (!c) {
        render_conf_free(cf);
        return NULL;
    }
    c->own_conf = cf;
    return c;
}

struct render_ctx *render_ctx_new(const char *home, char *err, size_t errlen)
{
    return render_ctx_new_tenants(home, NULL, err, errlen);
}

static void drop_templates(struct render_ctx *c)
{
    for (size_t i = 0; i < c->n_templates; i++) {
        for (size_t k = 0; k < c->templates[i].t->n_fonts; k++)
            free(c->templates[i].chains[k].f);
        free(c->templates[i].chains);
        free(c->templates[i].prints);
        free(c->templates[i].path);
        template_free(c->templates[i].t);
    }
    c->n_templates = 0;
}

void render_ctx_free(struct render_ctx *c)
{
    if (!c)
        return;
    drop_templates(c);
    for (size_t i = 0; i < c->n_fonts; i++) {
        free(c->fonts[i].path);
        render_font_release(c->fonts[i].f);
    }
    free(c->fonts);
    fallback_free(c->fallback);
    buf_free(&c->icc);
    render_conf_free(c->own_conf);
    free(c);
}

struct cached_template *render_get_template(struct render_ctx *c, const char *path, char *err,
                                            size_t errlen)
{
    struct cached_template *ct;
    struct template *t;
    for (size_t i = 0; i < c->n_templates; i++)
        if (!strcmp(c->templates[i].path, path))
            return &c->templates[i];
    t = render_conf_template(c->conf, path, err, errlen);
    if (!t)
        return NULL;
    if (c->n_templates == CACHE_MAX) /* a process using 32 templates: start over */
        drop_templates(c);
    ct = &c->templates[c->n_templates];
    ct->t = t;
    ct->prints = NULL;
    ct->chains = xcalloc(t->n_fonts ? t->n_fonts : 1, sizeof(*ct->chains));
    for (size_t i = 0; i < t->n_fonts; i++) {
        if (render_make_chain(c, &t->fonts[i], &ct->chains[i], err, errlen) < 0) {
            struct buf msg = BUF_INIT;
            buf_addf(&msg, "%s: fonts.%s: %s", t->path, t->fonts[i].role, err);
            snprintf(err, errlen, "%s", msg.data);
            buf_free(&msg);
            goto fail;
        }
    }
    if (render_check_template(ct, err, errlen) < 0)
        goto fail;
    ct->path = xstrdup(path);
    c->n_templates++;
    return ct;
fail:
    for (size_t k = 0; k < t->n_fonts; k++)
        free(ct->chains[k].f);
    free(ct->chains);
    free(ct->prints);
    ct->prints = NULL;
    template_free(t);
    return NULL;
}

int render_preload(struct render_ctx *c, enum cert_type type, const struct render_opts *o,
                   char *err, size_t errlen)
{
    struct event ev = {0};
    const char *path;

    ev.type = type;
    path = render_template_path(c, &ev, o, err, errlen);
    if (!path || !render_get_template(c, path, err, errlen))
        return -1;
    return o->pdfa_off ? 0 : render_icc(c, err, errlen);
}

static const char *lookup(void *ctx, const char *name)
{
    struct vars *v = ctx;
    const struct event *ev = v->ev;

    if (!strcmp(name, "student"))
        return ev->user_name;
    if (!strcmp(name, "course"))
        return v->course && v->course->display_name ? v->course->display_name : ev->course_name;
    if (!strcmp(name, "expires_at"))
        return v->expires.data ? v->expires.data : "";
    if (!strcmp(name, "syllabus"))
        return v->syllabus.data ? v->syllabus.data : "";
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

static void vars_init(struct vars *v, struct render_ctx *c, const struct event *ev,
                      const struct render_opts *o)
{
    struct caltime until;

    memset(v, 0, sizeof(*v));
    v->ev = ev;
    v->o = o;
    v->course = render_course(c, ev);
    if (render_expires_at(c, ev, &until))
        i18n_date(o->locale, &until, &v->expires);
    /* the syllabus: one item a line, each with a bullet */
    for (size_t i = 0; v->course && i < v->course->n_syllabus; i++)
        buf_addf(&v->syllabus, "%s\u2022 %s", i ? "\n" : "", v->course->syllabus[i]);
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
    buf_free(&v->expires);
    buf_free(&v->syllabus);
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

/* One cell per manager shown, names whole at one size, the last line counting those left
 * out (layout_sign); the plan keeps the cells for drawing the lines. */
static int plan_signatures(struct page_plan *pl, const struct tpl_element *e,
                           const struct chain *fonts, const struct event *ev, struct vars *v,
                           char *err, size_t errlen)
{
    struct layout_measure m = {render_chain_width, (void *)&fonts[e->font]};
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
        label = render_plan_keep(pl, buf_detach(&text, NULL));
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
        rc = render_add_block(pl, fonts, e->font, names[i], c->name, sg->size, sg->size, e->leading,
                       e->max_lines, TPL_CENTER, TPL_TOP, e->color, err, errlen);
        if (rc == 0 && spec.has_label)
            rc = render_add_block(pl, fonts, e->label_font, label, c->label, sg->label_size,
                           sg->label_size * 0.7, LAYOUT_SIGN_LABEL_LEADING, 1, TPL_CENTER, TPL_TOP,
                           e->color, err, errlen);
    }
    if (rc == 0 && sg->others) {
        i18n_others(v->o->locale, sg->others, &text);
        rc = render_add_block(pl, fonts, e->font, render_plan_keep(pl, buf_detach(&text, NULL)), sg->others_box,
                       sg->others_size, sg->others_size, e->leading, 1, TPL_CENTER, TPL_TOP,
                       e->color, err, errlen);
    }
    free(names);
    return rc;
}

/* A list element: the course's syllabus, errors naming its course file. */
static int plan_list(struct render_ctx *c, struct page_plan *pl, const struct tpl_element *e,
                     const struct chain *fonts, const struct event *ev,
                     const struct tenant_course *course, char *err, size_t errlen)
{
    const struct tenant *tn = tenants_find(c->tenants, ev->institution_id);
    struct buf src = BUF_INIT;
    int rc;
    buf_addf(&src, "%s/courses/%lld.json", tn ? tn->dir : "courses", course->id);
    rc = render_plan_list(pl, e, fonts, (const char *const *)course->syllabus, course->n_syllabus,
                          src.data, err, errlen);
    buf_free(&src);
    return rc;
}

static struct pdf_rgb rgb(struct tpl_color c)
{
    return (struct pdf_rgb){c.r, c.g, c.b};
}

/* Draw blocks first..first+n-1 that belong on this copy of their page; rtl: the page is
 * read right to left (typeset_draw). */
static void draw_blocks(struct pdf *p, const struct page_plan *pl, size_t first, size_t n, int copy,
                        int rtl)
{
    for (size_t b = first; b < first + n; b++)
        if (!pl->blocks[b].copy || pl->blocks[b].copy == copy + 1)
            typeset_draw(&pl->blocks[b].ts, p, rgb(pl->blocks[b].color), rtl);
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

/* Draw the elements of copy `copy` of page pg in element order; *sign counts the signature
 * plans used. */
static int draw_page(struct render_ctx *c, struct pdf *p, const struct template *t,
                     const struct page_plan *pl, struct vars *v, int pg, int copy,
                     const size_t *first, const size_t *count, size_t *sign, char *err,
                     size_t errlen)
{
    long strength = 0;
    int rtl;

    /* readers take a page whose letters are mostly right-to-left as a right-to-left page */
    for (size_t i = 0; i < t->n_elems; i++)
        if (t->elems[i].page == pg && cond_holds(t->elems[i].cond, v))
            for (size_t b = first[i]; b < first[i] + count[i]; b++)
                strength += typeset_strength(&pl->blocks[b].ts);
    rtl = strength < 0;
    pdf_backdrop(p, t->has_background
                        ? (struct pdf_rgb){t->background.r, t->background.g, t->background.b}
                        : (struct pdf_rgb){1, 1, 1});
    if (t->has_background)
        pdf_rect(p, 0, 0, t->page_w, t->page_h, 0, NULL,
                 &(struct pdf_rgb){t->background.r, t->background.g, t->background.b});
    if (t->background_image &&
        pdf_image(p, t->background_image, 0, 0, t->page_w, t->page_h, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < t->n_elems; i++) {
        const struct tpl_element *e = &t->elems[i];
        if (!cond_holds(e->cond, v))
            continue;
        if (e->kind == TPL_SIGNATURES && e->page != pg)
            (*sign)++; /* its plan is in element order */
        if (e->page != pg)
            continue;
        switch (e->kind) {
        case TPL_TEXT:
        case TPL_LIST:
            draw_blocks(p, pl, first[i], count[i], copy, rtl);
            break;
        case TPL_SIGNATURES: {
            const struct layout_sign *sg = &pl->signs[(*sign)++];
            for (size_t m = 0; m < sg->shown; m++)
                pdf_line(p, sg->cells[m].line_x0, sg->cells[m].line_y, sg->cells[m].line_x1,
                         sg->cells[m].line_y, e->line_width, rgb(e->line_color));
            if (render_signature_images(c, p, v->ev, sg, e->y, err, errlen) < 0)
                return -1;
            draw_blocks(p, pl, first[i], count[i], copy, rtl);
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
                return -1;
            break;
        case TPL_QR:
            if (v->o->verify_url && draw_qr(p, e, v->o->verify_url, err, errlen) < 0)
                return -1;
            break;
        }
    }

    return 0;
}

int render_pdf(struct render_ctx *c, const struct event *ev, const struct render_opts *o,
               struct buf *out, char *err, size_t errlen)
{
    struct page_plan pl = {0};
    struct render_opts copy;
    struct pdf *p = NULL;
    struct cached_template *ct;
    const struct chain *fonts;
    struct template *t;
    struct buf tmp = BUF_INIT, title = BUF_INIT;
    const char *path;
    struct vars v;
    size_t *first = NULL, *count = NULL, sign = 0;
    int rc = -1, keep[TEMPLATE_MAX_PAGES + 1] = {1, 1}, n_pages = 1;

    o = render_tenant_opts(c, ev, o, &copy);
    vars_init(&v, c, ev, o);
    for (int pg = 0; pg <= TEMPLATE_MAX_PAGES; pg++)
        pl.copies[pg] = 1;
    path = render_template_path(c, ev, o, err, errlen);
    if (!path || !(ct = render_get_template(c, path, err, errlen)))
        goto out;
    t = ct->t;
    fonts = ct->chains;

    /* 1. expand and lay out all text, in element order */
    first = xcalloc(t->n_elems + 1, sizeof(*first));
    count = xcalloc(t->n_elems + 1, sizeof(*count));
    for (size_t i = 0; i < t->n_elems; i++) {
        const struct tpl_element *e = &t->elems[i];
        struct layout_rect box = {e->x, e->y, e->w, e->h};
        first[i] = pl.n_blocks;
        if (!cond_holds(e->cond, &v))
            continue;
        if (e->page > n_pages)
            n_pages = e->page;
        if (e->kind == TPL_TEXT) {
            buf_reset(&tmp);
            template_expand(e->text, lookup, &v, &tmp);
            if (strstr(e->text, "{{") && strspn(tmp.data ? tmp.data : "", " \n\t") < tmp.len)
                keep[e->page] = 1;
            if (render_add_block(&pl, fonts, e->font, render_plan_keep(&pl, buf_detach(&tmp, NULL)), box, e->size,
                          e->min_size, e->leading, e->max_lines, e->align, e->valign, e->color, err,
                          errlen) < 0)
                goto out;
        } else if (e->kind == TPL_SIGNATURES) {
            if (plan_signatures(&pl, e, fonts, ev, &v, err, errlen) < 0)
                goto out;
        } else if (e->kind == TPL_LIST && v.course && v.course->n_syllabus) {
            keep[e->page] = 1;
            if (plan_list(c, &pl, e, fonts, ev, v.course, err, errlen) < 0)
                goto out;
        }
        count[i] = pl.n_blocks - first[i];
    }

    /* 2. the document and its fonts, each a subset of what it draws */
    if (!o->pdfa_off && render_icc(c, err, errlen) < 0)
        goto out;
    if (!(p = pdf_new(t->page_w, t->page_h, err, errlen)))
        goto out;
    if (!o->pdfa_off)
        pdf_pdfa(p, c->icc.data, c->icc.len);
    for (size_t b = 0; b < pl.n_blocks; b++)
        if (typeset_place(&pl.blocks[b].ts, p, err, errlen) < 0)
            goto out;
    if (pdf_embed(p, err, errlen) < 0)
        goto out;

    /* 3. draw in element order, page by page (a list continues on copies of its page); a
     * later page with nothing to say is left out */
    for (int pg = 1; pg <= n_pages; pg++) {
        for (int k = 0; keep[pg] && k < pl.copies[pg]; k++) {
            sign = 0;
            if ((pg > 1 || k > 0) && pdf_add_page(p, err, errlen) < 0)
                goto out;
            if (draw_page(c, p, t, &pl, &v, pg, k, first, count, &sign, err, errlen) < 0)
                goto out;
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
    render_plan_free(&pl);
    free(first);
    free(count);
    vars_free(&v);
    buf_free(&tmp);
    buf_free(&title);
    return rc;
}

int render_check_coverage(struct render_ctx *c, const struct event *ev, const struct render_opts *o,
                          const struct render_field *fields, size_t n, struct event_diags *d,
                          char *err, size_t errlen)
{
    const char *path = render_template_path(c, ev, o, err, errlen);
    const struct cached_template *ct;

    if (!path || !(ct = render_get_template(c, path, err, errlen)))
        return -1;
    return render_cover_check(ct, fields, n, d);
}

int render_check_event(struct render_ctx *c, const struct event *ev, const struct render_opts *o,
                       struct event_diags *d, char *err, size_t errlen)
{
    struct render_field *f;
    size_t n = render_course_fields(c, ev, &f, render_event_fields(ev, &f));
    int rc = render_check_coverage(c, ev, o, f, n, d, err, errlen);

    free(f);
    return rc;
}

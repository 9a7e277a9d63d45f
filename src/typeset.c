/* One text box: shaped, fitted on logical word boundaries, each line put in
 * visual order and aligned, then drawn glyph by glyph. */
#include <stdlib.h>
#include <string.h>

#include "typeset.h"
#include "typeset_order.h"
#include "banned.h"

#define ELLIPSIS "\xE2\x80\xA6"

static double measure_cb(void *ctx, const char *s, size_t n, double size)
{
    const struct typeset *t = ctx;
    struct shaped tmp;
    double w;

    if (s >= t->text && s + n <= t->text + t->len)
        return shape_width(&t->sh, (size_t)(s - t->text), (size_t)(s - t->text) + n, size);
    /* text of its own: the ellipsis */
    shape_text(&tmp, s, n, t->sh.chain, t->sh.n_chain);
    w = shape_width(&tmp, 0, n, size);
    shape_free(&tmp);
    return w;
}

int typeset_fit(struct typeset *t, const char *text, const struct shape_font *chain, size_t n_chain,
                struct layout_rect box, const struct layout_spec *spec, enum typeset_align align,
                enum typeset_valign valign)
{
    struct layout_measure m = {measure_cb, t};

    memset(t, 0, sizeof(*t));
    t->text = text;
    t->len = strlen(text);
    t->box = box;
    t->align = align;
    t->valign = valign;
    shape_text(&t->sh, text, t->len, chain, n_chain);
    return layout_fit(text, t->len, spec, &m, &t->lt);
}

static struct pdf_glyph *more(struct typeset *t, size_t n, size_t *cap)
{
    if (t->n_glyphs + n > *cap) {
        while (t->n_glyphs + n > *cap)
            *cap = *cap ? *cap * 2 : 64;
        t->glyphs = xrealloc(t->glyphs, *cap * sizeof(*t->glyphs));
    }
    return t->glyphs + t->n_glyphs;
}

/* The characters of s[0..n) in reverse order into out (n bytes). */
static void reverse_chars(const char *s, size_t n, char *out)
{
    size_t at = n;
    for (size_t i = 0; i < n;) {
        size_t k = 1;
        while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
            k++;
        at -= k;
        memcpy(out + at, s + i, k);
        i += k;
    }
}

/* Keys and places of n placed glyphs of one shaped text, from x (points) on the baseline. */
static int add_glyphs(struct typeset *t, struct pdf *p, const struct shaped *sh,
                      const struct shape_placed *pl, size_t n, double x, double baseline,
                      size_t *cap, char *err, size_t errlen)
{
    struct pdf_glyph *g = more(t, n, cap);
    double size = t->lt.size;
    char rev[64];

    for (size_t i = 0; i < n; i++) {
        int face = pdf_face(p, sh->chain[pl[i].font].f, err, errlen);
        const char *text = sh->s + pl[i].text_off;
        if (face < 0)
            return -1;
        /* readers put right-to-left text in logical order character by character: a glyph
         * standing for several characters (a ligature, a letter and its marks) gives them
         * in the order it would be read visually */
        if (pl[i].reversed && pl[i].text_len > 1 && pl[i].text_len <= sizeof(rev)) {
            reverse_chars(text, pl[i].text_len, rev);
            text = rev;
        }
        g[i].face = face;
        g[i].key = pdf_glyph_key(p, face, pl[i].gid, text, pl[i].text_len);
        g[i].x = x + (double)pl[i].x * size / 1000.0;
        g[i].y = baseline - (double)pl[i].dy * size / 1000.0;
        g[i].bold = sh->chain[pl[i].font].embolden;
    }
    t->n_glyphs += n;
    return 0;
}

int typeset_place(struct typeset *t, struct pdf *p, char *err, size_t errlen)
{
    const struct layout_text *lt = &t->lt;
    const struct font *first = t->sh.n_chain ? t->sh.chain[0].f : NULL;
    double total = (double)lt->n_lines * lt->line_height, top = t->box.y, asc, desc;
    struct shape_placed *pl = NULL, *epl = NULL;
    size_t cap_pl = 0, cap_epl = 0, cap = 0, n_ell = 0, first_glyph;
    struct shaped ell = {0};
    long ell_w = 0;
    int rc = -1, ell_rtl;

    if (!first || !lt->n_lines)
        return 0;
    asc = font_ascent(first);
    desc = font_descent(first);
    if (t->valign == TYPESET_MIDDLE)
        top += (t->box.h - total) / 2;
    else if (t->valign == TYPESET_BOTTOM)
        top += t->box.h - total;
    for (size_t i = 0; i < lt->n_lines; i++) {
        const struct layout_line *l = &lt->lines[i];
        double baseline = top + (double)i * lt->line_height +
                          (lt->line_height - (asc + desc) * lt->size) / 2 + asc * lt->size;
        long w1000;
        int rtl;
        size_t n = shape_line(&t->sh, l->off, l->off + l->len, &pl, &cap_pl, &w1000, &rtl);
        double w, x = t->box.x, shift = 0;

        if (l->ellipsis && !n_ell) {
            shape_text(&ell, ELLIPSIS, strlen(ELLIPSIS), t->sh.chain, t->sh.n_chain);
            n_ell = shape_line(&ell, 0, ell.len, &epl, &cap_epl, &ell_w, &ell_rtl);
        }
        w = (double)(w1000 + (l->ellipsis ? ell_w : 0)) * lt->size / 1000.0;
        if (t->align == TYPESET_CENTER)
            x += (t->box.w - w) / 2;
        else if (t->align == TYPESET_RIGHT)
            x += t->box.w - w;
        /* the ellipsis goes where the line's text stops: its right end, or its left one */
        if (l->ellipsis && rtl)
            shift = (double)ell_w * lt->size / 1000.0;
        first_glyph = t->n_glyphs;
        if (add_glyphs(t, p, &t->sh, pl, n, x + shift, baseline, &cap, err, errlen) < 0)
            goto out;
        if (l->ellipsis &&
            add_glyphs(t, p, &ell, epl, n_ell, rtl ? x : x + (double)w1000 * lt->size / 1000.0,
                       baseline, &cap, err, errlen) < 0)
            goto out;
        if (t->n_glyphs > first_glyph && typeset_order_has_rtl(t->text + l->off, l->len)) {
            t->spans = xrealloc(t->spans, (t->n_spans + 1) * sizeof(*t->spans));
            t->spans[t->n_spans++] = (struct typeset_span){first_glyph, t->n_glyphs - first_glyph,
                                                           l->off, l->len, l->ellipsis};
        }
    }
    rc = 0;
out:
    free(pl);
    free(epl);
    shape_free(&ell);
    return rc;
}

long typeset_strength(const struct typeset *t)
{
    long sum = 0;

    for (size_t i = 0; i < t->lt.n_lines; i++)
        sum += typeset_order_strength(t->text + t->lt.lines[i].off, t->lt.lines[i].len);
    return sum;
}

void typeset_draw(const struct typeset *t, struct pdf *p, struct pdf_rgb color, int rtl_page)
{
    struct pdf_span *spans = t->n_spans ? xmalloc(t->n_spans * sizeof(*spans)) : NULL;
    struct buf texts = BUF_INIT;
    size_t *ends = t->n_spans ? xmalloc(t->n_spans * sizeof(*ends)) : NULL;

    /* every span's text first: the buffer moves while it grows */
    for (size_t i = 0; i < t->n_spans; i++) {
        const struct typeset_span *sp = &t->spans[i];
        struct buf line = BUF_INIT;
        buf_add(&line, t->text + sp->off, sp->len);
        if (sp->ellipsis)
            buf_adds(&line, ELLIPSIS);
        typeset_order_actual(line.data, line.len, rtl_page, &texts);
        ends[i] = texts.len;
        buf_free(&line);
    }
    for (size_t i = 0; i < t->n_spans; i++) {
        size_t from = i ? ends[i - 1] : 0;
        spans[i] =
            (struct pdf_span){t->spans[i].first, t->spans[i].n, texts.data + from, ends[i] - from};
    }
    pdf_glyphs(p, t->lt.size, color, t->glyphs, t->n_glyphs, spans, t->n_spans);
    free(spans);
    free(ends);
    buf_free(&texts);
}

void typeset_free(struct typeset *t)
{
    shape_free(&t->sh);
    free(t->glyphs);
    free(t->spans);
    t->glyphs = NULL;
    t->spans = NULL;
    t->n_glyphs = t->n_spans = 0;
}

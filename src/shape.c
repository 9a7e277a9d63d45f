/* Shaping: font per cluster from the chain, bidi levels from FriBidi, runs
 * shaped with HarfBuzz, widths by byte range, lines in visual order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fribidi.h>
#include <hb.h>

#include "shape.h"
#include "utf8.h"
#include "banned.h"

/* Characters of one text, decoded once. */
struct chars {
    uint32_t *cp;
    size_t *off; /* byte offset of each; off[n] = len */
    int *font;
    FriBidiLevel *level;
    int *base;
    hb_script_t *script;
    size_t n;
};

int shape_invisible(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xAD || cp == 0x34F || cp == 0x61C ||
           (cp >= 0x115F && cp <= 0x1160) || (cp >= 0x17B4 && cp <= 0x17B5) ||
           (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0x3164 ||
           (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || cp == 0xFFA0 ||
           (cp >= 0xFFF0 && cp <= 0xFFF8) || (cp >= 0x1BCA0 && cp <= 0x1BCA3) ||
           (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE0FFF);
}

/* Continues the cluster of the character before it: marks, joiners, selectors, skin tones. */
static int extends(uint32_t cp)
{
    hb_unicode_general_category_t gc;

    if (cp < 0x300)
        return 0;
    if (cp == 0x200C || cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) ||
        (cp >= 0xE0100 && cp <= 0xE01EF) || (cp >= 0x1F3FB && cp <= 0x1F3FF))
        return 1;
    gc = hb_unicode_general_category(hb_unicode_funcs_get_default(), cp);
    return gc == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK ||
           gc == HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK ||
           gc == HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK;
}

static int is_common(hb_script_t s)
{
    return s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED || s == HB_SCRIPT_UNKNOWN;
}

static int has(const struct shape_font *sf, uint32_t cp)
{
    if (shape_invisible(cp))
        return 1;
    if (sf->script) {
        hb_script_t s = hb_unicode_script(hb_unicode_funcs_get_default(), cp);
        if (!is_common(s) && s != (hb_script_t)sf->script)
            return 0;
    }
    return font_has(sf->f, cp);
}

int shape_font_for(const struct shape_font *chain, size_t n_chain, uint32_t cp)
{
    for (size_t i = 0; i < n_chain; i++)
        if (has(&chain[i], cp))
            return (int)i;
    return -1;
}

static int covers(const struct shape_font *sf, const struct chars *c, size_t i, size_t j)
{
    for (size_t k = i; k < j; k++)
        if (!has(sf, c->cp[k]))
            return 0;
    return 1;
}

/* A font for each character: per cluster, the first of the chain that has all of it, except
 * that spaces, digits and punctuation stay in the font before them when it has them. */
static void choose_fonts(struct chars *c, const struct shape_font *chain, size_t n_chain)
{
    int prev = -1;

    for (size_t i = 0, j; i < c->n; i = j) {
        int f = -1;
        for (j = i + 1; j < c->n && extends(c->cp[j]); j++)
            ;
        if (c->cp[i] == '\n') {
            c->font[i] = -1;
            prev = -1;
            continue;
        }
        if (prev >= 0 && is_common(hb_unicode_script(hb_unicode_funcs_get_default(), c->cp[i])) &&
            covers(&chain[prev], c, i, j))
            f = prev;
        for (size_t k = 0; f < 0 && k < n_chain; k++)
            if (covers(&chain[k], c, i, j))
                f = (int)k;
        if (f < 0)
            f = shape_font_for(chain, n_chain, c->cp[i]);
        if (f < 0)
            f = prev >= 0 ? prev : 0;
        for (size_t k = i; k < j; k++)
            c->font[k] = f;
        prev = f;
    }
}

static int maybe_rtl(uint32_t cp)
{
    return (cp >= 0x590 && cp <= 0x8FF) || (cp >= 0xFB1D && cp <= 0xFDFF) ||
           (cp >= 0xFE70 && cp <= 0xFEFF) || (cp >= 0x10800 && cp <= 0x10FFF) ||
           (cp >= 0x1E800 && cp <= 0x1EFFF) || cp == 0x200F || cp == 0x202B || cp == 0x202E ||
           cp == 0x2067;
}

/* Levels of the paragraph c[i..j) by the bidirectional algorithm; all 0 when nothing in it
 * can be right-to-left. */
static void bidi_levels(struct chars *c, size_t i, size_t j)
{
    FriBidiParType dir = FRIBIDI_PAR_ON;
    FriBidiCharType *types;
    FriBidiBracketType *brackets;
    size_t k, n = j - i;
    int base = 0;

    for (k = i; k < j && !maybe_rtl(c->cp[k]); k++)
        ;
    if (k < j && n) {
        types = xmalloc(n * sizeof(*types));
        brackets = xmalloc(n * sizeof(*brackets));
        fribidi_get_bidi_types(c->cp + i, (FriBidiStrIndex)n, types);
        fribidi_get_bracket_types(c->cp + i, (FriBidiStrIndex)n, types, brackets);
        if (fribidi_get_par_embedding_levels_ex(types, brackets, (FriBidiStrIndex)n, &dir,
                                                c->level + i) == 0)
            memset(c->level + i, 0, n * sizeof(*c->level));
        else
            base = FRIBIDI_IS_RTL(dir) ? 1 : 0;
        free(types);
        free(brackets);
    } else {
        memset(c->level + i, 0, n * sizeof(*c->level));
    }
    for (k = i; k < j; k++)
        c->base[k] = base;
}

static void decode(struct chars *c, const char *s, size_t n)
{
    hb_unicode_funcs_t *uf = hb_unicode_funcs_get_default();
    size_t at = 0, k, start = 0;

    c->cp = xmalloc((n + 1) * sizeof(*c->cp));
    c->off = xmalloc((n + 1) * sizeof(*c->off));
    c->font = xmalloc((n + 1) * sizeof(*c->font));
    c->level = xmalloc((n + 1) * sizeof(*c->level));
    c->base = xmalloc((n + 1) * sizeof(*c->base));
    c->script = xmalloc((n + 1) * sizeof(*c->script));
    c->n = 0;
    while (at < n) {
        uint32_t cp;
        k = utf8_decode(s + at, n - at, &cp);
        if (!k)
            cp = 0xFFFD, k = 1;
        c->cp[c->n] = cp;
        c->off[c->n] = at;
        c->script[c->n] = hb_unicode_script(uf, cp);
        c->n++;
        at += k;
    }
    c->off[c->n] = n;
    /* common characters take the script of the run they are in */
    for (k = 1; k < c->n; k++)
        if (is_common(c->script[k]))
            c->script[k] = c->script[k - 1];
    for (k = 0; k <= c->n; k++) {
        if (k == c->n || c->cp[k] == '\n') {
            bidi_levels(c, start, k);
            start = k + 1;
        }
    }
}

static void chars_free(struct chars *c)
{
    free(c->cp);
    free(c->off);
    free(c->font);
    free(c->level);
    free(c->base);
    free(c->script);
}

static long scale(long v, unsigned upem)
{
    return (long)lround((double)v * 1000.0 / upem);
}

static void shape_run(struct shaped *sh, hb_buffer_t *buf, struct shape_run *r, hb_script_t script)
{
    const struct font *f = sh->chain[r->font].f;
    hb_font_t *hf = font_hb(f);
    unsigned upem = font_upem(f), n;
    hb_glyph_info_t *info;
    hb_glyph_position_t *pos;

    hb_buffer_clear_contents(buf);
    hb_buffer_add_utf8(buf, sh->s, (int)sh->len, (unsigned)r->start, (int)(r->end - r->start));
    hb_buffer_set_direction(buf, r->level & 1 ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
    if (!is_common(script))
        hb_buffer_set_script(buf, script);
    hb_buffer_guess_segment_properties(buf);
    hb_shape(hf, buf, NULL, 0);
    info = hb_buffer_get_glyph_infos(buf, &n);
    pos = hb_buffer_get_glyph_positions(buf, &n);
    sh->g = xrealloc(sh->g, (sh->n_g + n + 1) * sizeof(*sh->g));
    r->first = sh->n_g;
    r->n = n;
    for (unsigned i = 0; i < n; i++) {
        struct shape_glyph *g = &sh->g[sh->n_g++];
        long nominal = hb_font_get_glyph_h_advance(hf, info[i].codepoint);
        g->gid = info[i].codepoint;
        g->font = r->font;
        /* libharu's own truncated width, plus what shaping changed (kerning); a mark
         * HarfBuzz placed without advance stays at exactly 0 */
        g->adv = pos[i].x_advance == 0
                     ? 0
                     : font_glyph_width(f, g->gid) + (int)scale(pos[i].x_advance - nominal, upem);
        g->dx = (int)scale(pos[i].x_offset, upem);
        g->dy = (int)scale(pos[i].y_offset, upem);
        g->cluster = info[i].cluster;
    }
}

void shape_text(struct shaped *sh, const char *s, size_t n, const struct shape_font *chain,
                size_t n_chain)
{
    struct chars c;
    hb_buffer_t *buf;
    size_t cap = 0;

    memset(sh, 0, sizeof(*sh));
    sh->s = s;
    sh->len = n;
    sh->chain = chain;
    sh->n_chain = n_chain;
    sh->cum = xcalloc(n + 1, sizeof(*sh->cum));
    if (!n || !n_chain)
        return;
    decode(&c, s, n);
    choose_fonts(&c, chain, n_chain);
    buf = hb_buffer_create();
    for (size_t i = 0, j; i < c.n; i = j) {
        struct shape_run *r;
        hb_script_t script = c.script[i];
        j = i + 1;
        if (c.font[i] < 0)
            continue;
        while (j < c.n && c.font[j] == c.font[i] && c.level[j] == c.level[i] &&
               (c.script[j] == script || is_common(c.script[j]) || is_common(script)))
            j++;
        if (sh->n_runs == cap)
            sh->runs = xrealloc(sh->runs, (cap = cap ? cap * 2 : 8) * sizeof(*sh->runs));
        r = &sh->runs[sh->n_runs++];
        r->start = c.off[i];
        r->end = c.off[j];
        r->font = c.font[i];
        r->level = c.level[i];
        r->base = c.base[i];
        for (size_t k = i; is_common(script) && k < j; k++)
            script = c.script[k];
        shape_run(sh, buf, r, script);
    }
    hb_buffer_destroy(buf);
    for (size_t i = 0; i < sh->n_g; i++)
        if (sh->g[i].cluster < n)
            sh->cum[sh->g[i].cluster + 1] += sh->g[i].adv;
    for (size_t i = 1; i <= n; i++)
        sh->cum[i] += sh->cum[i - 1];
    chars_free(&c);
}

void shape_free(struct shaped *sh)
{
    free(sh->g);
    free(sh->runs);
    free(sh->cum);
    memset(sh, 0, sizeof(*sh));
}

double shape_width(const struct shaped *sh, size_t from, size_t to, double size)
{
    if (to > sh->len)
        to = sh->len;
    if (from >= to)
        return 0;
    return (double)(sh->cum[to] - sh->cum[from]) * size / 1000.0;
}

/* Bytes of the cluster of glyph k of run r: to the next cluster in logical order. */
static size_t cluster_end(const struct shaped *sh, const struct shape_run *r, size_t k, size_t to)
{
    uint32_t c = sh->g[k].cluster;
    size_t end = r->end;

    if (!(r->level & 1)) {
        for (size_t i = k + 1; i < r->first + r->n; i++)
            if (sh->g[i].cluster > c) {
                end = sh->g[i].cluster;
                break;
            }
    } else {
        for (size_t i = k; i-- > r->first;)
            if (sh->g[i].cluster > c) {
                end = sh->g[i].cluster;
                break;
            }
    }
    return end < to ? end : to;
}

/* The nth character of s[from..to) (and all after it when `rest`), as a byte range; empty
 * when there are fewer. */
static void char_piece(const char *s, size_t from, size_t to, size_t nth, int rest, size_t *off,
                       size_t *len)
{
    size_t at = from, i = 0, stop;

    while (i < nth && at < to) {
        at++;
        while (at < to && ((unsigned char)s[at] & 0xC0) == 0x80)
            at++;
        i++;
    }
    stop = at;
    if (rest) {
        stop = to;
    } else if (at < to) {
        stop++;
        while (stop < to && ((unsigned char)s[stop] & 0xC0) == 0x80)
            stop++;
    }
    *off = at;
    *len = stop - at;
}

size_t shape_line(const struct shaped *sh, size_t from, size_t to, struct shape_placed **out,
                  size_t *cap, long *width, int *rtl)
{
    size_t *order = NULL, n_order = 0, count = 0;
    int max_level = 0, min_odd = 127;
    long x = 0;

    *rtl = 0;
    for (size_t i = 0; i < sh->n_runs; i++) {
        const struct shape_run *r = &sh->runs[i];
        if (r->end <= from || r->start >= to)
            continue;
        order = xrealloc(order, (n_order + 1) * sizeof(*order));
        order[n_order++] = i;
        if (r->level > max_level)
            max_level = r->level;
        if ((r->level & 1) && r->level < min_odd)
            min_odd = r->level;
        *rtl = r->base;
    }
    /* rule L2: reverse every sequence at or above each level, highest first */
    for (int lev = max_level; lev >= min_odd && lev > 0; lev--) {
        for (size_t i = 0; i < n_order;) {
            size_t j = i;
            while (j < n_order && sh->runs[order[j]].level >= lev)
                j++;
            for (size_t a = i, b = j; a + 1 < b; a++, b--) {
                size_t t = order[a];
                order[a] = order[b - 1];
                order[b - 1] = t;
            }
            i = j > i ? j : i + 1;
        }
    }
    for (size_t o = 0; o < n_order; o++) {
        const struct shape_run *r = &sh->runs[order[o]];
        size_t end = r->first + r->n;
        for (size_t k = r->first, kk; k < end; k = kk) {
            uint32_t c = sh->g[k].cluster;
            size_t text_end, n_glyphs, n_spacing = 0, nth = 0;
            for (kk = k + 1; kk < end && sh->g[kk].cluster == c; kk++)
                ;
            if (c < from || c >= to)
                continue;
            if (count + (kk - k) > *cap) {
                while (count + (kk - k) > *cap)
                    *cap = *cap ? *cap * 2 : 64;
                *out = xrealloc(*out, *cap * sizeof(**out));
            }
            text_end = cluster_end(sh, r, k, to);
            n_glyphs = kk - k;
            for (size_t j = k; j < kk; j++)
                n_spacing += sh->g[j].adv != 0;
            for (size_t j = 0; j < n_glyphs; j++) {
                /* in reading order: right to left in a right-to-left run */
                size_t idx = r->level & 1 ? kk - 1 - j : k + j;
                const struct shape_glyph *g = &sh->g[idx];
                struct shape_placed *p = &(*out)[count + (idx - k)];
                long gx = x;
                for (size_t m = k; m < idx; m++)
                    gx += sh->g[m].adv;
                p->gid = g->gid;
                p->font = g->font;
                p->x = gx + g->dx;
                p->dy = g->dy;
                p->adv = g->adv;
                p->reversed = r->level & 1;
                /* the cluster's characters, one to each glyph that advances (readers drop the
                 * text of glyphs without width), the last of them taking the rest */
                if (g->adv != 0 || !n_spacing) {
                    size_t last = n_spacing ? n_spacing : n_glyphs;
                    char_piece(sh->s, c, text_end, nth, nth + 1 == last, &p->text_off,
                               &p->text_len);
                    nth++;
                } else {
                    p->text_off = c;
                    p->text_len = 0;
                }
            }
            for (size_t j = k; j < kk; j++)
                x += sh->g[j].adv;
            count += n_glyphs;
            nth = 0;
            n_spacing = 0;
        }
    }
    free(order);
    *width = x;
    return count;
}

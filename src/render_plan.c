/* The plan of a certificate's pages: text blocks laid out and ready to draw, the texts
 * they point into, the signature plans; and the lists (a syllabus) flowed through their
 * columns and copies of their page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "render_int.h"
#include "shape.h"
#include "typeset.h"
#include "banned.h"

char *render_plan_keep(struct page_plan *pl, char *s)
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

void render_plan_free(struct page_plan *pl)
{
    for (size_t i = 0; i < pl->n_blocks; i++)
        typeset_free(&pl->blocks[i].ts);
    for (size_t i = 0; i < pl->n_texts; i++)
        free(pl->texts[i]);
    free(pl->texts);
    for (size_t i = 0; i < pl->n_signs; i++)
        layout_sign_free(&pl->signs[i]);
    free(pl->signs);
    free(pl->blocks);
}

/* Lay out one text box; text is owned by the plan. */
int render_add_block(struct page_plan *pl, const struct chain *chains, int font, const char *text,
                     struct layout_rect box, double size, double min_size, double leading,
                     int max_lines, enum tpl_align align, enum tpl_valign valign,
                     struct tpl_color color, char *err, size_t errlen)
{
    struct layout_spec spec = {box.w, box.h, size, min_size, leading, max_lines};
    struct block *b;

    if (!text[0])
        return 0;
    b = plan_block(pl);
    b->color = color;
    if (typeset_fit(&b->ts, text, chains[font].f, chains[font].n, box, &spec,
                    (enum typeset_align)align, (enum typeset_valign)valign) < 0) {
        snprintf(err, errlen, "cannot lay out '%.40s' in a %.0fx%.0f box", text, box.w, box.h);
        return -1;
    }
    return 0;
}

/* The shaped width of s[0..n) set in a font chain (ctx) at size points. */
double render_chain_width(void *ctx, const char *s, size_t n, double size)
{
    const struct chain *c = ctx;
    struct shaped sh;
    double w;

    shape_text(&sh, s, n, c->f, c->n);
    w = shape_width(&sh, 0, n, size);
    shape_free(&sh);
    return w;
}


int render_plan_list(struct page_plan *pl, const struct tpl_element *e, const struct chain *fonts,
                     const char *const *items, size_t n, const char *source, char *err,
                     size_t errlen)
{
    struct layout_measure m = {render_chain_width, (void *)&fonts[e->font]};
    struct layout_list_spec spec = {{e->x, e->y, e->w, e->h}, e->size, e->min_size,
                                    e->leading, e->columns, RENDER_LIST_MAX_COPIES, 0};
    struct layout_list l;
    int rc;

    spec.bullet_w = render_chain_width(m.ctx, RENDER_BULLET " ", strlen(RENDER_BULLET " "), 1.0);
    rc = layout_list(items, n, &spec, &m, &l);
    if (rc < 0) {
        snprintf(err, errlen, "cannot lay out a list in a %.0fx%.0f box", e->w, e->h);
        return -1;
    }
    if (rc > 0) {
        double floor_size = e->min_size > LAYOUT_FLOOR_SIZE ? e->min_size : LAYOUT_FLOOR_SIZE;
        if (l.pages)
            snprintf(err, errlen,
                     "%s: syllabus: %zu items need %d pages at %g pt, more than the %d a list "
                     "may take",
                     source, n, l.pages, floor_size, RENDER_LIST_MAX_COPIES);
        else
            snprintf(err, errlen,
                     "%s: syllabus: an item is too long for the list's %.0fx%.0f box even at "
                     "%g pt",
                     source, e->w, e->h, floor_size);
        return -1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct layout_list_item *it = &l.items[i];
        struct layout_rect bullet = {it->bullet_x, it->text.y, spec.bullet_w * l.size + 1,
                                     l.line_height};
        size_t first = pl->n_blocks;
        rc = render_add_block(pl, fonts, e->font, RENDER_BULLET, bullet, l.size, l.size, e->leading,
                              1, TPL_LEFT, TPL_TOP, e->color, err, errlen);
        if (rc == 0)
            rc = render_add_block(pl, fonts, e->font, items[i], it->text, l.size, l.size,
                                  e->leading, it->n_lines, TPL_LEFT, TPL_TOP, e->color, err,
                                  errlen);
        for (size_t b = first; b < pl->n_blocks; b++)
            pl->blocks[b].copy = it->page + 1;
    }
    if (rc == 0 && l.pages > pl->copies[e->page])
        pl->copies[e->page] = l.pages;
    layout_list_free(&l);
    return rc;
}

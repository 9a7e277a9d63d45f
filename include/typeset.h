/* Typesetting one text box: shape the text with its font chain, fit it into
 * the box with the layout module using the shaped widths, put each line in
 * visual order, and draw the glyphs into a PDF. Used by render; one
 * struct typeset per box, owned by one thread. */
#ifndef TYPESET_H
#define TYPESET_H

#include <stddef.h>

#include "layout.h"
#include "pdf.h"
#include "shape.h"

enum typeset_align { TYPESET_LEFT, TYPESET_CENTER, TYPESET_RIGHT };
enum typeset_valign { TYPESET_TOP, TYPESET_MIDDLE, TYPESET_BOTTOM };

/* A line drawn with its logical text as the PDF's actual text: glyphs
 * [first, first + n), text bytes [off, off + len), "…" after them when cut. */
struct typeset_span {
    size_t first, n, off, len;
    int ellipsis;
};

struct typeset {
    const char *text; /* not owned; must outlive the struct */
    size_t len;
    struct shaped sh;
    struct layout_text lt;
    struct layout_rect box;
    enum typeset_align align;
    enum typeset_valign valign;
    struct pdf_glyph *glyphs; /* after typeset_place: every line's glyphs */
    size_t n_glyphs;
    struct typeset_span *spans; /* lines with right-to-left letters */
    size_t n_spans;
};

/* Shape text (NUL-terminated, valid UTF-8) with the chain and fit it into
 * box. 0, or -1 when the box or spec is unusable. Free with typeset_free,
 * whatever the result. */
int typeset_fit(struct typeset *t, const char *text, const struct shape_font *chain, size_t n_chain,
                struct layout_rect box, const struct layout_spec *spec, enum typeset_align align,
                enum typeset_valign valign);
/* Make the PDF keys of every glyph and their places on the page. 0, or -1
 * with err (too many fonts). */
int typeset_place(struct typeset *t, struct pdf *p, char *err, size_t errlen);
/* Left-to-right letters minus right-to-left ones of the text placed (see
 * typeset_order_strength): summed over a page, the direction a reader takes. */
long typeset_strength(const struct typeset *t);
/* Draw what typeset_place placed (after pdf_embed), on a page whose text is
 * mostly right-to-left (rtl_page 1) or not (0). */
void typeset_draw(const struct typeset *t, struct pdf *p, struct pdf_rgb color, int rtl_page);
void typeset_free(struct typeset *t);

#endif

/* Text shaping: UTF-8 text and a chain of fonts in, positioned glyphs out.
 * Each cluster (a character and the marks and joiners that follow it) is
 * drawn with the first font of the chain that has it; the Unicode
 * bidirectional algorithm (FriBidi) gives each character a level; runs of
 * one font, script and level are shaped with HarfBuzz. Widths of any byte
 * range of the text come from the shaped advances, so layout can wrap on
 * logical word boundaries; each laid-out line is then put in visual order.
 * Units are 1/1000 em, the grid libharu draws on. No shared state: safe in
 * any thread for different struct shaped. */
#ifndef SHAPE_H
#define SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "font.h"

/* One font of a chain; `script` (a HarfBuzz script, 0 for any) limits it to
 * the characters of one script, as for a Korean font that also has Han. */
struct shape_font {
    struct font *f;
    uint32_t script;
    int embolden; /* bold wanted, the font has no bold face: draw it thicker */
};

struct shape_glyph {
    uint32_t gid;
    int font;         /* index into the chain */
    int adv, dx, dy;  /* advance as positioned, offsets (y up), 1/1000 em */
    uint32_t cluster; /* byte offset of the cluster's first character */
};

/* A run of glyphs of one font, script and level; glyphs in visual order. */
struct shape_run {
    size_t start, end; /* bytes of the text */
    size_t first, n;   /* glyphs */
    int font, level;
    int base; /* the paragraph's level: 0 left-to-right, 1 right-to-left */
};

struct shaped {
    const char *s;
    size_t len;
    const struct shape_font *chain;
    size_t n_chain;
    struct shape_glyph *g;
    size_t n_g;
    struct shape_run *runs;
    size_t n_runs;
    long *cum; /* cum[i]: advances of the glyphs of clusters before byte i; len + 1 entries */
};

/* A glyph placed on a line, in visual order. */
struct shape_placed {
    uint32_t gid;
    int font;
    long x;                    /* 1/1000 em from the line's left edge, offset included */
    int dy;                    /* 1/1000 em, up */
    int adv;                   /* as positioned */
    size_t text_off, text_len; /* the characters it stands for (len 0: none) */
    int reversed;              /* in a right-to-left run */
};

/* Shape s[0..n) (valid UTF-8; '\n' separates paragraphs) with the chain
 * (at least one font). The text and chain must outlive *out. Free with
 * shape_free. */
void shape_text(struct shaped *out, const char *s, size_t n, const struct shape_font *chain,
                size_t n_chain);
void shape_free(struct shaped *sh);

/* Width in points of the bytes [from, to) set at `size` points. */
double shape_width(const struct shaped *sh, size_t from, size_t to, double size);

/* The glyphs of the bytes [from, to) (one line, within one paragraph) in
 * visual order, into *out (realloc'd; *cap its capacity). Returns the number
 * of glyphs; *width gets the line's width in 1/1000 em and *rtl the
 * paragraph direction. */
size_t shape_line(const struct shaped *sh, size_t from, size_t to, struct shape_placed **out,
                  size_t *cap, long *width, int *rtl);

/* The first font of the chain having code point cp, or -1. Characters that
 * are never drawn (joiners, bidi controls, variation selectors) count as
 * present in every font. */
int shape_font_for(const struct shape_font *chain, size_t n_chain, uint32_t cp);
/* 1 for characters that need no glyph: default ignorables, controls. */
int shape_invisible(uint32_t cp);

#endif

/* TrueType faces loaded once per process through HarfBuzz: character
 * coverage, advance widths for layout, and per-document subsets small
 * enough to embed. A struct font may be shared between threads: it is
 * read-only after font_open but for the lazily prepared subsetting copy,
 * which a mutex guards; subsets of one font are made one at a time. */
#ifndef FONT_H
#define FONT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct font;

/* Load face `index` of a .ttf/.ttc file. NULL with err set ("font
 * 'fonts/x.ttf': not a TrueType font"). Free with font_free. */
struct font *font_load(const char *path, int index, char *err, size_t errlen);
/* The same; with lazy set, the copy that makes repeated subsets fast is only
 * made when the face is subset a second time (for large fallback faces that
 * most documents never use), and damaged tables show at the first subset. */
struct font *font_open(const char *path, int index, int lazy, char *err, size_t errlen);
void font_free(struct font *f);
const char *font_path(const struct font *f);
unsigned font_upem(const struct font *f);

enum { FONT_SERIF = 1, FONT_BOLD = 2, FONT_ITALIC = 4 };
/* FONT_* flags: bold from the weight (600 and up), italic from the style
 * bits or slant, serif when the family or file name says Serif (or Mincho,
 * Myeongjo, Naskh, Times, Roman) and not Sans. */
int font_style(const struct font *f);
/* The HarfBuzz font (scale: font units), for shaping. */
struct hb_font_t *font_hb(const struct font *f);
/* Advance of glyph gid in 1/1000 em, truncated, as libharu writes it. */
int font_glyph_width(const struct font *f, uint32_t gid);

/* Ascender and descender (positive, below the baseline) in ems. */
double font_ascent(const struct font *f);
double font_descent(const struct font *f);

/* 1 when the face maps code point cp to a glyph. */
int font_has(const struct font *f, uint32_t cp);
/* Advance width in points of UTF-8 text s[0..n) at `size` points, as libharu
 * will draw it (no kerning; characters missing from the face count as the
 * face's .notdef width). Invalid UTF-8 bytes count as U+FFFD. */
double font_width(const struct font *f, const char *s, size_t n, double size);

/* A TrueType subset holding only the given code points (sorted or not,
 * duplicates allowed), with plain cmap and no hinting or layout tables,
 * appended to out. 0, or -1 with err set. */
int font_subset(struct font *f, const uint32_t *cps, size_t n, struct buf *out, char *err,
                size_t errlen);
/* A subset holding glyphs gids[0..n) (old glyph ids, repeats allowed) whose
 * cmap maps codes[i] (BMP code points, distinct) to glyph gids[i]: shaped
 * glyphs, ligatures and contextual forms drawn by any code the caller
 * chooses. Appended to out. 0, or -1 with err set. */
int font_subset_glyphs(struct font *f, const uint32_t *gids, const uint32_t *codes, size_t n,
                       struct buf *out, char *err, size_t errlen);

#endif

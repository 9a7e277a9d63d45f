/* TrueType faces loaded once per process through HarfBuzz: character
 * coverage, advance widths for layout, and per-document subsets small
 * enough to embed. A struct font is read-only after font_load and may be
 * shared between threads; font_subset allocates nothing shared. */
#ifndef FONT_H
#define FONT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct font;

/* Load face `index` of a .ttf/.ttc file. NULL with err set ("font
 * 'fonts/x.ttf': not a TrueType font"). Free with font_free. */
struct font *font_load(const char *path, int index, char *err, size_t errlen);
void font_free(struct font *f);
const char *font_path(const struct font *f);

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
int font_subset(const struct font *f, const uint32_t *cps, size_t n, struct buf *out, char *err,
                size_t errlen);

#endif

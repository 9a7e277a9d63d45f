/* The text a PDF reader is handed for a line that mixes directions. The
 * glyphs of a line are drawn in visual order; poppler (pdftotext, 22.12)
 * reads a line left to right and turns every run that holds right-to-left
 * letters around, taking the spaces and punctuation next to it along, and
 * puts digits after a right-to-left name before it. Such a line is drawn
 * inside a marked-content span whose /ActualText is this module's string:
 * the line's characters arranged so that poppler's reading gives them back
 * in logical order, with a left-to-right or right-to-left mark (U+200E,
 * U+200F) where a run must stop. Pure functions, safe in any thread. */
#ifndef TYPESET_ORDER_H
#define TYPESET_ORDER_H

#include <stddef.h>

#include "buf.h"

/* Left-to-right letters minus right-to-left ones in s[0..n) (UTF-8): poppler
 * reads a page as right-to-left when the sum over its text is negative. */
long typeset_order_strength(const char *s, size_t n);
/* 1 when s[0..n) has a right-to-left letter (Hebrew, Arabic, ...). */
int typeset_order_has_rtl(const char *s, size_t n);
/* Append to out (UTF-8) the actual text for the logical line s[0..n) on a
 * page read left to right (rtl_page 0) or right to left (1). */
void typeset_order_actual(const char *s, size_t n, int rtl_page, struct buf *out);

#endif

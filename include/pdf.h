/* A one-page PDF drawn with libharu: fonts embedded as per-document subsets
 * in the cheapest encoding that holds their text (a single-byte Windows
 * code page when one does, UTF-8 otherwise), text, lines, rectangles,
 * images. Coordinates are points from the TOP-LEFT corner, y downward.
 * One struct pdf belongs to one thread; different documents may be built in
 * different threads at once. */
#ifndef PDF_H
#define PDF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "caltime.h"
#include "font.h"

struct pdf;

struct pdf_rgb {
    float r, g, b;
};

/* Make the single-byte encoding tables; call once before threads start
 * (pdf_new calls it too, guarded by pthread_once). */
void pdf_global_init(void);

struct pdf *pdf_new(double page_w, double page_h, char *err, size_t errlen);
void pdf_free(struct pdf *p);

/* Embed f for the code points that will be drawn with it (all of them: the
 * subset holds nothing else), sorted and without duplicates. Returns a font
 * handle >= 0, or -1 with err. */
int pdf_add_font(struct pdf *p, const struct font *f, const uint32_t *cps, size_t n, char *err,
                 size_t errlen);
/* The encoding chosen for a font handle ("CP1252", ..., "UTF-8"). */
const char *pdf_font_encoding(const struct pdf *p, int font);

/* Draw UTF-8 text with its baseline at (x, baseline). */
void pdf_text(struct pdf *p, int font, double size, struct pdf_rgb c, double x, double baseline,
              const char *s, size_t n);
void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width,
              struct pdf_rgb c);
/* stroke and/or fill a rectangle; pass NULL for what is not wanted */
void pdf_rect(struct pdf *p, double x, double y, double w, double h, double width,
              const struct pdf_rgb *stroke, const struct pdf_rgb *fill);
/* Squares of one colour without stroke (QR modules): n rects of (x, y, w, h). */
void pdf_fill_rects(struct pdf *p, const double *xywh, size_t n, struct pdf_rgb c);
/* A PNG or JPEG stretched over the box. 0, or -1 with err. */
int pdf_image(struct pdf *p, const char *path, double x, double y, double w, double h, char *err,
              size_t errlen);

/* Document information; `created` becomes both creation and modification
 * date, so the same input gives the same bytes. */
void pdf_info(struct pdf *p, const char *title, const char *author, const char *subject,
              const char *keywords, const struct caltime *created);

/* Append the finished document to out. 0, or -1 with err. */
int pdf_save(struct pdf *p, struct buf *out, char *err, size_t errlen);

#endif

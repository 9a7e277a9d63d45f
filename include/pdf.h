/* A one-page PDF drawn with libharu: fonts embedded as per-document subsets
 * of the glyphs drawn, in the cheapest encoding that holds them (a
 * single-byte code page of plain characters, CP1252 bytes with a rebuilt
 * cmap and a ToUnicode map for shaped glyphs, private-use UTF-8 beyond
 * that), shaped text drawn glyph by glyph, lines, rectangles, images. Coordinates are points from
 * the TOP-LEFT corner, y downward. One struct pdf belongs to one thread; different documents may be
 * built in different threads at once. */
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
/* Start another page of the same size; what is drawn next goes there. 0, or -1 with err. */
int pdf_add_page(struct pdf *p, char *err, size_t errlen);
void pdf_free(struct pdf *p);

/* Make the document PDF/A-1b, right after pdf_new and before pdf_face: fonts
 * in encodings PDF/A allows, with a CIDSet for CID fonts; images with
 * transparency flattened onto the backdrop (pdf_backdrop); on pdf_save, the
 * ICC profile icc[0..n) (sRGB, read from its file; it must stay valid until
 * pdf_save) as the OutputIntent, XMP metadata repeating the document
 * information, and a document ID made from the file's own bytes (the same
 * input still gives the same bytes). */
void pdf_pdfa(struct pdf *p, const void *icc, size_t n);
/* An sRGB ICC profile made smaller for embedding: when its three tone curves are one
 * curve of more than 256 points (as Debian's sRGB.icc, 1024), they become one curve of
 * 256 points that all three tags share (within 0.1% of the original; deflated, 2.4 KB of
 * profile become 0.85 KB). 0 with the new profile in out, or -1 when the profile is not
 * of that shape or is damaged (then embed it as it is). */
int pdf_icc_compact(const void *icc, size_t n, struct buf *out);
/* The colour under images from here on (the page's background, white unless
 * set): under PDF/A, what their transparent pixels are flattened onto. */
void pdf_backdrop(struct pdf *p, struct pdf_rgb c);

/* A face the document draws with: a handle >= 0, the same for the same
 * font, or -1 with err when the document has too many. */
int pdf_face(struct pdf *p, struct font *f, char *err, size_t errlen);
/* The key that draws glyph gid of face `face` standing for the UTF-8 text
 * t[0..n) (n 0: for nothing, the rest of a cluster drawn with several
 * glyphs). Keys are made before pdf_embed. */
int pdf_glyph_key(struct pdf *p, int face, uint32_t gid, const char *t, size_t n);
/* Embed every face as a subset of its glyphs, once, after all keys are made
 * and before anything is drawn. 0, or -1 with err. */
int pdf_embed(struct pdf *p, char *err, size_t errlen);
/* How a face was embedded, for tests: "CP1252", "CP1250", ... (plain
 * characters of that code page), "CP1252-shaped" (bytes drawing shaped
 * glyphs through a rebuilt cmap) or "UTF-8" (private-use codes); "" before
 * pdf_embed. */
const char *pdf_face_encoding(const struct pdf *p, int face);

/* A glyph to draw: its face and key, and its origin on the baseline. */
struct pdf_glyph {
    int face, key;
    double x, y;
    int bold; /* stroke the outline too: bold from a face that has none */
};
/* Glyphs [first, first + n) of a pdf_glyphs call, drawn inside a marked-content
 * span whose /ActualText, text[0..len) (UTF-8), readers take instead of the
 * glyphs' own text. */
struct pdf_span {
    size_t first, n;
    const char *text;
    size_t len;
};
/* Draw glyphs at `size` points; libharu advances by the glyph widths, and a
 * glyph not where that leaves the pen (kerning, marks) starts a new piece.
 * spans (n_spans, in glyph order, not overlapping; may be NULL) mark lines
 * whose text is given as actual text. */
void pdf_glyphs(struct pdf *p, double size, struct pdf_rgb c, const struct pdf_glyph *g, size_t n,
                const struct pdf_span *spans, size_t n_spans);

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
/* The same scaled to fit the box with its aspect kept, centred across and standing on
 * the box's bottom edge (a signature on its line). */
int pdf_image_fit(struct pdf *p, const char *path, double x, double y, double w, double h,
                  char *err, size_t errlen);

/* Document information; `created` becomes both creation and modification
 * date, so the same input gives the same bytes. */
void pdf_info(struct pdf *p, const char *title, const char *author, const char *subject,
              const char *keywords, const struct caltime *created);

/* Append the finished document to out. 0, or -1 with err. */
int pdf_save(struct pdf *p, struct buf *out, char *err, size_t errlen);

#endif

/* Internals shared by the files of the pdf module (pdf.c: document, page,
 * drawing; pdf_font.c: fonts and text; pdf_image.c: images). Not for other modules. */
#ifndef PDF_INT_H
#define PDF_INT_H

#include <hpdf.h>

#include "buf.h"
#include "pdf.h"

#define PDF_MAX_FONTS 64

/* A glyph drawn as a code of its font, standing for some text. */
struct pdf_pair {
    uint32_t gid;
    size_t text_off, text_len; /* in pdf_face.texts */
    int code;
};

/* One face of the document: what is drawn with it, then how it was embedded. */
struct pdf_face {
    struct font *f;
    struct pdf_pair *pairs;
    size_t n_pairs, cap_pairs;
    struct buf texts;
    int *hash; /* open addressing over pairs, size hash_size; -1 empty */
    size_t hash_size;
    HPDF_Font font;
    int sb;     /* index of a single-byte encoding, or -1: UTF-8 (private-use codes) */
    int shaped; /* codes chosen per glyph, with a rebuilt cmap and a ToUnicode map */
};

/* An image file and the XObject that draws it in this document. */
struct pdf_image_use {
    char *path;
    HPDF_Image img;
    unsigned w, h;
    int flat;            /* PDF/A: its transparency flattened onto bg */
    struct pdf_rgb bg;
};

struct pdf {
    HPDF_Doc doc;
    HPDF_Page page;
    double page_h;
    HPDF_STATUS error, detail;
    struct pdf_face faces[PDF_MAX_FONTS];
    int n_faces;
    int utf_enabled;
    struct buf scratch;
    struct pdf_image_use *images; /* each image file drawn, once per document */
    size_t n_images;
    int pdfa;        /* PDF/A-1b (pdf_pdfa) */
    const void *icc; /* its OutputIntent's profile, not owned */
    size_t icc_len;
    struct pdf_rgb backdrop; /* what transparent image pixels are flattened onto */
    char *info[4];           /* title, author, subject, keywords as given (UTF-8), for the XMP */
    struct caltime created;
    int has_created;
};

const char *pdf_status_text(const struct pdf *p, char *tmp, size_t n);
void pdf_faces_free(struct pdf *p);
void pdf_images_free(struct pdf *p);

/* PDF/A fix-ups (pdf_pdfa.c): the catalog and trailer entries PDF/A needs,
 * before saving (0 or -1); the document ID patched in over the saved bytes
 * out[0..n). (Images with transparency are flattened in pdf_image.c.) */
int pdf_pdfa_prepare(struct pdf *p);
void pdf_pdfa_finish(char *out, size_t n);

#endif

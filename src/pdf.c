/* PDFs with libharu: the document, its pages, lines, rectangles and document
 * information. Fonts and text are in pdf_font.c, images in pdf_image.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>

#include "pdf_int.h"
#include "utf8.h"
#include "banned.h"

static void HPDF_STDCALL on_error(HPDF_STATUS error, HPDF_STATUS detail, void *data)
{
    struct pdf *p = data;
    if (!p->error) {
        p->error = error;
        p->detail = detail;
    }
}

struct pdf *pdf_new(double page_w, double page_h, char *err, size_t errlen)
{
    struct pdf *p = xcalloc(1, sizeof(*p));
    char tmp[64];

    pdf_global_init();
    p->doc = HPDF_New(on_error, p);
    if (!p->doc) {
        snprintf(err, errlen, "cannot create a PDF document");
        free(p);
        return NULL;
    }
    HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    p->page = HPDF_AddPage(p->doc);
    HPDF_Page_SetWidth(p->page, (HPDF_REAL)page_w);
    HPDF_Page_SetHeight(p->page, (HPDF_REAL)page_h);
    p->page_h = page_h;
    p->backdrop = (struct pdf_rgb){1, 1, 1};
    if (p->error) {
        snprintf(err, errlen, "cannot create a PDF page: %s", pdf_status_text(p, tmp, sizeof(tmp)));
        pdf_free(p);
        return NULL;
    }
    return p;
}

int pdf_add_page(struct pdf *p, char *err, size_t errlen)
{
    char tmp[64];
    HPDF_REAL w = HPDF_Page_GetWidth(p->page), h = HPDF_Page_GetHeight(p->page);
    p->page = HPDF_AddPage(p->doc);
    if (p->error || !p->page) {
        snprintf(err, errlen, "cannot add a PDF page: %s", pdf_status_text(p, tmp, sizeof(tmp)));
        return -1;
    }
    HPDF_Page_SetWidth(p->page, w);
    HPDF_Page_SetHeight(p->page, h);
    return 0;
}

void pdf_free(struct pdf *p)
{
    if (!p)
        return;
    if (p->doc)
        HPDF_Free(p->doc);
    pdf_faces_free(p);
    pdf_images_free(p);
    buf_free(&p->scratch);
    for (size_t i = 0; i < sizeof(p->info) / sizeof(p->info[0]); i++)
        free(p->info[i]);
    free(p);
}

void pdf_pdfa(struct pdf *p, const void *icc, size_t n)
{
    p->pdfa = 1;
    p->icc = icc;
    p->icc_len = n;
}

void pdf_backdrop(struct pdf *p, struct pdf_rgb c)
{
    p->backdrop = c;
}

void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width,
              struct pdf_rgb c)
{
    HPDF_Page_SetLineWidth(p->page, (HPDF_REAL)width);
    HPDF_Page_SetRGBStroke(p->page, c.r, c.g, c.b);
    HPDF_Page_MoveTo(p->page, (HPDF_REAL)x1, (HPDF_REAL)(p->page_h - y1));
    HPDF_Page_LineTo(p->page, (HPDF_REAL)x2, (HPDF_REAL)(p->page_h - y2));
    HPDF_Page_Stroke(p->page);
}

void pdf_rect(struct pdf *p, double x, double y, double w, double h, double width,
              const struct pdf_rgb *stroke, const struct pdf_rgb *fill)
{
    if (!stroke && !fill)
        return;
    if (stroke) {
        HPDF_Page_SetLineWidth(p->page, (HPDF_REAL)width);
        HPDF_Page_SetRGBStroke(p->page, stroke->r, stroke->g, stroke->b);
    }
    if (fill)
        HPDF_Page_SetRGBFill(p->page, fill->r, fill->g, fill->b);
    HPDF_Page_Rectangle(p->page, (HPDF_REAL)x, (HPDF_REAL)(p->page_h - y - h), (HPDF_REAL)w,
                        (HPDF_REAL)h);
    if (stroke && fill)
        HPDF_Page_FillStroke(p->page);
    else if (fill)
        HPDF_Page_Fill(p->page);
    else
        HPDF_Page_Stroke(p->page);
}

void pdf_fill_rects(struct pdf *p, const double *r, size_t n, struct pdf_rgb c)
{
    if (!n)
        return;
    HPDF_Page_SetRGBFill(p->page, c.r, c.g, c.b);
    for (size_t i = 0; i < n; i++, r += 4)
        HPDF_Page_Rectangle(p->page, (HPDF_REAL)r[0], (HPDF_REAL)(p->page_h - r[1] - r[3]),
                            (HPDF_REAL)r[2], (HPDF_REAL)r[3]);
    HPDF_Page_Fill(p->page);
}

/* Info strings in PDFDocEncoding when they are Latin-1 (which it is above 0xA0 but for
 * 0xA0 itself and 0xAD), else as UTF-16BE text strings, which libharu cannot write: its
 * Latin-1 entry is replaced by a byte string holding the UTF-16. */
static void set_info(struct pdf *p, HPDF_InfoType type, const char *s)
{
    static const char *const keys[] = {[HPDF_INFO_AUTHOR] = "Author",
                                       [HPDF_INFO_CREATOR] = "Creator",
                                       [HPDF_INFO_TITLE] = "Title",
                                       [HPDF_INFO_SUBJECT] = "Subject",
                                       [HPDF_INFO_KEYWORDS] = "Keywords"};
    struct buf b = BUF_INIT, u = BUF_INIT;
    size_t n = strlen(s), k;
    int wide = 0;
    uint32_t cp;

    buf_add(&u, "\xFE\xFF", 2);
    while (n) {
        k = utf8_decode(s, n, &cp);
        if (!k)
            cp = 0xFFFD, k = 1;
        int doc = (cp >= 0x20 && cp < 0x7F) || (cp > 0xA0 && cp <= 0xFF && cp != 0xAD);
        wide |= !doc;
        buf_addc(&b, (char)(doc ? cp : '?'));
        if (cp > 0xFFFF) {
            uint32_t hi = 0xD800 + ((cp - 0x10000) >> 10), lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            buf_addc(&u, (char)(hi >> 8)), buf_addc(&u, (char)hi);
            buf_addc(&u, (char)(lo >> 8)), buf_addc(&u, (char)lo);
        } else {
            buf_addc(&u, (char)(cp >> 8)), buf_addc(&u, (char)cp);
        }
        s += k;
        n -= k;
    }
    if (b.len)
        HPDF_SetInfoAttr(p->doc, type, b.data);
    if (b.len && wide && p->doc->info && (size_t)type < sizeof(keys) / sizeof(keys[0]) &&
        keys[type]) {
        HPDF_Binary v = HPDF_Binary_New(p->doc->mmgr, (HPDF_BYTE *)u.data, (HPDF_UINT)u.len);
        if (v)
            HPDF_Dict_Add(p->doc->info, keys[type], v);
    }
    buf_free(&b);
    buf_free(&u);
}

void pdf_info(struct pdf *p, const char *title, const char *author, const char *subject,
              const char *keywords, const struct caltime *created)
{
    HPDF_Date d = {0};
    const char *given[] = {title, author, subject, keywords};

    for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
        free(p->info[i]);
        p->info[i] = given[i] ? xstrdup(given[i]) : NULL;
    }
    if (title)
        set_info(p, HPDF_INFO_TITLE, title);
    if (author)
        set_info(p, HPDF_INFO_AUTHOR, author);
    if (subject)
        set_info(p, HPDF_INFO_SUBJECT, subject);
    if (keywords)
        set_info(p, HPDF_INFO_KEYWORDS, keywords);
    set_info(p, HPDF_INFO_CREATOR, "certifica");
    if (created) {
        p->created = *created;
        p->has_created = 1;
        d.year = created->year;
        d.month = created->mon;
        d.day = created->day;
        d.hour = created->hour;
        d.minutes = created->min;
        d.seconds = created->sec;
        d.ind = ' ';
        HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, d);
        HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_MOD_DATE, d);
    }
}

int pdf_save(struct pdf *p, struct buf *out, char *err, size_t errlen)
{
    char tmp[64];
    HPDF_UINT32 size, written;

    if (p->error || (p->pdfa && pdf_pdfa_prepare(p) < 0) || HPDF_SaveToStream(p->doc) != HPDF_OK) {
        snprintf(err, errlen, "cannot write the PDF: %s", pdf_status_text(p, tmp, sizeof(tmp)));
        return -1;
    }
    size = written = HPDF_GetStreamSize(p->doc);
    buf_grow(out, size);
    HPDF_ResetStream(p->doc);
    for (;;) {
        HPDF_UINT32 n = size;
        HPDF_STATUS st = HPDF_ReadFromStream(p->doc, (HPDF_BYTE *)out->data + out->len, &n);
        out->len += n;
        size -= n;
        if (st == HPDF_STREAM_EOF || size == 0 || n == 0)
            break;
        if (st != HPDF_OK) {
            snprintf(err, errlen, "cannot read the PDF back from libharu");
            return -1;
        }
    }
    out->data[out->len] = '\0';
    if (p->pdfa)
        pdf_pdfa_finish(out->data + out->len - written, written);
    return 0;
}

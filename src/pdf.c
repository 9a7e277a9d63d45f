/* One-page PDFs with libharu. Fonts arrive as HarfBuzz subsets through a
 * memfd (libharu loads TrueType only by path) and are encoded in the first
 * single-byte code page that holds all their text, else as UTF-8 CID fonts. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hpdf.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>

#include "pdf.h"
#include "utf8.h"
#include "banned.h"

#define PDF_MAX_FONTS 16

/* Tried in this order; CP1252 covers Portuguese and most Western names. */
static const char *const sb_names[] = {"CP1252", "CP1250", "CP1251", "CP1253", "CP1254", "CP1257"};
#define N_SB (sizeof(sb_names) / sizeof(sb_names[0]))

struct sb_entry {
    uint16_t cp;
    unsigned char byte;
};

struct sb_table {
    struct sb_entry e[224];
    size_t n;
};

static struct sb_table sb_tables[N_SB];
static pthread_once_t sb_once = PTHREAD_ONCE_INIT;

struct pdf_font {
    HPDF_Font font;
    int sb; /* index into sb_tables, or -1 for UTF-8 */
};

struct pdf {
    HPDF_Doc doc;
    HPDF_Page page;
    double page_h;
    HPDF_STATUS error, detail;
    struct pdf_font fonts[PDF_MAX_FONTS];
    int n_fonts;
    int utf_enabled;
    struct buf scratch;
};

static void HPDF_STDCALL on_error(HPDF_STATUS error, HPDF_STATUS detail, void *data)
{
    struct pdf *p = data;
    if (!p->error) {
        p->error = error;
        p->detail = detail;
    }
}

static void HPDF_STDCALL on_init_error(HPDF_STATUS error, HPDF_STATUS detail, void *data)
{
    (void)error, (void)detail, (void)data;
}

static int sb_cmp(const void *a, const void *b)
{
    const struct sb_entry *x = a, *y = b;
    return (int)x->cp - (int)y->cp;
}

static void sb_init(void)
{
    HPDF_Doc doc = HPDF_New(on_init_error, NULL);
    if (!doc)
        return;
    for (size_t i = 0; i < N_SB; i++) {
        HPDF_Encoder enc = HPDF_GetEncoder(doc, sb_names[i]);
        struct sb_table *t = &sb_tables[i];
        if (!enc)
            continue;
        for (unsigned code = 0x20; code <= 0xFF; code++) {
            HPDF_UNICODE u = HPDF_Encoder_GetUnicode(enc, (HPDF_UINT16)code);
            if (u == 0 || (code >= 0x7F && code < 0xA0 && u == code))
                continue;
            t->e[t->n].cp = u;
            t->e[t->n].byte = (unsigned char)code;
            t->n++;
        }
        qsort(t->e, t->n, sizeof(t->e[0]), sb_cmp);
    }
    HPDF_Free(doc);
}

void pdf_global_init(void)
{
    pthread_once(&sb_once, sb_init);
}

static int sb_lookup(const struct sb_table *t, uint32_t cp)
{
    struct sb_entry key, *hit;
    if (cp > 0xFFFF)
        return -1;
    key.cp = (uint16_t)cp;
    hit = bsearch(&key, t->e, t->n, sizeof(t->e[0]), sb_cmp);
    return hit ? hit->byte : -1;
}

static const char *status_text(const struct pdf *p, char *tmp, size_t n)
{
    snprintf(tmp, n, "libharu error 0x%04X (detail %u)", (unsigned)p->error, (unsigned)p->detail);
    return tmp;
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
    if (p->error) {
        snprintf(err, errlen, "cannot create a PDF page: %s", status_text(p, tmp, sizeof(tmp)));
        pdf_free(p);
        return NULL;
    }
    return p;
}

void pdf_free(struct pdf *p)
{
    if (!p)
        return;
    if (p->doc)
        HPDF_Free(p->doc);
    buf_free(&p->scratch);
    free(p);
}

/* The first single-byte table holding every code point, or -1. */
static int choose_encoding(const uint32_t *cps, size_t n)
{
    for (size_t i = 0; i < N_SB; i++) {
        size_t k;
        if (!sb_tables[i].n)
            continue;
        for (k = 0; k < n; k++)
            if (cps[k] >= 0x20 && sb_lookup(&sb_tables[i], cps[k]) < 0)
                break;
        if (k == n)
            return (int)i;
    }
    return -1;
}

/* libharu marks glyphs "used" only one composite level deep; the subset
 * holds nothing but what is drawn, so every glyph of it is used. */
static void mark_all_glyphs_used(HPDF_Font font)
{
    HPDF_FontAttr fa = (HPDF_FontAttr)((HPDF_Dict)font)->attr;
    HPDF_TTFontDefAttr ta;
    if (!fa || !fa->fontdef || fa->fontdef->type != HPDF_FONTDEF_TYPE_TRUETYPE)
        return;
    ta = (HPDF_TTFontDefAttr)fa->fontdef->attr;
    if (ta && ta->glyph_tbl.flgs)
        memset(ta->glyph_tbl.flgs, 1, ta->num_glyphs);
}

/* libharu 2.3.0 writes an identity "CMap" as the ToUnicode map of UTF-8
 * fonts, which poppler rejects; write a proper one for the drawn
 * characters (codes equal code points there). */
static void fix_tounicode(HPDF_Font font, const uint32_t *cps, size_t n)
{
    HPDF_Dict map = HPDF_Dict_GetItem((HPDF_Dict)font, "ToUnicode", HPDF_OCLASS_DICT);
    char line[32];
    size_t i, j, k;

    if (!map || !map->stream)
        return;
    HPDF_MemStream_FreeData(map->stream);
    HPDF_Dict_RemoveElement(map, "CMapName");
    HPDF_Dict_RemoveElement(map, "CIDSystemInfo");
    HPDF_Dict_RemoveElement(map, "WMode");
    HPDF_Dict_RemoveElement(map, "Type");
    HPDF_Stream_WriteStr(
        map->stream, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                     "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                     "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                     "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    for (i = 0; i < n; i = j) {
        size_t count = 0;
        for (j = i; j < n && count < 100; j++)
            count += cps[j] <= 0xFFFF;
        snprintf(line, sizeof(line), "%zu beginbfchar\n", count);
        HPDF_Stream_WriteStr(map->stream, line);
        for (k = i; k < j; k++) {
            if (cps[k] > 0xFFFF)
                continue;
            snprintf(line, sizeof(line), "<%04X> <%04X>\n", (unsigned)cps[k], (unsigned)cps[k]);
            HPDF_Stream_WriteStr(map->stream, line);
        }
        HPDF_Stream_WriteStr(map->stream, "endbfchar\n");
    }
    HPDF_Stream_WriteStr(map->stream, "endcmap\nCMapName currentdict /CMap defineresource pop\n"
                                      "end\nend\n");
}

int pdf_add_font(struct pdf *p, const struct font *f, const uint32_t *cps, size_t n, char *err,
                 size_t errlen)
{
    char path[64], tmp[64];
    const char *name;
    int fd = -1, sb, rc = -1;
    HPDF_Font font;

    if (p->n_fonts >= PDF_MAX_FONTS) {
        snprintf(err, errlen, "too many fonts in one document (at most %d)", PDF_MAX_FONTS);
        return -1;
    }
    buf_reset(&p->scratch);
    if (font_subset(f, cps, n, &p->scratch, err, errlen) < 0)
        goto out;
    fd = memfd_create("certifica-font", MFD_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "font '%s': memfd_create: %s", font_path(f), strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < p->scratch.len;) {
        ssize_t w = write(fd, p->scratch.data + off, p->scratch.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "font '%s': writing the subset: %s", font_path(f),
                     strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    name = HPDF_LoadTTFontFromFile(p->doc, path, HPDF_TRUE);
    if (!name) {
        snprintf(err, errlen, "font '%s': libharu cannot load it: %s", font_path(f),
                 status_text(p, tmp, sizeof(tmp)));
        goto out;
    }
    sb = choose_encoding(cps, n);
    if (sb < 0 && !p->utf_enabled) {
        HPDF_UseUTFEncodings(p->doc);
        p->utf_enabled = 1;
    }
    font = HPDF_GetFont(p->doc, name, sb >= 0 ? sb_names[sb] : "UTF-8");
    if (!font || p->error) {
        snprintf(err, errlen, "font '%s': libharu cannot use it: %s", font_path(f),
                 status_text(p, tmp, sizeof(tmp)));
        goto out;
    }
    mark_all_glyphs_used(font);
    if (sb < 0)
        fix_tounicode(font, cps, n);
    p->fonts[p->n_fonts].font = font;
    p->fonts[p->n_fonts].sb = sb;
    rc = p->n_fonts++;
out:
    /* libharu reopened the file by path and keeps it open until HPDF_Free */
    if (fd >= 0)
        close(fd);
    return rc;
}

const char *pdf_font_encoding(const struct pdf *p, int font)
{
    if (font < 0 || font >= p->n_fonts)
        return "";
    return p->fonts[font].sb >= 0 ? sb_names[p->fonts[font].sb] : "UTF-8";
}

/* UTF-8 into the font's single-byte code page, NUL-terminated in scratch. */
static const char *encode_text(struct pdf *p, const struct pdf_font *pf, const char *s, size_t n)
{
    uint32_t cp;
    size_t k;
    int b;

    buf_reset(&p->scratch);
    if (pf->sb < 0) {
        buf_add(&p->scratch, s, n);
        return p->scratch.data;
    }
    while (n) {
        k = utf8_decode(s, n, &cp);
        if (!k) {
            cp = '?';
            k = 1;
        }
        b = sb_lookup(&sb_tables[pf->sb], cp);
        buf_addc(&p->scratch, (char)(b > 0 ? b : '?'));
        s += k;
        n -= k;
    }
    return p->scratch.data;
}

void pdf_text(struct pdf *p, int font, double size, struct pdf_rgb c, double x, double baseline,
              const char *s, size_t n)
{
    const struct pdf_font *pf;
    if (font < 0 || font >= p->n_fonts || n == 0)
        return;
    pf = &p->fonts[font];
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, pf->font, (HPDF_REAL)size);
    HPDF_Page_SetRGBFill(p->page, c.r, c.g, c.b);
    HPDF_Page_TextOut(p->page, (HPDF_REAL)x, (HPDF_REAL)(p->page_h - baseline),
                      encode_text(p, pf, s, n));
    HPDF_Page_EndText(p->page);
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

int pdf_image(struct pdf *p, const char *path, double x, double y, double w, double h, char *err,
              size_t errlen)
{
    size_t len = strlen(path);
    HPDF_Image img;
    char tmp[64];

    if (len > 4 && !strcasecmp(path + len - 4, ".png"))
        img = HPDF_LoadPngImageFromFile(p->doc, path);
    else
        img = HPDF_LoadJpegImageFromFile(p->doc, path);
    if (!img) {
        snprintf(err, errlen, "image '%s': cannot load it: %s", path,
                 status_text(p, tmp, sizeof(tmp)));
        return -1;
    }
    HPDF_Page_DrawImage(p->page, img, (HPDF_REAL)x, (HPDF_REAL)(p->page_h - y - h), (HPDF_REAL)w,
                        (HPDF_REAL)h);
    return 0;
}

/* Info strings are written as PDFDocEncoding, which is Latin-1 above 0xA0:
 * characters outside it become '?'. */
static void set_info(struct pdf *p, HPDF_InfoType type, const char *s)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(s), k;
    uint32_t cp;

    while (n) {
        k = utf8_decode(s, n, &cp);
        if (!k)
            cp = '?', k = 1;
        buf_addc(&b, (char)((cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF) ? cp : '?'));
        s += k;
        n -= k;
    }
    if (b.len)
        HPDF_SetInfoAttr(p->doc, type, b.data);
    buf_free(&b);
}

void pdf_info(struct pdf *p, const char *title, const char *author, const char *subject,
              const char *keywords, const struct caltime *created)
{
    HPDF_Date d = {0};

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
    HPDF_UINT32 size;

    if (p->error || HPDF_SaveToStream(p->doc) != HPDF_OK) {
        snprintf(err, errlen, "cannot write the PDF: %s", status_text(p, tmp, sizeof(tmp)));
        return -1;
    }
    size = HPDF_GetStreamSize(p->doc);
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
    return 0;
}

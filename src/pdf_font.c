/* Fonts and text of a PDF: each face is embedded once per document as a
 * HarfBuzz subset of the glyphs drawn with it, handed to libharu through a
 * memfd (libharu loads TrueType only by path). Glyphs are drawn by codes:
 *  - when every glyph is the plain glyph of one character and a single-byte
 *    Windows code page holds them all, by that code page (fast, and readers
 *    need no map to extract the text);
 *  - otherwise (shaped forms, ligatures, marks, other scripts) each glyph
 *    gets a byte of CP1252 and the subset's cmap is rebuilt so that the byte
 *    draws it, with a ToUnicode map giving the text back;
 *  - beyond the ~220 codes a byte holds, as UTF-8 private-use characters of
 *    a CID font, again with a rebuilt cmap and ToUnicode map. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hb.h>
#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include "pdf_int.h"
#include "utf8.h"
#include "banned.h"

#define PUA_FIRST 0xE000
#define PUA_COUNT 6400

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
    uint16_t of_byte[256]; /* the character of each byte, 0 when none */
};

static struct sb_table sb_tables[N_SB];
static pthread_once_t sb_once = PTHREAD_ONCE_INIT;

const char *pdf_status_text(const struct pdf *p, char *tmp, size_t n)
{
    snprintf(tmp, n, "libharu error 0x%04X (detail %u)", (unsigned)p->error, (unsigned)p->detail);
    return tmp;
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
            t->of_byte[code] = u;
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

void pdf_faces_free(struct pdf *p)
{
    for (int i = 0; i < p->n_faces; i++) {
        free(p->faces[i].pairs);
        free(p->faces[i].hash);
        buf_free(&p->faces[i].texts);
    }
    p->n_faces = 0;
}

int pdf_face(struct pdf *p, struct font *f, char *err, size_t errlen)
{
    for (int i = 0; i < p->n_faces; i++)
        if (p->faces[i].f == f)
            return i;
    if (p->n_faces >= PDF_MAX_FONTS) {
        snprintf(err, errlen, "too many fonts in one document (at most %d)", PDF_MAX_FONTS);
        return -1;
    }
    memset(&p->faces[p->n_faces], 0, sizeof(p->faces[0]));
    p->faces[p->n_faces].f = f;
    p->faces[p->n_faces].sb = -1;
    return p->n_faces++;
}

static size_t pair_hash(uint32_t gid, const char *t, size_t n)
{
    size_t h = gid * 2654435761u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)t[i]) * 16777619u;
    return h;
}

static void rehash(struct pdf_face *fc)
{
    free(fc->hash);
    fc->hash_size = fc->hash_size ? fc->hash_size * 2 : 64;
    fc->hash = xmalloc(fc->hash_size * sizeof(*fc->hash));
    memset(fc->hash, 0xFF, fc->hash_size * sizeof(*fc->hash));
    for (size_t i = 0; i < fc->n_pairs; i++) {
        const struct pdf_pair *pp = &fc->pairs[i];
        size_t h = pair_hash(pp->gid, fc->texts.data + pp->text_off, pp->text_len);
        while (fc->hash[h & (fc->hash_size - 1)] >= 0)
            h++;
        fc->hash[h & (fc->hash_size - 1)] = (int)i;
    }
}

int pdf_glyph_key(struct pdf *p, int face, uint32_t gid, const char *t, size_t n)
{
    struct pdf_face *fc = &p->faces[face];
    struct pdf_pair *pp;
    size_t h;

    if (fc->n_pairs * 2 >= fc->hash_size)
        rehash(fc);
    for (h = pair_hash(gid, t, n);; h++) {
        int k = fc->hash[h & (fc->hash_size - 1)];
        if (k < 0)
            break;
        pp = &fc->pairs[k];
        if (pp->gid == gid && pp->text_len == n && !memcmp(fc->texts.data + pp->text_off, t, n))
            return k;
    }
    if (fc->n_pairs == fc->cap_pairs) {
        fc->cap_pairs = fc->cap_pairs ? fc->cap_pairs * 2 : 64;
        fc->pairs = xrealloc(fc->pairs, fc->cap_pairs * sizeof(*fc->pairs));
    }
    pp = &fc->pairs[fc->n_pairs];
    pp->gid = gid;
    pp->text_off = fc->texts.len;
    pp->text_len = n;
    pp->code = -1;
    buf_add(&fc->texts, t, n);
    fc->hash[h & (fc->hash_size - 1)] = (int)fc->n_pairs;
    return (int)fc->n_pairs++;
}

/* The one character a pair stands for when its glyph is that character's own, else 0. */
static uint32_t natural_char(const struct pdf_face *fc, const struct pdf_pair *pp)
{
    const char *t = fc->texts.data + pp->text_off;
    hb_codepoint_t g;
    uint32_t cp;
    size_t k = utf8_decode(t, pp->text_len, &cp);

    if (!k || k != pp->text_len)
        return 0;
    if (!hb_font_get_nominal_glyph(font_hb(fc->f), cp, &g) || g != pp->gid)
        return 0;
    return cp;
}

/* The first single-byte table holding every pair as its own character, or -1. PDF/A
 * takes only CP1252 (WinAnsiEncoding): the others are written with Differences. */
static int natural_encoding(const struct pdf_face *fc, uint32_t *cps, int pdfa)
{
    for (size_t k = 0; k < fc->n_pairs; k++)
        if (!(cps[k] = natural_char(fc, &fc->pairs[k])))
            return -1;
    for (size_t i = 0; i < (pdfa ? 1 : N_SB); i++) {
        size_t k;
        if (!sb_tables[i].n)
            continue;
        for (k = 0; k < fc->n_pairs; k++)
            if (sb_lookup(&sb_tables[i], cps[k]) < 0)
                break;
        if (k == fc->n_pairs)
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

/* Append the UTF-8 text t[0..n) as hexadecimal UTF-16BE (invalid bytes as U+FFFD). */
static void add_utf16_hex(struct buf *b, const char *t, size_t n)
{
    char hex[16];
    uint32_t cp;
    size_t k;

    while (n) {
        k = utf8_decode(t, n, &cp);
        if (!k)
            cp = 0xFFFD, k = 1;
        if (cp > 0xFFFF)
            snprintf(hex, sizeof(hex), "%04X%04X", 0xD800 + ((cp - 0x10000) >> 10),
                     0xDC00 + ((cp - 0x10000) & 0x3FF));
        else
            snprintf(hex, sizeof(hex), "%04X", (unsigned)cp);
        buf_adds(b, hex);
        t += k;
        n -= k;
    }
}

/* A bfchar line: the code, then the text as UTF-16BE (line is scratch space). */
static void cmap_line(HPDF_Stream st, struct buf *line, int bytes, int code, const char *t,
                      size_t n)
{
    buf_reset(line);
    buf_addf(line, bytes == 1 ? "<%02X> <" : "<%04X> <", (unsigned)code);
    add_utf16_hex(line, t, n);
    buf_adds(line, ">\n");
    HPDF_Stream_WriteStr(st, line->data);
}

/* A ToUnicode CMap for the face's codes (1 or 2 bytes each). */
static void write_tounicode(HPDF_Stream st, const struct pdf_face *fc, int bytes)
{
    struct buf tmp = BUF_INIT;
    char line[32];

    HPDF_Stream_WriteStr(
        st, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n");
    HPDF_Stream_WriteStr(st, bytes == 1 ? "<00> <FF>\n" : "<0000> <FFFF>\n");
    HPDF_Stream_WriteStr(st, "endcodespacerange\n");
    for (size_t i = 0; i < fc->n_pairs; i += 100) {
        size_t j = i + 100 < fc->n_pairs ? i + 100 : fc->n_pairs;
        snprintf(line, sizeof(line), "%zu beginbfchar\n", j - i);
        HPDF_Stream_WriteStr(st, line);
        for (size_t k = i; k < j; k++)
            cmap_line(st, &tmp, bytes, fc->pairs[k].code, fc->texts.data + fc->pairs[k].text_off,
                      fc->pairs[k].text_len);
        HPDF_Stream_WriteStr(st, "endbfchar\n");
    }
    HPDF_Stream_WriteStr(st, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    buf_free(&tmp);
}

/* A simple font's ToUnicode map, added to its dictionary. */
static int add_tounicode(struct pdf *p, struct pdf_face *fc)
{
    HPDF_Dict map = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref);
    if (!map || HPDF_Dict_Add((HPDF_Dict)fc->font, "ToUnicode", map) != HPDF_OK)
        return -1;
    map->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    write_tounicode(map->stream, fc, 1);
    return 0;
}

/* libharu 2.3.0 writes an identity "CMap" as the ToUnicode map of UTF-8
 * fonts, which poppler rejects: replace it. */
static void fix_tounicode(struct pdf_face *fc)
{
    HPDF_Dict map = HPDF_Dict_GetItem((HPDF_Dict)fc->font, "ToUnicode", HPDF_OCLASS_DICT);

    if (!map || !map->stream)
        return;
    HPDF_MemStream_FreeData(map->stream);
    HPDF_Dict_RemoveElement(map, "CMapName");
    HPDF_Dict_RemoveElement(map, "CIDSystemInfo");
    HPDF_Dict_RemoveElement(map, "WMode");
    HPDF_Dict_RemoveElement(map, "Type");
    write_tounicode(map->stream, fc, 2);
}

/* PDF/A wants a CIDSet in a subset CID font's descriptor: a bit for each CID the font
 * has, which are those the CIDToGIDMap sends to a glyph, and CID 0. libharu makes the
 * descriptor only while saving: make it now (it embeds the font program, whose glyphs
 * are all marked used already) and add the CIDSet to it. */
static int add_cidset(struct pdf *p, struct pdf_face *fc)
{
    HPDF_Dict font = (HPDF_Dict)fc->font, set;
    HPDF_FontAttr fa = (HPDF_FontAttr)font->attr;
    HPDF_Stream map;
    unsigned char *bits, hi = 0;
    size_t pos = 0, top = 1, total = 0;
    int rc = -1;

    if (!fa || !fa->map_stream || !font->before_write_fn ||
        font->before_write_fn(font) != HPDF_OK || !fa->fontdef->descriptor)
        return -1;
    map = fa->map_stream->stream;
    for (HPDF_UINT i = 0; i < HPDF_MemStream_GetBufCount(map); i++) {
        HPDF_UINT len = 0;
        HPDF_MemStream_GetBufPtr(map, i, &len);
        total += len;
    }
    bits = xcalloc(total / 16 + 1, 1);
    bits[0] = 0x80;
    for (HPDF_UINT i = 0; i < HPDF_MemStream_GetBufCount(map); i++) {
        HPDF_UINT len = 0;
        const HPDF_BYTE *b = HPDF_MemStream_GetBufPtr(map, i, &len);
        for (HPDF_UINT k = 0; b && k < len; k++, pos++) {
            size_t cid = pos / 2;
            if (pos % 2 == 0)
                hi = b[k];
            else if (hi | b[k]) {
                bits[cid / 8] |= (unsigned char)(0x80 >> (cid % 8));
                top = cid / 8 + 1;
            }
        }
    }
    set = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref);
    /* the CID descriptor libharu writes lacks CapHeight, which PDF/A requires */
    if (set && HPDF_Dict_AddNumber(fa->fontdef->descriptor, "CapHeight", fa->fontdef->cap_height) ==
                   HPDF_OK) {
        set->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
        if (HPDF_Stream_Write(set->stream, bits, (HPDF_UINT)top) == HPDF_OK &&
            HPDF_Dict_Add(fa->fontdef->descriptor, "CIDSet", set) == HPDF_OK)
            rc = 0;
    }
    free(bits);
    return rc;
}

/* Hand the subset in p->scratch to libharu; its font name, or NULL with err. */
static const char *load_subset(struct pdf *p, const struct font *f, char *err, size_t errlen)
{
    char path[64], tmp[64];
    const char *name = NULL;
    int fd = memfd_create("certifica-font", MFD_CLOEXEC);

    if (fd < 0) {
        snprintf(err, errlen, "font '%s': memfd_create: %s", font_path(f), strerror(errno));
        return NULL;
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
    if (!name)
        snprintf(err, errlen, "font '%s': libharu cannot load it: %s", font_path(f),
                 pdf_status_text(p, tmp, sizeof(tmp)));
out:
    /* libharu reopened the file by path and keeps it open until HPDF_Free */
    close(fd);
    return name;
}

/* Codes for a face whose glyphs are not all plain characters of one code page: bytes of
 * CP1252 when they are few enough (characters keep their own byte where they can), else
 * private-use characters. The character each code stands for goes to chars[]. */
static void assign_codes(struct pdf_face *fc, uint32_t *chars)
{
    const struct sb_table *t = &sb_tables[0];
    unsigned char taken[256] = {0};
    size_t next = 0;

    if (fc->n_pairs > t->n || !t->n) {
        fc->sb = -1;
        for (size_t k = 0; k < fc->n_pairs; k++) {
            fc->pairs[k].code = PUA_FIRST + (int)k;
            chars[k] = PUA_FIRST + (uint32_t)k;
        }
        return;
    }
    fc->sb = 0;
    for (size_t k = 0; k < fc->n_pairs; k++) {
        uint32_t cp = natural_char(fc, &fc->pairs[k]);
        int b = cp ? sb_lookup(t, cp) : -1;
        fc->pairs[k].code = -1;
        if (b >= 0 && !taken[b]) {
            taken[b] = 1;
            fc->pairs[k].code = b;
        }
    }
    for (size_t k = 0; k < fc->n_pairs; k++) {
        if (fc->pairs[k].code < 0) {
            while (taken[t->e[next].byte])
                next++;
            fc->pairs[k].code = t->e[next].byte;
            taken[t->e[next].byte] = 1;
        }
        chars[k] = t->of_byte[fc->pairs[k].code];
    }
}

/* libharu writes the width of a code only once it has measured text holding it (text is
 * shown by pdf_glyphs, not through libharu): measure every code once. */
static void register_codes(struct pdf *p, const struct pdf_face *fc)
{
    char u[4];

    buf_reset(&p->scratch);
    for (size_t k = 0; k < fc->n_pairs; k++) {
        if (fc->sb >= 0)
            buf_addc(&p->scratch, (char)fc->pairs[k].code);
        else
            buf_add(&p->scratch, u, utf8_encode((uint32_t)fc->pairs[k].code, u));
    }
    HPDF_Font_TextWidth(fc->font, (const HPDF_BYTE *)p->scratch.data, (HPDF_UINT)p->scratch.len);
}

static int embed_face(struct pdf *p, struct pdf_face *fc, char *err, size_t errlen)
{
    size_t n = fc->n_pairs;
    uint32_t *chars = xmalloc((n + 1) * sizeof(*chars)), *gids = NULL;
    const char *name;
    char tmp[64];
    int sb, rc = -1, custom;

    if (n > PUA_COUNT) {
        snprintf(err, errlen, "font '%s': too many different glyphs in one document",
                 font_path(fc->f));
        goto out;
    }
    buf_reset(&p->scratch);
    sb = natural_encoding(fc, chars, p->pdfa);
    custom = fc->shaped = sb < 0;
    if (!custom) {
        fc->sb = sb;
        for (size_t k = 0; k < n; k++)
            fc->pairs[k].code = sb_lookup(&sb_tables[sb], chars[k]);
        if (font_subset(fc->f, chars, n, &p->scratch, err, errlen) < 0)
            goto out;
    } else {
        assign_codes(fc, chars);
        gids = xmalloc((n + 1) * sizeof(*gids));
        for (size_t k = 0; k < n; k++)
            gids[k] = fc->pairs[k].gid;
        if (font_subset_glyphs(fc->f, gids, chars, n, &p->scratch, err, errlen) < 0)
            goto out;
    }
    if (!(name = load_subset(p, fc->f, err, errlen)))
        goto out;
    if (fc->sb < 0 && !p->utf_enabled) {
        HPDF_UseUTFEncodings(p->doc);
        p->utf_enabled = 1;
    }
    fc->font = HPDF_GetFont(p->doc, name, fc->sb >= 0 ? sb_names[fc->sb] : "UTF-8");
    if (!fc->font || p->error) {
        snprintf(err, errlen, "font '%s': libharu cannot use it: %s", font_path(fc->f),
                 pdf_status_text(p, tmp, sizeof(tmp)));
        goto out;
    }
    mark_all_glyphs_used(fc->font);
    register_codes(p, fc);
    if (fc->sb < 0) {
        fix_tounicode(fc);
        if (p->pdfa && add_cidset(p, fc) < 0) {
            snprintf(err, errlen, "font '%s': cannot add its CIDSet: %s", font_path(fc->f),
                     pdf_status_text(p, tmp, sizeof(tmp)));
            goto out;
        }
    } else if (custom && add_tounicode(p, fc) < 0) {
        snprintf(err, errlen, "font '%s': cannot add its text map: %s", font_path(fc->f),
                 pdf_status_text(p, tmp, sizeof(tmp)));
        goto out;
    }
    rc = 0;
out:
    free(chars);
    free(gids);
    return rc;
}

int pdf_embed(struct pdf *p, char *err, size_t errlen)
{
    for (int i = 0; i < p->n_faces; i++)
        if (!p->faces[i].font && p->faces[i].n_pairs &&
            embed_face(p, &p->faces[i], err, errlen) < 0)
            return -1;
    return 0;
}

const char *pdf_face_encoding(const struct pdf *p, int face)
{
    if (face < 0 || face >= p->n_faces || !p->faces[face].font)
        return "";
    if (p->faces[face].sb < 0)
        return "UTF-8";
    return p->faces[face].shaped ? "CP1252-shaped" : sb_names[p->faces[face].sb];
}

/* One piece of text: move there, show the codes gathered in scratch as a hex string. The
 * Tj is written here rather than by libharu, which skips text whose width is zero (a mark
 * placed on its own) and measures every string again. */
static void show_piece(struct pdf *p, double *line_x, double *line_y, double x, double y)
{
    HPDF_PageAttr attr = (HPDF_PageAttr)p->page->attr;

    HPDF_Page_MoveTextPos(p->page, (HPDF_REAL)(x - *line_x), (HPDF_REAL)(y - *line_y));
    *line_x = x;
    *line_y = y;
    buf_adds(&p->scratch, "> Tj\012");
    HPDF_Stream_WriteStr(attr->stream, p->scratch.data);
}

/* The start of a marked-content span with text[0..n) (UTF-8) as its actual text, written
 * as UTF-16BE with a byte order mark. */
static void begin_span(struct pdf *p, const char *text, size_t n)
{
    HPDF_PageAttr attr = (HPDF_PageAttr)p->page->attr;
    struct buf b = BUF_INIT;

    buf_adds(&b, "/Span <</ActualText <FEFF");
    add_utf16_hex(&b, text, n);
    buf_adds(&b, ">>> BDC\012");
    HPDF_Stream_WriteStr(attr->stream, b.data);
    buf_free(&b);
}

void pdf_glyphs(struct pdf *p, double size, struct pdf_rgb c, const struct pdf_glyph *g, size_t n,
                const struct pdf_span *spans, size_t n_spans)
{
    static const char hex[] = "0123456789ABCDEF";
    HPDF_PageAttr attr = (HPDF_PageAttr)p->page->attr;
    int cur = -1, bold = 0, in_span = 0;
    double seg_x = 0, seg_y = 0, pen = 0, line_x = 0, line_y = 0;
    size_t sp = 0;

    if (!n)
        return;
    for (size_t i = 0; i < n && !bold; i++)
        bold = g[i].bold;
    if (bold) { /* an outline about as heavy as the strokes of a bold face */
        HPDF_Page_SetLineWidth(p->page, (HPDF_REAL)(size / 30));
        HPDF_Page_SetRGBStroke(p->page, c.r, c.g, c.b);
        bold = 0;
    }
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetRGBFill(p->page, c.r, c.g, c.b);
    buf_reset(&p->scratch);
    while (sp < n_spans && !spans[sp].n)
        sp++;
    for (size_t i = 0; i <= n; i++) {
        const struct pdf_face *fc = i < n ? &p->faces[g[i].face] : NULL;
        const struct pdf_pair *pp;
        double y = i < n ? p->page_h - g[i].y : 0;
        int span_end = in_span && i == spans[sp].first + spans[sp].n;
        int span_start = sp + span_end < n_spans && i < n && i == spans[sp + span_end].first;
        if (i == n || g[i].face != cur || fabs(g[i].x - pen) > 0.005 || y != seg_y ||
            g[i].bold != bold || span_end || span_start) {
            if (p->scratch.len > 1)
                show_piece(p, &line_x, &line_y, seg_x, seg_y);
            buf_reset(&p->scratch);
            if (span_end) {
                HPDF_Stream_WriteStr(attr->stream, "EMC\012");
                in_span = 0;
                for (sp++; sp < n_spans && !spans[sp].n;)
                    sp++;
            }
            if (i == n)
                break;
            if (span_start && !in_span && sp < n_spans && i == spans[sp].first) {
                begin_span(p, spans[sp].text, spans[sp].len);
                in_span = 1;
            }
            if (!fc->font)
                continue;
            if (g[i].face != cur)
                HPDF_Page_SetFontAndSize(p->page, fc->font, (HPDF_REAL)size);
            if (g[i].bold != bold) {
                bold = g[i].bold;
                HPDF_Page_SetTextRenderingMode(p->page, bold ? HPDF_FILL_THEN_STROKE : HPDF_FILL);
            }
            cur = g[i].face;
            seg_x = pen = g[i].x;
            seg_y = y;
            buf_addc(&p->scratch, '<');
        }
        pp = &fc->pairs[g[i].key];
        if (fc->sb < 0) {
            buf_addc(&p->scratch, hex[(pp->code >> 12) & 15]);
            buf_addc(&p->scratch, hex[(pp->code >> 8) & 15]);
        }
        buf_addc(&p->scratch, hex[(pp->code >> 4) & 15]);
        buf_addc(&p->scratch, hex[pp->code & 15]);
        pen += font_glyph_width(fc->f, pp->gid) * size / 1000.0;
    }
    if (in_span)
        HPDF_Stream_WriteStr(attr->stream, "EMC\012");
    if (bold)
        HPDF_Page_SetTextRenderingMode(p->page, HPDF_FILL);
    HPDF_Page_EndText(p->page);
}

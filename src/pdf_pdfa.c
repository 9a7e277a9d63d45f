/* PDF/A-1b: what libharu 2.3.0 does not do, or does wrongly, done here. Its
 * own PDF/A support is not used: HPDF_PDFA_SetPDFAConformance writes the XMP
 * with /SubType for /Subtype, copies info strings into XML unescaped and in
 * their PDF encoding, leaves out text strings in UTF-16, fails on a 'Z' date,
 * and makes the ID from the clock; HPDF_PDFA_AppendOutputIntents names the
 * profile "/DestOutputProfile " with a trailing space. So: our own XMP and
 * OutputIntent, an ID hashed from the saved bytes, the CP1252 encoding written
 * as plain /WinAnsiEncoding (PNGs with transparency are flattened, without
 * an SMask, in pdf_image.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_encoder.h>
#include <hpdf_objects.h>
#include <openssl/evp.h>

#include "pdf_int.h"
#include "banned.h"

#define ICC_CURVE 256u /* points of a compacted tone curve */
#define ID_ZEROS "<00000000000000000000000000000000>"

static void xml_text(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            buf_adds(b, "&amp;");
            break;
        case '<':
            buf_adds(b, "&lt;");
            break;
        case '>':
            buf_adds(b, "&gt;");
            break;
        default:
            buf_addc(b, *s);
        }
    }
}

static void xmp_prop(struct buf *b, const char *tag, const char *wrap, const char *s)
{
    if (!s)
        return;
    buf_addf(b, "<%s>", tag);
    if (wrap)
        buf_addf(b, "<rdf:%s><rdf:li%s>", wrap,
                 strcmp(wrap, "Alt") ? "" : " xml:lang=\"x-default\"");
    xml_text(b, s);
    if (wrap)
        buf_addf(b, "</rdf:li></rdf:%s>", wrap);
    buf_addf(b, "</%s>", tag);
}

/* The XMP packet: the document information again, in the same words and at the same time
 * (no zone, as in the information dictionary), and the PDF/A-1b claim. */
static void write_xmp(const struct pdf *p, struct buf *b)
{
    const char *producer = HPDF_GetInfoAttr(p->doc, HPDF_INFO_PRODUCER);
    char date[32];

    buf_adds(
        b, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
           "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"
           "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
           "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
           "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" "
           "xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">"
           "<dc:format>application/pdf</dc:format>");
    xmp_prop(b, "dc:title", "Alt", p->info[0]);
    xmp_prop(b, "dc:creator", "Seq", p->info[1]);
    xmp_prop(b, "dc:description", "Alt", p->info[2]);
    xmp_prop(b, "pdf:Keywords", NULL, p->info[3]);
    xmp_prop(b, "pdf:Producer", NULL, producer);
    xmp_prop(b, "xmp:CreatorTool", NULL, HPDF_GetInfoAttr(p->doc, HPDF_INFO_CREATOR));
    if (p->has_created) {
        snprintf(date, sizeof(date), "%04d-%02d-%02dT%02d:%02d:%02d", p->created.year,
                 p->created.mon, p->created.day, p->created.hour, p->created.min, p->created.sec);
        xmp_prop(b, "xmp:CreateDate", NULL, date);
        xmp_prop(b, "xmp:ModifyDate", NULL, date);
    }
    buf_adds(b, "<pdfaid:part>1</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"
                "</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>");
}

static int add_metadata(struct pdf *p)
{
    HPDF_Dict xmp = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref);
    struct buf b = BUF_INIT;
    int rc = -1;

    if (!xmp)
        return -1;
    xmp->filter = HPDF_STREAM_FILTER_NONE; /* PDF/A: metadata stays readable as it is */
    write_xmp(p, &b);
    if (HPDF_Dict_AddName(xmp, "Type", "Metadata") == HPDF_OK &&
        HPDF_Dict_AddName(xmp, "Subtype", "XML") == HPDF_OK &&
        HPDF_Stream_Write(xmp->stream, (const HPDF_BYTE *)b.data, (HPDF_UINT)b.len) == HPDF_OK &&
        HPDF_Dict_Add(p->doc->catalog, "Metadata", xmp) == HPDF_OK)
        rc = 0;
    buf_free(&b);
    return rc;
}

static int add_output_intent(struct pdf *p)
{
    HPDF_MMgr mm = p->doc->mmgr;
    HPDF_Dict icc = HPDF_DictStream_New(mm, p->doc->xref), oi = HPDF_Dict_New(mm);
    HPDF_Array list = HPDF_Array_New(mm);
    const char *name = "sRGB IEC61966-2.1";

    if (!icc || !oi || !list || HPDF_Xref_Add(p->doc->xref, oi) != HPDF_OK)
        return -1;
    icc->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    if (HPDF_Dict_AddNumber(icc, "N", 3) != HPDF_OK ||
        HPDF_Stream_Write(icc->stream, p->icc, (HPDF_UINT)p->icc_len) != HPDF_OK ||
        HPDF_Dict_AddName(oi, "Type", "OutputIntent") != HPDF_OK ||
        HPDF_Dict_AddName(oi, "S", "GTS_PDFA1") != HPDF_OK ||
        HPDF_Dict_Add(oi, "OutputConditionIdentifier", HPDF_String_New(mm, name, NULL)) !=
            HPDF_OK ||
        HPDF_Dict_Add(oi, "Info", HPDF_String_New(mm, name, NULL)) != HPDF_OK ||
        HPDF_Dict_Add(oi, "DestOutputProfile", icc) != HPDF_OK || HPDF_Array_Add(list, oi) ||
        HPDF_Dict_Add(p->doc->catalog, "OutputIntents", list) != HPDF_OK)
        return -1;
    return 0;
}

/* An ID of zeros now; pdf_pdfa_finish writes the hash of the file over it. */
static int add_id(struct pdf *p)
{
    static const HPDF_BYTE zero[16];
    HPDF_Array id = HPDF_Array_New(p->doc->mmgr);

    if (!id || HPDF_Array_Add(id, HPDF_Binary_New(p->doc->mmgr, (HPDF_BYTE *)zero, 16)) ||
        HPDF_Array_Add(id, HPDF_Binary_New(p->doc->mmgr, (HPDF_BYTE *)zero, 16)))
        return -1;
    return HPDF_Dict_Add(p->doc->trailer, "ID", id) == HPDF_OK ? 0 : -1;
}

int pdf_pdfa_prepare(struct pdf *p)
{
    /* libharu writes CP1252 as WinAnsiEncoding with Differences [127 /.notdef], which
     * PDF/A refuses for a non-symbolic TrueType font; code 127 is never drawn */
    HPDF_Encoder enc = HPDF_GetEncoder(p->doc, "CP1252");

    if (enc && enc->type == HPDF_ENCODER_TYPE_SINGLE_BYTE)
        ((HPDF_BasicEncoderAttr)enc->attr)->has_differences = HPDF_FALSE;
    p->doc->pdf_version = HPDF_VER_14;
    if (!p->icc || add_output_intent(p) < 0 || add_metadata(p) < 0 || add_id(p) < 0) {
        if (!p->error)
            p->error = HPDF_FAILD_TO_ALLOC_MEM;
        return -1;
    }
    return 0;
}

void pdf_pdfa_finish(char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    size_t zl = strlen(ID_ZEROS), from = n > 512 ? n - 512 : 0;
    char *id = memmem(out + from, n - from, "/ID ", 4), *z[2] = {NULL, NULL};

    if (id)
        z[0] = memmem(id, (size_t)(out + n - id), ID_ZEROS, zl);
    if (z[0])
        z[1] = memmem(z[0] + zl, (size_t)(out + n - z[0] - zl), ID_ZEROS, zl);
    if (!z[1] || !EVP_Digest(out, n, md, &mdlen, EVP_md5(), NULL) || mdlen != 16)
        return;
    for (int k = 0; k < 2; k++)
        for (unsigned i = 0; i < 16; i++) {
            z[k][1 + i * 2] = hex[md[i] >> 4];
            z[k][2 + i * 2] = hex[md[i] & 15];
        }
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(struct buf *b, uint32_t v)
{
    char c[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
    buf_add(b, c, 4);
}

/* The tone curves of an ICC v2 profile: the index of each of rTRC, gTRC, bTRC in the tag
 * table when all three are one 'curv' of more than ICC_CURVE points, else -1. */
static int same_curves(const unsigned char *d, size_t n, uint32_t tags, int idx[3])
{
    static const char *const names[] = {"rTRC", "gTRC", "bTRC"};
    for (int c = 0; c < 3; c++) {
        idx[c] = -1;
        for (uint32_t t = 0; t < tags; t++)
            if (!memcmp(d + 132 + 12 * t, names[c], 4))
                idx[c] = (int)t;
        if (idx[c] < 0)
            return -1;
    }
    for (int c = 0; c < 3; c++) {
        const unsigned char *e = d + 132 + 12 * idx[c], *e0 = d + 132 + 12 * idx[0];
        uint32_t off = be32(e + 4), size = be32(e + 8);
        if (off > n || size > n - off || size < 12 || memcmp(d + off, "curv", 4) ||
            be32(d + off + 8) <= ICC_CURVE || 12 + 2 * (uint64_t)be32(d + off + 8) > size ||
            size != be32(e0 + 8) || memcmp(d + off, d + be32(e0 + 4), size))
            return -1;
    }
    return 0;
}

int pdf_icc_compact(const void *icc, size_t n, struct buf *out)
{
    const unsigned char *d = icc;
    uint32_t tags = n >= 132 ? be32(d + 128) : 0, cnt;
    struct buf table = BUF_INIT, body = BUF_INIT;
    size_t base, curve_at = 0;
    int idx[3];

    if (n < 132 || tags > 256 || 132 + 12 * (size_t)tags > n || same_curves(d, n, tags, idx) < 0)
        return -1;
    base = 132 + 12 * (size_t)tags;
    cnt = be32(d + be32(d + 132 + 12 * idx[0] + 4) + 8);
    for (uint32_t t = 0; t < tags; t++) {
        const unsigned char *e = d + 132 + 12 * t;
        uint32_t off = be32(e + 4), size = be32(e + 8);
        int trc = (int)t == idx[0] || (int)t == idx[1] || (int)t == idx[2];
        if (!trc && (off > n || size > n - off))
            goto fail;
        while (body.len % 4)
            buf_addc(&body, 0);
        buf_add(&table, e, 4);
        if (trc && curve_at) {
            put32(&table, (uint32_t)curve_at);
            put32(&table, 12 + 2 * ICC_CURVE);
            continue;
        }
        put32(&table, (uint32_t)(base + body.len));
        if (!trc) {
            put32(&table, size);
            buf_add(&body, d + off, size);
            continue;
        }
        /* the curve sampled at ICC_CURVE points, which readers interpolate linearly */
        curve_at = base + body.len;
        put32(&table, 12 + 2 * ICC_CURVE);
        buf_add(&body, "curv\0\0\0\0", 8);
        put32(&body, ICC_CURVE);
        for (uint32_t i = 0; i < ICC_CURVE; i++) {
            const unsigned char *v =
                d + off + 12 +
                2 * ((i * (uint64_t)(cnt - 1) + (ICC_CURVE - 1) / 2) / (ICC_CURVE - 1));
            buf_add(&body, v, 2);
        }
    }
    while (body.len % 4)
        buf_addc(&body, 0);
    buf_reset(out);
    put32(out, (uint32_t)(base + body.len));
    buf_add(out, d + 4, 124);
    put32(out, tags);
    buf_add(out, table.data, table.len);
    buf_add(out, body.data, body.len);
    buf_free(&table);
    buf_free(&body);
    return 0;
fail:
    buf_free(&table);
    buf_free(&body);
    return -1;
}

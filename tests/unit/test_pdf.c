/* Unit tests for the pdf module's fonts: which encoding each face gets (the single-byte fast
 * path for plain text, shaped glyphs through CP1252 bytes, private-use UTF-8 past a byte's
 * room), and that the text comes back from the saved document. Run from the repository
 * root; uses pdftotext. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdf.h"
#include "shape.h"
#include "typeset.h"
#include "utf8.h"
#include "tap.h"
#include "banned.h"

static struct shape_font latin, arabic, cjk;

/* Draw s with the chain in a fresh document; the encoding of face 0 into enc, the text
 * pdftotext gives back into text. 0, or -1. */
static int draw(const char *s, const struct shape_font *chain, size_t n_chain, char *enc,
                size_t enc_len, struct buf *text)
{
    struct layout_spec spec = {800, 500, 10, 4, 1.2, 16};
    struct layout_rect box = {20, 20, 800, 500};
    char err[256], cmd[128];
    struct buf out = BUF_INIT;
    struct pdf *p = pdf_new(842, 595, err, sizeof(err));
    struct typeset t;
    FILE *f;
    int rc = -1;

    if (!p || typeset_fit(&t, s, chain, n_chain, box, &spec, TYPESET_LEFT, TYPESET_TOP) < 0 ||
        typeset_place(&t, p, err, sizeof(err)) < 0 || pdf_embed(p, err, sizeof(err)) < 0)
        goto out;
    typeset_draw(&t, p, (struct pdf_rgb){0, 0, 0}, 0);
    snprintf(enc, enc_len, "%s", pdf_face_encoding(p, 0));
    if (pdf_save(p, &out, err, sizeof(err)) < 0)
        goto out;
    f = fopen("build/tests/test-pdf.pdf", "wb");
    fwrite(out.data, 1, out.len, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "pdftotext -q build/tests/test-pdf.pdf -");
    buf_reset(text);
    if ((f = popen(cmd, "r"))) {
        char chunk[4096];
        size_t k;
        while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
            buf_add(text, chunk, k);
        pclose(f);
    }
    rc = 0;
out:
    if (rc < 0)
        printf("# %s\n", err);
    typeset_free(&t);
    pdf_free(p);
    buf_free(&out);
    unlink("build/tests/test-pdf.pdf");
    return rc;
}

static size_t ideographs(const struct buf *b)
{
    size_t n = 0, k;
    uint32_t cp;
    for (size_t i = 0; i < b->len; i += k ? k : 1) {
        k = utf8_decode(b->data + i, b->len - i, &cp);
        n += k && cp >= 0x4E00 && cp <= 0x9FFF;
    }
    return n;
}

static void test_encodings(void)
{
    struct shape_font chain[3] = {latin, arabic, cjk};
    struct buf text = BUF_INIT, many = BUF_INIT;
    char enc[32];

    ok(draw("Ana Lu\xC3\xADza Gon\xC3\xA7"
            "alves",
            chain, 1, enc, sizeof(enc), &text) == 0,
       "Portuguese drawn");
    is_str(enc, "CP1252", "plain Portuguese keeps the CP1252 fast path");
    ok(strstr(text.data ? text.data : "", "Ana Lu\xC3\xADza Gon\xC3\xA7"
                                          "alves") != NULL,
       "and comes back as text");
    draw("\xCE\x95\xCE\xBB\xCE\xAD\xCE\xBD\xCE\xB7", chain, 1, enc, sizeof(enc), &text);
    is_str(enc, "CP1253", "plain Greek takes the Greek code page");
    draw("Certificamos", chain, 1, enc, sizeof(enc), &text);
    is_str(enc, "CP1252-shaped", "a ligature (fi) is a shaped glyph: CP1252 bytes, rebuilt cmap");
    ok(strstr(text.data ? text.data : "", "Certificamos") != NULL,
       "and its ToUnicode map gives 'fi' back");
    draw("\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF", &chain[1], 1, enc, sizeof(enc), &text);
    is_str(enc, "CP1252-shaped", "Arabic joining forms: the same");
    ok(strstr(text.data ? text.data : "", "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF") != NULL,
       "and come back in logical order");
    /* 300 different ideographs: more glyphs than one byte can hold */
    for (uint32_t cp = 0x4E00; cp < 0x4E00 + 300; cp++) {
        char u[4];
        buf_add(&many, u, utf8_encode(cp, u));
    }
    draw(many.data, &chain[2], 1, enc, sizeof(enc), &text);
    is_str(enc, "UTF-8", "past a byte's room: private-use UTF-8 codes");
    ok(strstr(text.data ? text.data : "", "\xE4\xB8\x80\xE4\xB8\x81") != NULL,
       "whose ToUnicode map gives the ideographs back");
    is_int(ideographs(&text), 300, "all of them");
    buf_free(&text);
    buf_free(&many);
}

static void put32(struct buf *b, unsigned v)
{
    char c[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
    buf_add(b, c, 4);
}

static unsigned get32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (unsigned)u[0] << 24 | (unsigned)u[1] << 16 | (unsigned)u[2] << 8 | u[3];
}

/* A profile shaped like Debian's sRGB.icc: one tag, then three tone curves of 1024 points
 * (the blue one different when `differ`). */
static void make_icc(struct buf *b, int differ)
{
    static const char *const trc[] = {"rTRC", "gTRC", "bTRC"};
    unsigned curve = 12 + 2 * 1024;

    buf_reset(b);
    put32(b, 0);
    buf_add(b, "lcms", 4);
    for (int i = 8; i < 128; i++)
        buf_addc(b, (char)(i == 12 ? 'm' : 0));
    put32(b, 4);
    buf_add(b, "wtpt", 4), put32(b, 132 + 48), put32(b, 20);
    for (int c = 0; c < 3; c++)
        buf_add(b, trc[c], 4), put32(b, 132 + 48 + 20 + c * curve), put32(b, curve);
    buf_add(b, "XYZ \0\0\0\0\0\0\xF3\x3D\0\x01\0\0\0\x01\x16\x98", 20);
    for (int c = 0; c < 3; c++) {
        buf_add(b, "curv\0\0\0\0", 8);
        put32(b, 1024);
        for (unsigned i = 0; i < 1024; i++) {
            unsigned v = i * 65535u / 1023u - (differ && c == 2 && i == 500);
            buf_addc(b, (char)(v >> 8)), buf_addc(b, (char)v);
        }
    }
    b->data[0] = (char)(b->len >> 24), b->data[1] = (char)(b->len >> 16);
    b->data[2] = (char)(b->len >> 8), b->data[3] = (char)b->len;
}

static void test_icc_compact(void)
{
    struct buf icc = BUF_INIT, out = BUF_INIT;

    make_icc(&icc, 0);
    is_int(pdf_icc_compact(icc.data, icc.len, &out), 0,
           "icc: three equal 1024-point curves compact");
    is_int(get32(out.data), out.len, "icc: the header gives the new size");
    is_int(out.len, 132 + 48 + 20 + 12 + 512, "icc: one 256-point curve instead of three of 1024");
    ok(!memcmp(out.data + 4, icc.data + 4, 124), "icc: the rest of the header is kept");
    is_int(get32(out.data + 132 + 16), get32(out.data + 132 + 40), "icc: rTRC and bTRC share it");
    is_int(get32(out.data + 132 + 28), get32(out.data + 132 + 16), "icc: and gTRC");
    ok(!memcmp(out.data + get32(out.data + 136), "XYZ ", 4), "icc: other tags are copied");
    {
        const char *c = out.data + get32(out.data + 132 + 16);
        const unsigned char *v = (const unsigned char *)c + 12;
        is_int(get32(c + 8), 256, "icc: 256 points");
        is_int(v[0] << 8 | v[1], 0, "icc: the curve starts at 0");
        is_int(v[510] << 8 | v[511], 65535, "icc: and ends at 65535");
        is_int(v[256] << 8 | v[257], 514 * 65535 / 1023, "icc: point 128 is sample 514");
    }
    make_icc(&icc, 1);
    is_int(pdf_icc_compact(icc.data, icc.len, &out), -1, "icc: different curves stay as they are");
    make_icc(&icc, 0);
    is_int(pdf_icc_compact(icc.data, 1000, &out), -1, "icc: a truncated profile is refused");
    is_int(pdf_icc_compact(icc.data, 100, &out), -1, "icc: shorter than a header: refused");
    buf_free(&icc);
    buf_free(&out);
}

int main(void)
{
    char err[256];

    latin.f = font_open("fonts/DejaVuSerif.ttf", 0, 0, err, sizeof(err));
    arabic.f = font_open("fonts/NotoNaskhArabic-Regular.ttf", 0, 1, err, sizeof(err));
    cjk.f = font_open("fonts/wqy-microhei.ttc", 0, 1, err, sizeof(err));
    if (!latin.f || !arabic.f || !cjk.f) {
        printf("not ok 1 - %s\n", err);
        return 1;
    }
    test_encodings();
    test_icc_compact();
    font_free(latin.f);
    font_free(arabic.f);
    font_free(cjk.f);
    return tap_done();
}

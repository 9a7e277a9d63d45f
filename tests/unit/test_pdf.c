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
    font_free(latin.f);
    font_free(arabic.f);
    font_free(cjk.f);
    return tap_done();
}

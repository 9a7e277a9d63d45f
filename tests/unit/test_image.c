/* Unit tests for the image cache: PNGs of every colour type decoded into the right planes
 * (alpha kept, dropped when opaque), JPEG headers, bad files refused naming them, a file
 * read once and again only when it changes, the byte bound, transparency flattened once per
 * backdrop, threads, a real JPEG drawn
 * into a PDF, and certificates with a logo and two signatures decoding each file once.
 * Run from the repository root; uses pdftoppm and pdfimages. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>
#include <zlib.h>

#include "event.h"
#include "image.h"
#include "pdf.h"
#include "render.h"
#include "tap.h"
#include "banned.h"

static char dir[512], err[512];

static const char *at(const char *name)
{
    static char p[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
    return p[k];
}

/* A w x h PNG of format fmt whose pixel i has every sample (i * 7 + c * 50) % 256 and, with
 * alpha, alpha(i). */
static void write_png(const char *name, unsigned w, unsigned h, png_uint_32 fmt,
                      int (*alpha)(size_t))
{
    png_image pi;
    size_t ch;
    unsigned char *px;
    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    pi.width = w;
    pi.height = h;
    pi.format = fmt;
    ch = PNG_IMAGE_PIXEL_CHANNELS(fmt);
    px = xmalloc(PNG_IMAGE_SIZE(pi));
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (size_t c = 0; c < ch; c++) {
            int v = (fmt & PNG_FORMAT_FLAG_ALPHA) && c == ch - 1 ? alpha(i)
                                                                 : (int)((i * 7 + c * 50) % 256);
            if (fmt & PNG_FORMAT_FLAG_LINEAR) /* 16-bit samples */
                ((png_uint_16 *)(void *)px)[i * ch + c] = (png_uint_16)(v * 257);
            else
                px[i * ch + c] = (unsigned char)v;
        }
    if (!png_image_write_to_file(&pi, at(name), 0, px, 0, NULL)) {
        fprintf(stderr, "cannot write %s: %s\n", name, pi.message);
        exit(2);
    }
    free(px);
}

static int half_clear(size_t i)
{
    return i % 2 ? 0 : 200;
}

static int opaque(size_t i)
{
    (void)i;
    return 255;
}

static void write_bytes(const char *name, const void *b, size_t n)
{
    FILE *f = fopen(at(name), "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        perror(name);
        exit(2);
    }
}

/* Inflate a plane of n bytes; NULL when it does not inflate to exactly n. */
static unsigned char *inflate_plane(const unsigned char *z, size_t zlen, size_t n)
{
    uLongf len = (uLongf)n;
    unsigned char *out = xmalloc(n + 1);
    if (uncompress(out, &len, z, (uLong)zlen) != Z_OK || len != n) {
        free(out);
        return NULL;
    }
    return out;
}

static void test_png_kinds(void)
{
    const struct image *im;
    unsigned char *a, *c;

    write_png("rgba.png", 5, 3, PNG_FORMAT_RGBA, half_clear);
    im = image_get(at("rgba.png"), err, sizeof(err));
    ok(im && im->kind == IMAGE_FLATE && im->w == 5 && im->h == 3 && im->comps == 3,
       "RGBA: a 5x3 RGB image");
    a = im && im->alpha ? inflate_plane(im->alpha, im->alpha_len, 15) : NULL;
    c = im ? inflate_plane(im->data, im->len, 45) : NULL;
    ok(a && a[0] == 200 && a[1] == 0 && a[14] == 200, "RGBA: its alpha plane, pixel by pixel");
    ok(c && c[0] == 0 && c[1] == 50 && c[2] == 100 && c[3] == 7 && c[44] == (14 * 7 + 100) % 256,
       "RGBA: its colour samples without the alpha");
    free(a);
    free(c);
    image_release(im);

    write_png("opaque.png", 4, 4, PNG_FORMAT_RGBA, opaque);
    im = image_get(at("opaque.png"), err, sizeof(err));
    ok(im && im->comps == 3 && !im->alpha, "RGBA with every pixel opaque: no soft mask");
    image_release(im);

    write_png("gray.png", 6, 2, PNG_FORMAT_GRAY, NULL);
    im = image_get(at("gray.png"), err, sizeof(err));
    ok(im && im->comps == 1 && !im->alpha, "gray: one component, no mask");
    c = im ? inflate_plane(im->data, im->len, 12) : NULL;
    ok(c && c[1] == 7 && c[11] == 77, "gray: its samples");
    free(c);
    image_release(im);

    write_png("ga.png", 3, 3, PNG_FORMAT_GA, half_clear);
    im = image_get(at("ga.png"), err, sizeof(err));
    ok(im && im->comps == 1 && im->alpha, "gray + alpha: one component and a mask");
    image_release(im);

    write_png("rgb16.png", 2, 2, PNG_FORMAT_LINEAR_RGB_ALPHA, half_clear);
    im = image_get(at("rgb16.png"), err, sizeof(err));
    ok(im && im->comps == 3 && im->alpha, "16-bit RGBA: 8-bit RGB and a mask");
    image_release(im);
}

static void test_jpeg_and_errors(void)
{
    /* SOI, an APP0 of 4 bytes, then a baseline frame header: 8 bits, 40 high, 300 wide, 3 */
    static const unsigned char jpg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 4,    'J',  'F',  0xFF, 0xC0,
                                        0,    17,   8,    0,    40, 1,    0x2C, 3,    1,    0x22,
                                        0,    2,    0x11, 1,    3,  0x11, 1,    0xFF, 0xD9};
    static const unsigned char cmyk12[] = {0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 12, 0, 9, 0, 9, 4, 0, 0, 0};
    const struct image *im;

    write_bytes("frame.jpg", jpg, sizeof(jpg));
    im = image_get(at("frame.jpg"), err, sizeof(err));
    ok(im && im->kind == IMAGE_JPEG && im->w == 300 && im->h == 40 && im->comps == 3 &&
           im->len == sizeof(jpg) && !memcmp(im->data, jpg, sizeof(jpg)),
       "JPEG: 300x40, 3 components, its bytes kept as they are");
    image_release(im);

    write_bytes("deep.jpg", cmyk12, sizeof(cmyk12));
    ok(!image_get(at("deep.jpg"), err, sizeof(err)) && strstr(err, "deep.jpg") &&
           strstr(err, "of 4 components of 12 bits"),
       "a 12-bit JPEG is refused naming the file: %s", err);
    write_bytes("text.png", "hello", 5);
    ok(!image_get(at("text.png"), err, sizeof(err)) && strstr(err, "text.png': not a PNG or JPEG"),
       "a text file named .png: %s", err);
    {
        FILE *f = fopen(at("rgba.png"), "rb");
        unsigned char b[60];
        size_t n = f ? fread(b, 1, sizeof(b), f) : 0;
        if (f)
            fclose(f);
        write_bytes("cut.png", b, n);
    }
    ok(!image_get(at("cut.png"), err, sizeof(err)) && strstr(err, "cut.png': not a readable PNG"),
       "a cut PNG: %s", err);
    ok(!image_get(at("missing.png"), err, sizeof(err)) &&
           strstr(err, "missing.png': cannot open it: No such file"),
       "a missing file: %s", err);
}

static void test_cache(void)
{
    struct image_stats s;
    const struct image *a, *b, *c;
    struct timespec later[2] = {{0, UTIME_OMIT}, {2000000000, 0}};

    image_cache_reset(0);
    a = image_get(at("rgba.png"), err, sizeof(err));
    b = image_get(at("rgba.png"), err, sizeof(err));
    image_stats(&s);
    ok(a && a == b && s.decodes == 1 && s.hits == 1 && s.entries == 1,
       "the same file twice: decoded once, then from the cache");
    image_release(b);

    /* the same name, new content: read again; the old image stays valid while held */
    write_png("rgba.png", 7, 2, PNG_FORMAT_RGBA, half_clear);
    utimensat(AT_FDCWD, at("rgba.png"), later, 0);
    c = image_get(at("rgba.png"), err, sizeof(err));
    image_stats(&s);
    ok(c && c != a && c->w == 7 && s.decodes == 2 && s.entries == 1,
       "a changed file is read again and replaces the old entry");
    ok(a->w == 5 && a->h == 3, "... the image still held keeps its pixels");
    image_release(a);
    image_release(c);

    /* a bound smaller than two images keeps one */
    image_cache_reset(1);
    a = image_get(at("gray.png"), err, sizeof(err));
    image_stats(&s);
    ok(a && s.entries == 0, "an image larger than the bound is handed out, not kept");
    image_release(a);
    image_cache_reset(0);
    image_release(image_get(at("gray.png"), err, sizeof(err)));
    image_stats(&s);
    image_cache_reset(s.bytes + 10); /* room for gray.png, not for two */
    a = image_get(at("gray.png"), err, sizeof(err));
    b = image_get(at("ga.png"), err, sizeof(err));
    image_stats(&s);
    ok(a && b && s.entries == 1 && s.decodes == 2, "past the bound the least recently used goes");
    ok(a->w == 6 && a->comps == 1, "... and stays valid while held");
    image_release(a);
    image_release(b);
    image_cache_reset(0);
}

static char churn_paths[4][600];

static void *churn(void *arg)
{
    long id = (long)arg, bad = 0;
    char e[256];
    for (int i = 0; i < 300; i++) {
        const struct image *im = image_get(churn_paths[(i + id) % 4], e, sizeof(e));
        bad += !im || im->w == 0;
        image_release(im);
    }
    return (void *)bad;
}

static void test_threads(void)
{
    static const char *const names[] = {"gray.png", "ga.png", "opaque.png", "frame.jpg"};
    pthread_t t[4];
    long bad = 0;
    void *r;
    for (int i = 0; i < 4; i++) /* at() is not thread-safe: the paths are made first */
        snprintf(churn_paths[i], sizeof(churn_paths[i]), "%s", at(names[i]));
    image_cache_reset(900); /* room for about two: entries come and go under the threads */
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, churn, (void *)i);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    is_int(bad, 0, "four threads getting and releasing images past the bound");
    image_cache_reset(0);
}

static int run(const char *cmd, struct buf *out)
{
    FILE *f = popen(cmd, "r");
    char chunk[4096];
    size_t k;
    buf_reset(out);
    if (!f)
        return -1;
    while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(out, chunk, k);
    return pclose(f);
}

static int save(struct pdf *p, const char *name)
{
    struct buf out = BUF_INIT;
    int rc = pdf_save(p, &out, err, sizeof(err));
    if (rc == 0)
        write_bytes(name, out.data, out.len);
    buf_free(&out);
    return rc;
}

/* A real JPEG (made by pdftoppm) drawn twice into a PDF: one DCT XObject. */
static void test_jpeg_pdf(void)
{
    struct pdf *p = pdf_new(200, 100, err, sizeof(err));
    struct buf out = BUF_INIT, cmd = BUF_INIT;

    pdf_rect(p, 10, 10, 80, 40, 0, NULL, &(struct pdf_rgb){0.8f, 0.1f, 0.1f});
    ok(save(p, "red.pdf") == 0, "a PDF to make a JPEG of");
    pdf_free(p);
    buf_addf(&cmd, "pdftoppm -q -jpeg -r 20 -singlefile '%s' '%s'", at("red.pdf"), at("red"));
    ok(run(cmd.data, &out) == 0, "pdftoppm makes red.jpg");
    p = pdf_new(200, 100, err, sizeof(err));
    ok(pdf_image(p, at("red.jpg"), 0, 0, 100, 50, err, sizeof(err)) == 0 &&
           pdf_image_fit(p, at("red.jpg"), 100, 50, 100, 50, err, sizeof(err)) == 0 &&
           save(p, "jpeg.pdf") == 0,
       "the JPEG drawn twice and saved: %s", err);
    pdf_free(p);
    buf_reset(&cmd);
    buf_addf(&cmd, "pdfimages -list '%s' | awk 'NR > 2 {print $3, $6, $9, $11}'", at("jpeg.pdf"));
    run(cmd.data, &out);
    is_str(out.data, "image rgb jpeg 7\nimage rgb jpeg 7\n",
           "pdfimages: one JPEG object (7), drawn twice");
    buf_reset(&cmd);
    buf_addf(&cmd, "pdftoppm -r 20 -png '%s' '%s' 2>&1", at("jpeg.pdf"), at("seen"));
    run(cmd.data, &out);
    is_str(out.data ? out.data : "", "", "poppler draws it without a complaint");
    buf_free(&out);
    buf_free(&cmd);
}

/* Certificates of the example tenant with a logo and two signature images. */
static void test_certificates(void)
{
    static const char *const ev_json =
        "{\"event\":{\"name\":\"x\",\"slug\":\"activities.certificate.issued\","
        "\"send_at\":\"2023-08-28 10:00:01\"},\"data\":{\"institution\":{\"id\":41270033},"
        "\"user\":{\"id\":%d,\"name\":\"Aluna %d\",\"email\":\"a@example.com\",\"cpf\":null,"
        "\"nickname\":null,\"uuid\":null},\"course\":{\"id\":9000,\"name\":\"Curso\","
        "\"workload\":\"40h\",\"enrolled_at\":null,\"concluded_at\":\"2023-08-25 18:40:12\"},"
        "\"school\":{\"id\":19,\"name\":\"Escola\",\"managers\":[{\"manager_id\":410,"
        "\"manager_name\":\"Gestor A\"},{\"manager_id\":411,\"manager_name\":\"Gestor B\"}]},"
        "\"certified\":{\"certified_at\":\"2023-08-28 10:00:00\",\"type\":\"participation\","
        "\"approval_rate\":null}}}";
    struct render_ctx *ctx = render_ctx_new_tenants(NULL, "examples/tenants", err, sizeof(err));
    struct render_opts o = {NULL, I18N_PT_BR, NULL, NULL, 0, 1} /* plain: the soft masks stay */;
    struct buf body = BUF_INIT, pdf = BUF_INIT, cmd = BUF_INIT, out = BUF_INIT;
    struct image_stats s;
    int fails = 0;

    ok(ctx != NULL, "a context with the example tenants: %s", ctx ? "" : err);
    if (!ctx)
        return;
    image_cache_reset(0);
    for (int i = 0; i < 5; i++) {
        struct event ev;
        struct event_diags d;
        buf_reset(&body);
        buf_addf(&body, ev_json, i + 1, i + 1);
        buf_reset(&pdf);
        if (event_parse(body.data, body.len, &ev, &d) != EVENT_OK) {
            fails++;
            event_diags_free(&d);
            continue;
        }
        fails += render_pdf(ctx, &ev, &o, &pdf, err, sizeof(err)) != 0;
        event_free(&ev);
        event_diags_free(&d);
    }
    image_stats(&s);
    is_int(fails, 0, "five certificates with a logo and two signatures render: %s", err);
    is_int(s.decodes, 3, "the logo and the two signatures are each decoded once");
    is_int(s.hits, 12, "... and the four later certificates take them from the cache");
    write_bytes("cert.pdf", pdf.data, pdf.len);
    buf_addf(&cmd, "pdfimages -list '%s' | awk 'NR > 2 {print $3, $4 \"x\" $5}'", at("cert.pdf"));
    run(cmd.data, &out);
    is_str(out.data, "image 96x96\nsmask 96x96\nimage 240x60\nsmask 240x60\nimage 240x60\n"
                     "smask 240x60\n",
           "the last one holds the logo and both signatures, each with its soft mask");
    ok(pdf.len < 60 * 1024, "and is under 60 KB (%zu bytes)", pdf.len);
    render_ctx_free(ctx);
    buf_free(&body);
    buf_free(&pdf);
    buf_free(&cmd);
    buf_free(&out);
}

/* Transparency flattened onto a backdrop: the blend of each pixel, made once per image and
 * backdrop (a second document drawing it takes the same bytes), another backdrop its own. */
static void test_flat(void)
{
    static const unsigned char white[3] = {255, 255, 255}, tint[3] = {10, 20, 30};
    struct image_stats s;
    const struct image *im, *op;
    const unsigned char *f1, *f2, *f3;
    size_t l1 = 0, l2 = 0, l3 = 0;
    unsigned char *rgb;

    image_cache_reset(0);
    write_png("flat.png", 4, 2, PNG_FORMAT_RGBA, half_clear);
    im = image_get(at("flat.png"), err, sizeof(err));
    f1 = im ? image_flat(im, white, &l1) : NULL;
    rgb = f1 ? inflate_plane(f1, l1, 24) : NULL;
    /* pixel 0: alpha 200 over white; pixel 1: alpha 0, white alone */
    ok(rgb && rgb[0] == (0 * 200 + 255 * 55 + 127) / 255 &&
           rgb[1] == (50 * 200 + 255 * 55 + 127) / 255 && rgb[3] == 255 && rgb[4] == 255 &&
           rgb[6] == (14 * 200 + 255 * 55 + 127) / 255,
       "flattened onto white: each sample blended by its alpha");
    free(rgb);
    f2 = im ? image_flat(im, white, &l2) : NULL;
    image_stats(&s);
    ok(f1 && f2 == f1 && l2 == l1 && s.flattens == 1,
       "the same backdrop again: the same bytes, blended once");
    f3 = im ? image_flat(im, tint, &l3) : NULL;
    rgb = f3 ? inflate_plane(f3, l3, 24) : NULL;
    image_stats(&s);
    ok(rgb && f3 != f1 && rgb[3] == 10 && rgb[4] == 20 && rgb[5] == 30 && s.flattens == 2,
       "another backdrop: its own blend");
    free(rgb);
    image_release(im);
    im = image_get(at("flat.png"), err, sizeof(err));
    f2 = im ? image_flat(im, white, &l2) : NULL;
    image_stats(&s);
    ok(f2 == f1 && s.flattens == 2 && s.decodes == 1,
       "released and taken again from the cache: still blended once");
    image_release(im);
    op = image_get(at("opaque.png"), err, sizeof(err));
    ok(op && !image_flat(op, white, &l1), "an opaque image has nothing to flatten");
    image_release(op);
    image_cache_reset(0);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char cmd[600];
    snprintf(dir, sizeof(dir), "%s/test_image_XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_png_kinds();
    test_jpeg_and_errors();
    test_cache();
    test_flat();
    test_threads();
    test_jpeg_pdf();
    test_certificates();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return tap_done();
}

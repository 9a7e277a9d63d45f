/* libFuzzer target for the template loader and placeholder text: the input is loaded as a
 * template file in a scratch folder that holds small font and image files (real magic
 * bytes or wrong ones), with fonts_dir fonts/ (run from the top of the repository), and
 * is checked as placeholder text on its own. A template that loads must hold what the
 * renderer relies on, down to boxes that layout accepts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "layout.h"
#include "template.h"
#include "utf8.h"
#include "fuzz.h"
#include "banned.h"

#define PAGE_MIN 3.0
#define PAGE_MAX 14400.0
#define SLACK 0.01

/* The scratch folder's files: name, bytes, length (-1: a folder). */
static const struct {
    const char *name;
    const char *bytes;
    int len;
} files[] = {
    {"logo.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16},
    {"photo.jpg", "\xff\xd8\xff\xe0", 4},
    {"fake.png", "GIF89a", 6},
    {"fake.jpeg", "\x89PNG", 4},
    {"plain.ttf", "\0\1\0\0\0\x10", 6},
    {"mac.ttf", "true\0\x10", 6},
    {"coll.ttc", "ttcf\0\1\0\0\0\0\0\2", 12},
    {"short.ttc", "ttcf", 4},
    {"cff.otf", "OTTO\0\x0a", 6},
    {"empty.ttf", "", 0},
    {"dir.ttf", NULL, -1},
    {"sub", NULL, -1},
    {"sub/logo.png", "\x89PNG\r\n\x1a\n", 8},
};
#define N_FILES (sizeof(files) / sizeof(files[0]))

static char dir[256], tpl_name[300];
static int verbose; /* FUZZ_VERBOSE=1: print what each input loads to */

static void remove_files(void)
{
    char path[300];
    for (size_t i = N_FILES; i-- > 0;) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
        if (files[i].len < 0)
            rmdir(path);
        else
            unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    char path[300];
    FILE *f;

    (void)argc;
    (void)argv;
    snprintf(dir, sizeof(dir), "%s/certifica-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir), "cannot make a scratch folder in '%s'", dir);
    for (size_t i = 0; i < N_FILES; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
        if (files[i].len < 0) {
            CHECK(mkdir(path, 0700) == 0, "cannot make '%s'", path);
            continue;
        }
        f = fopen(path, "wb");
        CHECK(f && fwrite(files[i].bytes, 1, (size_t)files[i].len, f) == (size_t)files[i].len &&
                  fclose(f) == 0,
              "cannot write '%s'", path);
    }
    atexit(remove_files);
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    snprintf(tpl_name, sizeof(tpl_name), "%s/fuzz.json", dir);
    return 0;
}

static const char *const vars[] = {TEMPLATE_VARS};

/* Half the variables are empty, so that both kinds of section show. */
static const char *lookup(void *ctx, const char *name)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (!strcmp(vars[i], name))
            return i % 2 ? "" : "Jo\xC3\xA3o {{student}} \xE2\x80\xA6";
    CHECK(0, "lookup of unknown variable '%s'", name);
    return "";
}

static double em_width(void *ctx, const char *s, size_t n, double size)
{
    (void)ctx;
    return (double)utf8_count(s, n) * 0.5 * size;
}

/* Text that passed template_check_text expands to UTF-8 without surprises. */
static void expand(const char *text)
{
    struct buf out = BUF_INIT;
    template_expand(text, lookup, NULL, &out);
    CHECK(out.data && strlen(out.data) == out.len, "expansion length");
    if (utf8_valid(text, strlen(text)))
        CHECK(utf8_valid(out.data, out.len), "expansion of valid text is not UTF-8");
    buf_free(&out);
}

static int known_var(const char *name)
{
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (!strcmp(vars[i], name))
            return 1;
    return 0;
}

static void check_fits(const struct tpl_element *e, double w, double h, double size,
                       double min_size, double leading, int max_lines)
{
    struct layout_spec spec = {w, h, size, min_size, leading, max_lines};
    struct layout_measure m = {em_width, NULL};
    struct layout_text t;
    CHECK(layout_fit("Maria Ant\xC3\xB4nia", 13, &spec, &m, &t) == 0,
          "element of kind %d: layout refuses %g x %g, size %g..%g, leading %g, %d lines",
          (int)e->kind, w, h, size, min_size, leading, max_lines);
}

static void check_color(struct tpl_color c)
{
    CHECK(c.r >= 0 && c.r <= 1 && c.g >= 0 && c.g <= 1 && c.b >= 0 && c.b <= 1, "colour");
}

static void check_template(const struct template *t)
{
    char msg[256];

    CHECK(t->path && !strcmp(t->path, tpl_name), "path");
    CHECK(t->page_w >= PAGE_MIN && t->page_w <= PAGE_MAX && t->page_h >= PAGE_MIN &&
              t->page_h <= PAGE_MAX,
          "page %g x %g", t->page_w, t->page_h);
    CHECK(t->n_fonts >= 1, "no fonts");
    for (size_t i = 0; i < t->n_fonts; i++)
        CHECK(t->fonts[i].role && *t->fonts[i].role && t->fonts[i].path && t->fonts[i].index >= 0,
              "font %zu", i);
    if (t->has_background)
        check_color(t->background);
    for (size_t i = 0; i < t->n_elems; i++) {
        const struct tpl_element *e = &t->elems[i];
        double cell_w;

        CHECK(e->kind >= TPL_TEXT && e->kind <= TPL_QR, "elements[%zu]: kind %d", i, e->kind);
        CHECK(!e->cond || known_var(e->cond + (e->cond[0] == '!')), "elements[%zu]: if", i);
        CHECK(isfinite(e->x) && isfinite(e->y) && isfinite(e->w) && isfinite(e->h),
              "elements[%zu]: box", i);
        if (e->kind == TPL_LINE) {
            CHECK(e->x >= -SLACK && e->x2 >= -SLACK && e->x <= t->page_w + SLACK &&
                      e->x2 <= t->page_w + SLACK && e->y >= -SLACK && e->y2 >= -SLACK &&
                      e->y <= t->page_h + SLACK && e->y2 <= t->page_h + SLACK,
                  "elements[%zu]: line off the page", i);
        } else {
            CHECK(e->w > 0 && e->h > 0, "elements[%zu]: empty box", i);
            CHECK(e->x >= -SLACK && e->y >= -SLACK && e->x + e->w <= t->page_w + SLACK &&
                      e->y + e->h <= t->page_h + SLACK,
                  "elements[%zu]: box off the page", i);
        }
        if (e->kind == TPL_LINE || e->kind == TPL_RECT || e->kind == TPL_SIGNATURES)
            CHECK(e->line_width > 0 && isfinite(e->line_width), "elements[%zu]: width", i);
        if (e->kind == TPL_TEXT) {
            CHECK(e->text, "elements[%zu]: no text", i);
            CHECK(template_check_text(e->text, msg, sizeof(msg)) == 0, "elements[%zu]: %s", i, msg);
            expand(e->text);
        }
        if (e->kind == TPL_IMAGE)
            CHECK(e->image_path, "elements[%zu]: no image", i);
        if (e->kind == TPL_TEXT || e->kind == TPL_SIGNATURES) {
            CHECK(e->font >= 0 && (size_t)e->font < t->n_fonts, "elements[%zu]: font %d", i,
                  e->font);
            check_color(e->color);
            CHECK(e->align <= TPL_RIGHT && e->valign <= TPL_BOTTOM, "elements[%zu]: align", i);
            if (e->kind == TPL_TEXT)
                check_fits(e, e->w, e->h, e->size, e->min_size, e->leading, e->max_lines);
        }
        if (e->kind == TPL_SIGNATURES) {
            CHECK(e->label_font >= 0 && (size_t)e->label_font < t->n_fonts,
                  "elements[%zu]: label_font %d", i, e->label_font);
            CHECK(e->per_row >= 1 && e->per_row <= 8, "elements[%zu]: per_row", i);
            check_color(e->line_color);
            if (e->label) {
                CHECK(template_check_text(e->label, msg, sizeof(msg)) == 0, "elements[%zu]: %s", i,
                      msg);
                expand(e->label);
            }
            /* the renderer's smallest boxes for a name and its label */
            cell_w = e->w / (double)e->per_row * 0.9;
            check_fits(e, cell_w, e->min_size * 1.2, e->size, e->min_size, e->leading,
                       e->max_lines);
            check_fits(e, cell_w, e->label_size * 1.3, e->label_size, e->label_size * 0.7, 1.2, 1);
        }
        if (e->kind == TPL_RECT) {
            CHECK(e->has_fill || e->has_stroke, "elements[%zu]: invisible rect", i);
            check_color(e->fill);
            check_color(e->stroke);
        }
    }
}

static void check_error(const char *err, size_t errlen)
{
    size_t n;

    if (!errlen)
        return;
    CHECK(memchr(err, '\0', errlen), "error not terminated");
    n = strlen(err);
    CHECK(n > 0 || errlen == 1, "no error message");
    for (size_t i = 0; i < n; i++)
        CHECK((unsigned char)err[i] >= 0x20 || err[i] == '\n', "control byte in the error");
    CHECK(errlen <= strlen(tpl_name) + 2 || (!strncmp(err, tpl_name, strlen(tpl_name)) &&
                                             !strncmp(err + strlen(tpl_name), ": ", 2)),
          "error does not name the file: '%.60s'", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t errlens[] = {2048, 2048, 2048, 100, 1, 0};
    char err[2048], msg[256];
    size_t errlen = errlens[size % 6];
    struct template *t;
    struct tpl_color c;
    char *text;

    if (size > 65536)
        return 0;
    memset(err, 'x', sizeof(err));
    t = template_load_mem((const char *)data, size, tpl_name, "fonts", err, errlen);
    if (verbose)
        fprintf(stderr, "%s\n", t ? "loaded" : errlen ? err : "(no error text)");
    if (t)
        check_template(t);
    else
        check_error(err, errlen);
    template_free(t);

    text = xstrndup((const char *)data, size);
    if (template_check_text(text, msg, sizeof(msg)) == 0)
        expand(text);
    else
        CHECK(*msg && strlen(msg) < sizeof(msg), "no message");
    if (template_parse_color(text, &c) == 0)
        check_color(c);
    free(text);
    return 0;
}

/* Unit tests for the template module: small template files in a temporary
 * folder (with fake font and image files that only carry the magic bytes),
 * loaded and checked, plus placeholder checking and expansion. */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "layout.h"
#include "template.h"
#include "tap.h"
#include "banned.h"

static char errbuf[2048];

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static void write_tpl(const char *name, const char *json)
{
    char path[256];
    snprintf(path, sizeof(path), "templates/%s", name);
    write_bytes(path, json, strlen(json));
}

/* Load templates/<name> written from json; fonts_dir "fonts". */
static struct template *load(const char *name, const char *json)
{
    char path[256];
    write_tpl(name, json);
    snprintf(path, sizeof(path), "templates/%s", name);
    return template_load(path, "fonts", errbuf, sizeof(errbuf));
}

/* Load json expecting failure; the error text (or "(loaded)"). */
static const char *load_err(const char *json)
{
    struct template *t = load("e.json", json);
    if (t) {
        template_free(t);
        return "(loaded)";
    }
    return errbuf;
}

static int near(double a, double b)
{
    return fabs(a - b) < 1e-6;
}

static int same_color(struct tpl_color c, double r, double g, double b)
{
    return fabs(c.r - r) < 1e-4 && fabs(c.g - g) < 1e-4 && fabs(c.b - b) < 1e-4;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void make_files(void)
{
    static const unsigned char ttf[] = {0x00, 0x01, 0x00, 0x00, 0, 12, 0, 0};
    static const unsigned char ttc[] = {'t', 't', 'c', 'f', 0, 1, 0, 0, 0, 0, 0, 2};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    static const unsigned char jpg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16};
    if (mkdir("templates", 0700) != 0 || mkdir("fonts", 0700) != 0) {
        perror("mkdir");
        exit(2);
    }
    write_bytes("fonts/Serif.ttf", ttf, sizeof(ttf));
    write_bytes("fonts/Sans.ttf", "true\0\0\0\0", 8);
    write_bytes("fonts/Coll.ttc", ttc, sizeof(ttc));
    write_bytes("fonts/Cff.otf", "OTTO\0\0\0\0", 8);
    write_bytes("fonts/Junk.ttf", "hello", 5);
    write_bytes("fonts/Both.ttf", ttf, sizeof(ttf));
    write_bytes("templates/Both.ttf", ttf, sizeof(ttf));
    write_bytes("templates/Local.ttf", ttf, sizeof(ttf));
    write_bytes("templates/logo.png", png, sizeof(png));
    write_bytes("templates/seal.jpg", jpg, sizeof(jpg));
    write_bytes("templates/fake.png", jpg, sizeof(jpg));
    mkdir("templates/dir.png", 0700);
}

static void test_full(void)
{
    struct template *t = load(
        "full.json",
        "{\n"
        "  \"_comment\": \"keys starting with _ are ignored\",\n"
        "  \"page\": {\"size\": \"Letter\", \"orientation\": \"portrait\"},\n"
        "  \"fonts\": {\"title\": \"Serif.ttf\", \"body\": {\"file\": \"Coll.ttc\", \"index\": "
        "1},\n"
        "            \"local\": \"Local.ttf\", \"both\": \"Both.ttf\", \"sans\": \"Sans.ttf\"},\n"
        "  \"colors\": {\"gold\": \"#C9A227\", \"navy\": \"#003\"},\n"
        "  \"defaults\": {\"font\": \"body\", \"size\": 14, \"leading\": 1.5, \"color\": "
        "\"navy\",\n"
        "               \"align\": \"left\", \"max_lines\": 2},\n"
        "  \"background\": {\"color\": \"#fff\", \"image\": \"logo.png\"},\n"
        "  \"elements\": [\n"
        "    {\"type\": \"text\", \"x\": 36, \"y\": 72, \"w\": 540, \"h\": 60, \"text\": "
        "\"Certificado\",\n"
        "     \"font\": \"title\", \"size\": 30, \"min_size\": 20, \"leading\": 1.1, "
        "\"max_lines\": 1,\n"
        "     \"align\": \"center\", \"valign\": \"middle\", \"color\": \"gold\"},\n"
        "    {\"type\": \"text\", \"x\": 36, \"y\": 150, \"w\": 540, \"h\": 40,\n"
        "     \"text\": \"{{student}}{{#cpf}}, CPF {{cpf}}{{/cpf}}\", \"if\": \"!nickname\"},\n"
        "    {\"type\": \"line\", \"x1\": 36, \"y1\": 200, \"x2\": 576, \"y2\": 200, \"width\": "
        "0.5,\n"
        "     \"color\": \"gold\"},\n"
        "    {\"type\": \"rect\", \"x\": 10, \"y\": 10, \"w\": 592, \"h\": 772, \"stroke\": "
        "\"gold\",\n"
        "     \"width\": 2},\n"
        "    {\"type\": \"rect\", \"x\": 20, \"y\": 20, \"w\": 100, \"h\": 50, \"fill\": "
        "\"#eee\"},\n"
        "    {\"type\": \"image\", \"x\": 500, \"y\": 20, \"w\": 80, \"h\": 80, \"src\": "
        "\"seal.jpg\",\n"
        "     \"if\": \"achievement\"},\n"
        "    {\"type\": \"signatures\", \"x\": 36, \"y\": 600, \"w\": 540, \"h\": 100, \"font\": "
        "\"local\",\n"
        "     \"size\": 11, \"min_size\": 7, \"color\": \"#333333\", \"line_color\": \"gold\",\n"
        "     \"per_row\": 3, \"label\": \"Gestor(a) de {{school}}\", \"label_font\": \"title\",\n"
        "     \"label_size\": 8, \"width\": 0.75, \"max_lines\": 2},\n"
        "    {\"type\": \"qr\", \"x\": 500, \"y\": 700, \"size\": 80, \"color\": \"navy\", \"if\": "
        "\"code\"}\n"
        "  ]\n"
        "}\n");
    struct tpl_element *e;

    if (!ok(t != NULL, "full template loads")) {
        printf("# %s\n", errbuf);
        return;
    }
    is_str(t->path, "templates/full.json", "path kept");
    ok(near(t->page_w, 612) && near(t->page_h, 792), "Letter portrait is 612 x 792");
    is_int(t->n_fonts, 5, "five font roles");
    is_str(t->fonts[0].role, "title", "first role");
    is_str(t->fonts[0].path, "fonts/Serif.ttf", "font found in fonts_dir");
    is_str(t->fonts[1].role, "body", "second role");
    is_str(t->fonts[1].path, "fonts/Coll.ttc", "collection path");
    is_int(t->fonts[1].index, 1, "collection index");
    is_str(t->fonts[2].path, "templates/Local.ttf", "font found next to the template");
    is_str(t->fonts[3].path, "templates/Both.ttf", "template folder wins over fonts_dir");
    is_str(t->fonts[4].path, "fonts/Sans.ttf", "'true' magic accepted");
    is_int(t->fonts[4].index, 0, "index defaults to 0");
    ok(t->has_background && same_color(t->background, 1, 1, 1), "background colour #fff");
    is_str(t->background_image, "templates/logo.png", "background image resolved");
    is_int(t->n_elems, 8, "eight elements");

    e = &t->elems[0];
    is_int(e->kind, TPL_TEXT, "0: text");
    ok(near(e->x, 36) && near(e->y, 72) && near(e->w, 540) && near(e->h, 60), "0: box");
    is_str(e->text, "Certificado", "0: text");
    is_int(e->font, 0, "0: font title");
    ok(near(e->size, 30) && near(e->min_size, 20) && near(e->leading, 1.1), "0: sizes");
    is_int(e->max_lines, 1, "0: max_lines");
    is_int(e->align, TPL_CENTER, "0: align");
    is_int(e->valign, TPL_MIDDLE, "0: valign");
    ok(same_color(e->color, 0xC9 / 255.0, 0xA2 / 255.0, 0x27 / 255.0), "0: palette colour");
    ok(e->cond == NULL, "0: no condition");

    e = &t->elems[1];
    is_str(e->text, "{{student}}{{#cpf}}, CPF {{cpf}}{{/cpf}}", "1: text kept raw");
    is_int(e->font, 1, "1: defaults.font");
    ok(near(e->size, 14) && near(e->min_size, 14 * 0.6), "1: defaults.size, min_size 60%%");
    ok(near(e->leading, 1.5), "1: defaults.leading");
    is_int(e->max_lines, 2, "1: defaults.max_lines");
    is_int(e->align, TPL_LEFT, "1: defaults.align");
    is_int(e->valign, TPL_TOP, "1: valign default top");
    ok(same_color(e->color, 0, 0, 0.2), "1: defaults.color from palette (#003)");
    is_str(e->cond, "!nickname", "1: inverted condition");

    e = &t->elems[2];
    is_int(e->kind, TPL_LINE, "2: line");
    ok(near(e->x, 36) && near(e->y, 200) && near(e->x2, 576) && near(e->y2, 200), "2: end points");
    ok(near(e->line_width, 0.5), "2: width");
    ok(e->has_stroke && same_color(e->stroke, 0xC9 / 255.0, 0xA2 / 255.0, 0x27 / 255.0),
       "2: stroke colour");

    e = &t->elems[3];
    is_int(e->kind, TPL_RECT, "3: rect");
    ok(e->has_stroke && !e->has_fill && near(e->line_width, 2), "3: stroke only, width 2");
    e = &t->elems[4];
    ok(!e->has_stroke && e->has_fill &&
           same_color(e->fill, 0xee / 255.0, 0xee / 255.0, 0xee / 255.0),
       "4: fill only");
    ok(near(e->line_width, 1), "4: width default 1");

    e = &t->elems[5];
    is_int(e->kind, TPL_IMAGE, "5: image");
    is_str(e->image_path, "templates/seal.jpg", "5: image path");
    is_str(e->cond, "achievement", "5: condition");

    e = &t->elems[6];
    is_int(e->kind, TPL_SIGNATURES, "6: signatures");
    is_int(e->font, 2, "6: font");
    ok(near(e->size, 11) && near(e->min_size, 7), "6: sizes");
    ok(same_color(e->color, 0x33 / 255.0, 0x33 / 255.0, 0x33 / 255.0), "6: colour");
    ok(same_color(e->line_color, 0xC9 / 255.0, 0xA2 / 255.0, 0x27 / 255.0), "6: line colour");
    is_int(e->per_row, 3, "6: per_row");
    is_str(e->label, "Gestor(a) de {{school}}", "6: label");
    is_int(e->label_font, 0, "6: label font");
    ok(near(e->label_size, 8) && near(e->line_width, 0.75), "6: label size and line width");
    is_int(e->max_lines, 2, "6: max_lines");

    e = &t->elems[7];
    is_int(e->kind, TPL_QR, "7: qr");
    ok(near(e->x, 500) && near(e->y, 700) && near(e->w, 80) && near(e->h, 80), "7: square");
    ok(same_color(e->color, 0, 0, 0.2), "7: colour");
    is_str(e->cond, "code", "7: condition");
    template_free(t);
}

static void test_defaults(void)
{
    struct template *t = load(
        "min.json", "{\"fonts\": {\"a\": \"Serif.ttf\", \"b\": \"Sans.ttf\"}, \"elements\": [\n"
                    " {\"type\": \"text\", \"x\": 0, \"y\": 0, \"w\": 841.89, \"h\": 595.28,"
                    " \"text\": \"\"},\n"
                    " {\"type\": \"signatures\", \"x\": 10, \"y\": 10, \"w\": 100, \"h\": 50},\n"
                    " {\"type\": \"line\", \"x1\": 0, \"y1\": 0, \"x2\": 10, \"y2\": 10},\n"
                    " {\"type\": \"qr\", \"x\": 10, \"y\": 10, \"size\": 50}]}");
    struct tpl_element *e;

    if (!ok(t != NULL, "minimal template loads")) {
        printf("# %s\n", errbuf);
        return;
    }
    ok(near(t->page_w, 841.89) && near(t->page_h, 595.28), "default page A4 landscape");
    ok(!t->has_background && !t->background_image, "no background");
    e = &t->elems[0];
    is_int(e->font, 0, "font: the first role");
    ok(near(e->size, 12) && near(e->min_size, 7.2) && near(e->leading, 1.25),
       "size 12, min_size 7.2, leading 1.25");
    is_int(e->max_lines, 1, "max_lines 1");
    is_int(e->align, TPL_CENTER, "align center");
    is_int(e->valign, TPL_TOP, "valign top");
    ok(same_color(e->color, 0, 0, 0), "colour black");
    ok(e->cond == NULL, "no condition");
    e = &t->elems[1];
    is_int(e->per_row, 4, "signatures: per_row 4");
    ok(e->label == NULL, "signatures: no label");
    is_int(e->label_font, 0, "signatures: label font = font");
    ok(near(e->label_size, 12 * 0.8), "signatures: label_size = size * 0.8");
    ok(same_color(e->line_color, 0, 0, 0), "signatures: line colour = colour");
    e = &t->elems[2];
    ok(near(e->line_width, 1) && e->has_stroke && same_color(e->stroke, 0, 0, 0),
       "line: width 1, black");
    ok(same_color(t->elems[3].color, 0, 0, 0), "qr: black");
    template_free(t);

    t = load("d2.json",
             "{\"page\": {\"size\": \"a5\"}, \"fonts\": {\"a\": \"Serif.ttf\", \"b\": "
             "\"Sans.ttf\"},\n"
             " \"defaults\": {\"font\": \"b\", \"min_size\": 10, \"color\": \"#f00\"},\n"
             " \"elements\": [{\"type\": \"text\", \"x\": 0, \"y\": 0, \"w\": 10, \"h\": 10,"
             " \"text\": \"x\", \"size\": 8},\n"
             "  {\"type\": \"text\", \"x\": 0, \"y\": 0, \"w\": 10, \"h\": 10, \"text\": \"x\","
             " \"size\": 20},\n"
             "  {\"type\": \"signatures\", \"x\": 0, \"y\": 0, \"w\": 10, \"h\": 10, \"color\": "
             "\"#00f\", \"font\": \"a\"}]}");
    if (!ok(t != NULL, "template with defaults loads")) {
        printf("# %s\n", errbuf);
        return;
    }
    ok(near(t->page_w, 595.28) && near(t->page_h, 419.53), "A5 (any case) defaults to landscape");
    ok(near(t->elems[0].min_size, 8), "inherited min_size is never above size");
    ok(near(t->elems[1].min_size, 10), "inherited min_size");
    is_int(t->elems[0].font, 1, "defaults.font");
    ok(same_color(t->elems[0].color, 1, 0, 0), "defaults.color");
    ok(same_color(t->elems[2].line_color, 0, 0, 1), "line_color follows the element colour");
    is_int(t->elems[2].label_font, 0, "label_font follows the element font");
    template_free(t);

    t = load("d3.json", "{\"page\": {\"size\": [300, 200]}, \"fonts\": {\"a\": \"Serif.ttf\"},"
                        " \"elements\": []}");
    ok(t && near(t->page_w, 300) && near(t->page_h, 200), "[w, h] kept as given");
    template_free(t);
    t = load("d4.json", "{\"page\": {\"size\": [300, 200], \"orientation\": \"portrait\"},"
                        " \"fonts\": {\"a\": \"Serif.ttf\"}, \"elements\": []}");
    ok(t && near(t->page_w, 200) && near(t->page_h, 300), "[w, h] turned by orientation");
    template_free(t);
    t = load("d5.json", "{\"page\": {\"size\": \"A4\", \"orientation\": \"portrait\"},"
                        " \"fonts\": {\"a\": \"Serif.ttf\"}, \"elements\": []}");
    ok(t && near(t->page_w, 595.28) && near(t->page_h, 841.89), "A4 portrait");
    template_free(t);

    /* An absolute font path is used as is. */
    {
        char cwd[1024], json[1400];
        if (getcwd(cwd, sizeof(cwd))) {
            snprintf(json, sizeof(json),
                     "{\"fonts\": {\"a\": \"%s/fonts/Serif.ttf\"}, \"elements\": []}", cwd);
            t = load("abs.json", json);
            ok(t && strncmp(t->fonts[0].path, cwd, strlen(cwd)) == 0, "absolute font path");
            template_free(t);
        }
    }
    /* A template named without a folder looks in the current one. */
    if (chdir("templates") == 0) {
        const char *bare = "{\"fonts\": {\"a\": \"Local.ttf\", \"b\": \"Serif.ttf\"}, "
                           "\"elements\": []}";
        write_bytes("bare.json", bare, strlen(bare));
        t = template_load("bare.json", "../fonts", errbuf, sizeof(errbuf));
        ok(t && strcmp(t->fonts[0].path, "Local.ttf") == 0 &&
               strcmp(t->fonts[1].path, "../fonts/Serif.ttf") == 0,
           "bare file name: current folder, then fonts_dir");
        if (!t)
            printf("# %s\n", errbuf);
        template_free(t);
        if (chdir("..") != 0)
            exit(2);
    }
}

#define FONTS "\"fonts\": {\"title\": \"Serif.ttf\", \"body\": \"Sans.ttf\"}"
#define TEXT(extra)                                                                                \
    "{" FONTS ", \"elements\": [{\"type\": \"text\", \"x\": 10, \"y\": 10, \"w\": 100, \"h\": "    \
    "20, \"text\": \"hi\"" extra "}]}"
#define E "templates/e.json: "

static void test_errors(void)
{
    char json[512], want[256];

    /* The error classes the format documents. */
    is_str(load_err(TEXT(", \"font\": \"titel\"")),
           E "elements[0].font: unknown font role 'titel' (did you mean 'title'?)",
           "unknown font role, with a suggestion");
    is_str(load_err(TEXT(", \"page\": 9")), E "elements[0].page: must be between 1 and 8 (got 9)",
           "a page out of range");
    {
        struct template *t = load("p.json", TEXT(", \"page\": 2"));
        ok(t && t->elems[0].page == 2, "an element's page");
        template_free(t);
        t = load("p.json", TEXT(""));
        ok(t && t->elems[0].page == 1, "page 1 unless said");
        template_free(t);
    }
    is_str(load_err(TEXT(", \"font\": \"heading\"")),
           E "elements[0].font: unknown font role 'heading'", "unknown font role");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"text\", \"x\": 1, \"y\": 1, \"h\": 1,"
                    " \"text\": \"a\"}]}"),
           E "elements[0].w: required, missing", "missing required key");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"qr\", \"x\": 1, \"y\": 1}, "
                    "{\"type\": \"text\", \"x\": 1, \"y\": 1, \"w\": 5, \"h\": 5, \"text\": "
                    "\"{{stduent}}\"}]}"),
           E "elements[0].size: required, missing\n" E
             "elements[1].text: unknown placeholder '{{stduent}}' (did you mean 'student'?)",
           "unknown placeholder, and every error reported");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"line\", \"x1\": 1, \"y1\": 1, "
                    "\"x2\": 1, \"y2\": 1}, {\"type\": \"text\", \"x\": 800, \"y\": 10, \"w\": "
                    "100, \"h\": 20, \"text\": \"a\"}]}"),
           E "elements[1]: outside the page (x + w = 900 > 841.89)", "outside the page");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"qr\", \"x\": 10, \"y\": 550, "
                    "\"size\": 50}]}"),
           E "elements[0]: outside the page (y + size = 600 > 595.28)", "qr outside the page");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"line\", \"x1\": 10, \"y1\": -1, "
                    "\"x2\": 10, \"y2\": 10}]}"),
           E "elements[0]: outside the page (y1 = -1 < 0)", "line outside the page");
    is_str(load_err("{\"fonts\": {\"title\": \"Nope.ttf\"}, \"elements\": [{\"type\": \"text\", "
                    "\"x\": 1, \"y\": 1, \"w\": 5, \"h\": 5, \"text\": \"a\", \"font\": "
                    "\"title\"}]}"),
           E "fonts.title: font file 'Nope.ttf' not found (looked in 'templates/' and 'fonts')",
           "font file not found (and no follow-up error for its role)");
    is_str(load_err(TEXT(", \"colour\": \"#000\"")),
           E "elements[0].colour: unknown key (did you mean 'color'?)", "unknown key");
    is_str(load_err(TEXT(", \"line_color\": \"#000\"")), E "elements[0].line_color: unknown key",
           "key of another element type");
    is_str(load_err(TEXT(", \"size\": \"12\"")), E "elements[0].size: must be a number",
           "wrong type: number");
    is_str(load_err(TEXT(", \"align\": 1")), E "elements[0].align: must be a string",
           "wrong type: string");
    is_str(load_err(TEXT(", \"align\": \"middle\"")),
           E "elements[0].align: must be one of left, center, right (got 'middle')",
           "bad enum value");
    is_str(load_err(TEXT(", \"size\": -3")), E "elements[0].size: must be positive (got -3)",
           "negative size");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"image\", \"x\": 1, \"y\": 1, \"w\": "
                    "-10, \"h\": 5, \"src\": \"logo.png\"}]}"),
           E "elements[0].w: must be positive (got -10)", "negative width");
    is_str(load_err(TEXT(", \"color\": \"#12345\"")),
           E "elements[0].color: bad colour '#12345' (use #RRGGBB or #RGB)", "bad colour");
    is_str(load_err(TEXT(", \"color\": \"blu\"")), E "elements[0].color: unknown colour 'blu'",
           "unknown colour name");
    is_str(load_err("{" FONTS ", \"colors\": {\"blue\": \"#00f\"}, \"elements\": [{\"type\": "
                    "\"rect\", \"x\": 1, \"y\": 1, \"w\": 5, \"h\": 5, \"fill\": \"bleu\"}]}"),
           E "elements[0].fill: unknown colour 'bleu' (did you mean 'blue'?)",
           "unknown colour name, with a suggestion");
    is_str(load_err(TEXT(", \"color\": \"ff0000\"")),
           E "elements[0].color: unknown colour 'ff0000' (did you mean '#ff0000'?)",
           "colour without '#'");
    is_str(load_err("{" FONTS ", \"colors\": {\"gold\": \"gold\", \"#x\": \"#000\"}, \"elements\":"
                    " []}"),
           E "colors.gold: bad colour 'gold' (use #RRGGBB or #RGB)\n" E
             "colors.#x: a colour name must not be empty or start with '#'",
           "bad palette");
    is_str(load_err(TEXT(", \"text\": \"again\"")), E "elements[0].text: duplicate key",
           "duplicate text key");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"text\", \"x\": 1, \"y\": 1, \"w\": 5,"
                    " \"h\": 5, \"text\": \"{{#student}}x{{/course}}\"}]}"),
           E "elements[0].text: unbalanced sections: '{{/course}}' closes '{{#student}}'",
           "unbalanced sections");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"signatures\", \"x\": 1, \"y\": 1, "
                    "\"w\": 5, \"h\": 5, \"label\": \"Gestor {{school\"}]}"),
           E "elements[0].label: unterminated '{{' at '{{school'", "unterminated '{{'");
    is_str(load_err("{\n  \"fonts\": {\"a\": \"Serif.ttf\"},\n  \"elements\": [,]\n}\n"),
           E "not valid JSON near line 3", "invalid JSON names the line");
    is_str(load_err("{\"fonts\": {}, \"elements\": []} x"), E "not valid JSON near line 1",
           "trailing garbage");
    is_str(load_err(""), E "not valid JSON near line 1", "empty file");
    is_str(load_err("{\"fonts\": {\"a\": \"\xc3\x28.ttf\"}}"), E "not valid UTF-8 near line 1",
           "invalid UTF-8");
    is_str(load_err("[1, 2]"), E "must be a JSON object", "not an object");
    ok(template_load("templates/none.json", "fonts", errbuf, sizeof(errbuf)) == NULL,
       "missing file fails");
    is_str(errbuf, "cannot open 'templates/none.json': No such file or directory",
           "missing file message");

    /* Fonts. */
    is_str(load_err("{\"fonts\": {\"title\": \"Cff.otf\"}, \"elements\": []}"),
           E "fonts.title: 'Cff.otf': CFF/OpenType fonts are not supported by libharu; use a "
             "TrueType font",
           "CFF font rejected");
    is_str(load_err("{\"fonts\": {\"title\": \"Junk.ttf\"}, \"elements\": []}"),
           E "fonts.title: 'Junk.ttf' is not a TrueType font (.ttf or .ttc)", "bad font magic");
    is_str(load_err("{\"fonts\": {\"t\": {\"file\": \"Coll.ttc\", \"index\": 2}}, \"elements\": "
                    "[]}"),
           E "fonts.t.file: font index 2 out of range: 'Coll.ttc' holds 2 fonts",
           "collection index out of range");
    is_str(load_err("{\"fonts\": {\"t\": {\"file\": \"Serif.ttf\", \"index\": 1}}, \"elements\": "
                    "[]}"),
           E "fonts.t.file: font index 1 given but 'Serif.ttf' is not a collection (.ttc)",
           "index on a single font");
    is_str(load_err("{\"fonts\": {\"t\": {\"fil\": \"Serif.ttf\"}}, \"elements\": []}"),
           E "fonts.t.fil: unknown key (did you mean 'file'?)\n" E
             "fonts.t.file: required, missing",
           "font object keys");
    is_str(load_err("{\"fonts\": {\"t\": 3}, \"elements\": []}"),
           E "fonts.t: must be a file name or {\"file\": ..., \"index\": ...}", "font value type");
    is_str(load_err("{\"fonts\": {}, \"elements\": []}"), E "fonts: needs at least one font role",
           "no font role");
    is_str(load_err("{\"elements\": []}"), E "fonts: required, missing", "fonts missing");
    is_str(load_err("{" FONTS "}"), E "elements: required, missing", "elements missing");
    is_str(load_err("{" FONTS ", \"elements\": {}}"), E "elements: must be an array",
           "elements not an array");
    is_str(load_err("{\"fonts\": {\"a\": \"../fonts\"}, \"elements\": []}"),
           E "fonts.a: 'templates/../fonts' is not a regular file", "font path is a folder");

    /* Images. */
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"image\", \"x\": 1, \"y\": 1, \"w\": "
                    "5, \"h\": 5, \"src\": \"missing.png\"}]}"),
           E "elements[0].src: image file 'missing.png' not found", "image not found");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"image\", \"x\": 1, \"y\": 1, \"w\": "
                    "5, \"h\": 5, \"src\": \"fake.png\"}]}"),
           E "elements[0].src: 'fake.png' is not a PNG image", "image magic checked");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"image\", \"x\": 1, \"y\": 1, \"w\": "
                    "5, \"h\": 5, \"src\": \"logo.gif\"}]}"),
           E "elements[0].src: 'logo.gif' is not a PNG or JPEG file name (.png, .jpg or .jpeg)",
           "image extension checked");
    is_str(load_err("{" FONTS ", \"background\": {\"image\": \"seal.jpeg\"}, \"elements\": []}"),
           E "background.image: image file 'seal.jpeg' not found", "background image not found");
    is_str(load_err("{" FONTS ", \"background\": {\"image\": \"dir.png\"}, \"elements\": []}"),
           E "background.image: 'templates/dir.png' is not a regular file",
           "background image is a folder");

    /* Elements. */
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"rect\", \"x\": 1, \"y\": 1, \"w\": "
                    "5, \"h\": 5}]}"),
           E "elements[0]: a rect needs \"stroke\" or \"fill\"", "rect without stroke or fill");
    is_str(load_err(TEXT(", \"if\": \"studnt\"")),
           E "elements[0].if: unknown variable 'studnt' (did you mean 'student'?)",
           "unknown condition variable");
    is_str(load_err(TEXT(", \"if\": \"!cpff\"")),
           E "elements[0].if: unknown variable 'cpff' (did you mean 'cpf'?)",
           "unknown inverted condition variable");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"txt\"}]}"),
           E "elements[0].type: unknown element type 'txt' (did you mean 'text'?)",
           "unknown element type, with a suggestion");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"barcode\"}]}"),
           E "elements[0].type: unknown element type 'barcode' (use text, line, rect, image, "
             "signatures, qr or list)",
           "unknown element type");
    is_str(load_err("{" FONTS ", \"page\": \"A4\", \"colors\": {\"a\\nb\": \"#00\"}, "
                    "\"elements\": []}"),
           E "page: must be an object, like {\"size\": \"A4\"}\n" E
             "colors.a b: bad colour '#00' (use #RRGGBB or #RGB)",
           "page not an object; a newline in a key stays on one line");
    is_str(load_err("{" FONTS ", \"elements\": [{\"x\": 1}]}"),
           E "elements[0].type: required, missing", "element type missing");
    is_str(load_err("{" FONTS ", \"elements\": [3]}"), E "elements[0]: must be an object",
           "element not an object");
    is_str(load_err("{" FONTS ", \"elements\": [{\"type\": \"signatures\", \"x\": 1, \"y\": 1, "
                    "\"w\": 5, \"h\": 5, \"per_row\": 9}]}"),
           E "elements[0].per_row: must be between 1 and 8 (got 9)", "per_row range");
    snprintf(json, sizeof(json), TEXT(", \"max_lines\": %d"), LAYOUT_MAX_LINES + 1);
    snprintf(want, sizeof(want), E "elements[0].max_lines: must be between 1 and %d (got %d)",
             LAYOUT_MAX_LINES, LAYOUT_MAX_LINES + 1);
    is_str(load_err(json), want, "max_lines range");
    is_str(load_err(TEXT(", \"max_lines\": 1.5")), E "elements[0].max_lines: must be an integer",
           "max_lines integer");
    is_str(load_err(TEXT(", \"size\": 10, \"min_size\": 12")),
           E "elements[0].min_size: 12 is above size 10", "min_size above size");
    is_str(load_err(TEXT(", \"x\": 5")), E "elements[0].x: duplicate key", "duplicate key");
    is_str(load_err("{" FONTS ", \"elements\": [], \"elemnts\": []}"),
           E "elemnts: unknown key (did you mean 'elements'?)", "unknown top-level key");

    /* Page, defaults, background. */
    is_str(load_err("{" FONTS ", \"page\": {\"size\": \"A3\"}, \"elements\": []}"),
           E "page.size: unknown page size 'A3' (use A4, A5, Letter or [w, h])",
           "unknown page size");
    is_str(load_err("{" FONTS ", \"page\": {\"size\": [0, \"x\"]}, \"elements\": []}"),
           E "page.size[0]: must be between 3 and 14400 points (got 0)\n" E
             "page.size[1]: must be a number",
           "bad page dimensions");
    is_str(load_err("{" FONTS ", \"page\": {\"size\": \"A4\", \"orientation\": \"wide\"}, "
                    "\"elements\": []}"),
           E "page.orientation: must be one of landscape, portrait (got 'wide')",
           "bad orientation");
    is_str(load_err("{" FONTS ", \"defaults\": {\"font\": \"bdy\", \"size\": 0, \"colr\": 1}, "
                    "\"elements\": []}"),
           E "defaults.colr: unknown key (did you mean 'color'?)\n" E
             "defaults.font: unknown font role 'bdy' (did you mean 'body'?)\n" E
             "defaults.size: must be positive (got 0)",
           "defaults checked");
    is_str(load_err("{" FONTS ", \"defaults\": {\"size\": 10, \"min_size\": 11}, \"elements\": "
                    "[]}"),
           E "defaults.min_size: 11 is above size 10", "defaults.min_size above size");
    is_str(load_err("{" FONTS ", \"background\": {\"color\": \"#ggg\"}, \"elements\": []}"),
           E "background.color: bad colour '#ggg' (use #RRGGBB or #RGB)", "background colour");
}

/* All errors, one per line; what does not fit in err is counted. */
static void test_many_errors(void)
{
    const char *json = "{" FONTS ", \"elements\": [{\"type\": \"text\", \"x\": \"1\", \"y\": "
                       "\"1\", \"w\": \"1\", \"h\": \"1\", \"text\": 1}]}";
    char small[100];
    struct template *t;
    const char *p;
    int lines = 1;

    is_str(load_err(json),
           E "elements[0].x: must be a number\n" E "elements[0].y: must be a number\n" E
             "elements[0].w: must be a number\n" E "elements[0].h: must be a number\n" E
             "elements[0].text: must be a string",
           "five errors, five lines");
    t = template_load("templates/e.json", "fonts", small, sizeof(small));
    ok(t == NULL, "loading fails");
    for (p = small; *p; p++)
        lines += *p == '\n';
    is_str(small, E "elements[0].x: must be a number\n(and 4 more errors)",
           "a short buffer gets whole lines and a count");
    is_int(lines, 2, "two lines");
    t = template_load("templates/e.json", "fonts", small, 20);
    ok(t == NULL && strlen(small) == 19, "a tiny buffer gets the first line cut");
}

struct var {
    const char *name, *value;
};

static const char *lookup(void *ctx, const char *name)
{
    const struct var *v;
    for (v = ctx; v->name; v++)
        if (strcmp(v->name, name) == 0)
            return v->value;
    return name[0] == 'n' ? NULL : ""; /* "nickname": NULL is read as empty */
}

static const char *expand(const char *text, struct var *vars)
{
    static struct buf out = BUF_INIT;
    char err[256];
    if (!text) {
        buf_free(&out);
        return NULL;
    }
    if (template_check_text(text, err, sizeof(err)) < 0) {
        printf("# check failed: %s\n", err);
        return "(invalid)";
    }
    buf_reset(&out);
    template_expand(text, lookup, vars, &out);
    return out.data;
}

static void test_expand(void)
{
    struct var full[] = {{"student", "Ana Souza"},  {"course", "Gestão Escolar"},
                         {"cpf", "123.456.789-09"}, {"achievement", "1"},
                         {"approval_rate", "95"},   {"participation", ""},
                         {"school", "{{course}}"},  {NULL, NULL}};
    struct var utf[] = {{"student", "José Ñandú"}, {"course", "Introdução à Ética"}, {NULL, NULL}};
    struct var none[] = {{NULL, NULL}};

    is_str(expand("Hello {{student}}!", full), "Hello Ana Souza!", "plain placeholder");
    is_str(expand("{{ student }}|{{\tcourse }}", full), "Ana Souza|Gestão Escolar",
           "whitespace inside braces");
    is_str(expand("{{student}}{{course}}", full), "Ana SouzaGestão Escolar", "adjacent");
    is_str(expand("", full), "", "empty text gives an empty string");
    is_str(expand("no placeholders { } }} {", full), "no placeholders { } }} {",
           "single braces and lone '}}' are text");
    is_str(expand("{{#cpf}}CPF {{cpf}}{{/cpf}}", full), "CPF 123.456.789-09", "section, set");
    is_str(expand("a{{#cpf}}CPF {{cpf}}{{/cpf}}b", none), "ab", "section, empty");
    is_str(expand("{{^cpf}}no CPF{{/cpf}}", none), "no CPF", "inverted section, empty");
    is_str(expand("{{^cpf}}no CPF{{/cpf}}", full), "", "inverted section, set");
    is_str(expand("{{# nickname }}({{nickname}}){{/ nickname }}.", full), ".",
           "NULL from lookup is empty");
    is_str(expand("{{#achievement}}A{{#approval_rate}} {{approval_rate}}%{{/approval_rate}}"
                  "{{/achievement}}",
                  full),
           "A 95%", "nested, both set");
    is_str(expand("{{#achievement}}A{{#participation}}P{{/participation}}!{{/achievement}}", full),
           "A!", "nested false inside true");
    is_str(expand("{{#participation}}P{{#achievement}}A{{/achievement}}x{{/participation}}y", full),
           "y", "nested true inside false stays hidden");
    is_str(expand("{{#participation}}{{^achievement}}z{{/achievement}}{{/participation}}"
                  "{{^participation}}{{#achievement}}ok{{/achievement}}{{/participation}}",
                  full),
           "ok", "inverted and normal sections mixed");
    is_str(expand("[{{school}}]", full), "[{{course}}]", "values are inserted verbatim");
    is_str(expand("Certificamos que {{student}} concluiu «{{course}}» — ✓", utf),
           "Certificamos que José Ñandú concluiu «Introdução à Ética» — ✓",
           "UTF-8 around and in values");
    is_str(expand("ação{{student}}ção", utf), "açãoJosé Ñandúção", "UTF-8 touching the braces");
    expand(NULL, NULL);

    /* The expansion output buffer is appended to, never reset. */
    {
        struct buf b = BUF_INIT;
        buf_adds(&b, ">");
        template_expand("{{student}}", lookup, full, &b);
        is_str(b.data, ">Ana Souza", "expand appends");
        buf_free(&b);
        template_expand("", lookup, full, &b);
        ok(b.data && b.data[0] == '\0', "empty expansion still gives a string");
        buf_free(&b);
    }
}

static void test_check_text(void)
{
    char err[256];
    char deep[600] = "";
    size_t n = 0;
    int i;

    is_int(template_check_text("plain", err, sizeof(err)), 0, "plain text is fine");
    is_int(
        template_check_text("{{#cpf}}{{^nickname}}{{cpf}}{{/nickname}}{{/cpf}}", err, sizeof(err)),
        0, "nested sections are fine");
    is_int(template_check_text("{{}}", err, sizeof(err)), -1, "empty placeholder fails");
    is_str(err, "empty placeholder '{{}}'", "empty placeholder message");
    template_check_text("{{ # }}", err, sizeof(err));
    is_str(err, "empty placeholder '{{ # }}'", "empty section name");
    template_check_text("{{/cpf}}", err, sizeof(err));
    is_str(err, "unbalanced sections: '{{/cpf}}' closes nothing", "close without open");
    template_check_text("{{#cpf}}x", err, sizeof(err));
    is_str(err, "unbalanced sections: '{{#cpf}}' is never closed", "open without close");
    template_check_text("{{#cpf}}{{#code}}{{/cpf}}{{/code}}", err, sizeof(err));
    is_str(err, "unbalanced sections: '{{/cpf}}' closes '{{#code}}'", "crossed sections");
    template_check_text("{{#studnt}}x{{/studnt}}", err, sizeof(err));
    is_str(err, "unknown placeholder '{{#studnt}}' (did you mean 'student'?)",
           "unknown section name");
    template_check_text("{{x}}", err, sizeof(err));
    is_str(err, "unknown placeholder '{{x}}'", "short unknown name, no suggestion");
    template_check_text("{{student {{course}}", err, sizeof(err));
    is_str(err, "unterminated '{{' at '{{student {{course}}'", "'{{' inside '{{'");
    template_check_text("ok {{student}} {{cou", err, sizeof(err));
    is_str(err, "unterminated '{{' at '{{cou'", "unterminated at the end");
    template_check_text("{{Student}}", err, sizeof(err));
    is_str(err, "unknown placeholder '{{Student}}' (did you mean 'student'?)",
           "names are case-sensitive");
    for (i = 0; i < 33; i++)
        n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{{#cpf}}");
    template_check_text(deep, err, sizeof(err));
    is_str(err, "sections nested deeper than 32", "nesting limit");
    is_int(template_check_text("{{oops}}", NULL, 0), -1, "err may be NULL");
}

static void test_colors(void)
{
    struct tpl_color c = {9, 9, 9};
    ok(template_parse_color("#fff", &c) == 0 && same_color(c, 1, 1, 1), "#fff");
    ok(template_parse_color("#C9A227", &c) == 0 &&
           same_color(c, 0xC9 / 255.0, 0xA2 / 255.0, 0x27 / 255.0),
       "#C9A227");
    ok(template_parse_color("#000000", &c) == 0 && same_color(c, 0, 0, 0), "#000000");
    is_int(template_parse_color("#12", &c), -1, "too short");
    is_int(template_parse_color("#1234567", &c), -1, "too long");
    is_int(template_parse_color("fff", &c), -1, "no '#'");
    is_int(template_parse_color("#ggg", &c), -1, "not hex");
    is_int(template_parse_color("#ff00 0", &c), -1, "space");
    is_int(template_parse_color(NULL, &c), -1, "NULL");
}

/* Regressions for what tests/fuzz/fuzz_template found (its corpus holds the same inputs). */
static void test_fuzz_found(void)
{
    /* A width so small that a signature cell (w / per_row * 0.9) came out 0: the template
     * loaded and every render with managers failed with "cannot lay out". */
    is_str(load_err("{\"fonts\": {\"body\": \"Serif.ttf\"}, \"elements\": [{\"type\": "
                    "\"signatures\", \"x\": 0, \"y\": 0, \"w\": 5e-324, \"h\": 10}]}"),
           "templates/e.json: elements[0].w: must be positive (got 4.94066e-324)",
           "subnormal signatures width");
    is_str(load_err("{\"fonts\": {\"body\": \"Serif.ttf\"}, \"defaults\": {\"size\": 1e-310}, "
                    "\"elements\": []}"),
           "templates/e.json: defaults.size: must be positive (got 1e-310)", "subnormal size");
}

/* template_load_mem: the same checks on text in memory, named like a file. */
static void test_load_mem(void)
{
    static const char json[] = "{\"fonts\": {\"body\": \"Local.ttf\"}, \"background\": "
                               "{\"image\": \"logo.png\"}, \"elements\": []}";
    static const char nul[] = "{\"fonts\": {}\0, \"elements\": []}";
    struct template *t;

    t = template_load_mem(json, strlen(json), "templates/mem.json", "fonts", errbuf,
                          sizeof(errbuf));
    ok(t != NULL, "from memory: loads");
    if (t) {
        is_str(t->path, "templates/mem.json", "from memory: path is the name given");
        is_str(t->fonts[0].path, "templates/Local.ttf", "from memory: fonts beside the name");
        is_str(t->background_image, "templates/logo.png", "from memory: images beside the name");
    }
    template_free(t);
    t = template_load_mem(json, strlen(json) - 1, "templates/mem.json", "fonts", errbuf,
                          sizeof(errbuf));
    ok(t == NULL, "from memory: only len bytes are read");
    is_str(errbuf, "templates/mem.json: not valid JSON near line 1", "from memory: cut short");
    t = template_load_mem(nul, sizeof(nul) - 1, "mem.json", "fonts", errbuf, sizeof(errbuf));
    ok(t == NULL, "from memory: a NUL byte is refused");
    is_str(errbuf, "mem.json: not valid UTF-8 near line 1", "from memory: NUL byte message");
}

int main(void)
{
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    int rc;

    snprintf(dir, sizeof(dir), "%s/test_template.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        perror(dir);
        return 2;
    }
    make_files();
    test_full();
    test_defaults();
    test_errors();
    test_many_errors();
    test_expand();
    test_check_text();
    test_colors();
    test_load_mem();
    test_fuzz_found();
    rc = tap_done();
    if (chdir("/") != 0 || nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror(dir);
    return rc;
}

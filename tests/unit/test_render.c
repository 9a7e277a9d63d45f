/* Unit tests for render's coverage check (what can be printed) with the shipped templates
 * and fonts, and for the template texts checked at load. Run from the repository root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render.h"
#include "tap.h"
#include "banned.h"

static struct render_ctx *ctx;

/* An event of the given names, as event_parse would give it. */
static void make_event(struct event *ev, struct event_manager *m, const char *user,
                       const char *manager)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = CERT_PARTICIPATION;
    ev->user_name = (char *)user;
    ev->course_name = (char *)"Introdu\xC3\xA7\xC3\xA3o \xC3\xA0 Programa\xC3\xA7\xC3\xA3o";
    ev->school_name = (char *)"Escola T\xC3\xA9"
                              "cnica";
    ev->certified_at = (struct caltime){2023, 8, 28, 10, 0, 0};
    ev->concluded_at = ev->certified_at;
    if (manager) {
        m->id = 1;
        m->name = (char *)manager;
        ev->managers = m;
        ev->n_managers = 1;
    }
}

/* Run the check on an event; the diags are left in d (free them). */
static int check(const char *user, const char *manager, struct event_diags *d)
{
    struct render_opts o = {NULL, I18N_PT_BR, NULL, NULL, 0, 0};
    struct event_manager m;
    struct render_field *f;
    struct event ev;
    char err[512];
    size_t n;
    int rc;

    memset(d, 0, sizeof(*d));
    make_event(&ev, &m, user, manager);
    n = render_event_fields(&ev, &f);
    rc = render_check_coverage(ctx, &ev, &o, f, n, d, err, sizeof(err));
    if (rc < 0)
        printf("# %s\n", err);
    free(f);
    return rc;
}

static void test_scripts(void)
{
    static const char *const names[] = {
        "Ana Lu\xC3\xADza Gon\xC3\xA7"
        "alves",                                                                    /* Portuguese */
        "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF \xD8\xB9\xD8\xA8\xD8\xAF",                /* Arabic */
        "\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E",                                     /* Chinese */
        "\xE0\xA4\x85\xE0\xA4\xB0\xE0\xA5\x8D\xE0\xA4\x9C\xE0\xA5\x81\xE0\xA4\xA8", /* Hindi */
        "\xEA\xB9\x80\xEB\xAF\xBC\xEC\xA4\x80",                                     /* Korean */
        "\xD7\x93\xD7\x95\xD7\x93 2024",                                            /* Hebrew */
        "\xE0\xB8\xAA\xE0\xB8\xA1\xE0\xB8\x8A\xE0\xB8\xB2\xE0\xB8\xA2",             /* Thai */
        "\xE1\x8A\xA0\xE1\x89\xA0\xE1\x89\xA0",                                     /* Amharic */
        "Ana \xE2\x98\xBA",                                                         /* a symbol */
        "Ana\xE2\x80\x8D"
        "Maria", /* a joiner */
    };
    struct event_diags d;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        is_int(check(names[i], "Gestora", &d), 0, "'%s' can be printed", names[i]);
        event_diags_free(&d);
    }
}

static void test_refusals(void)
{
    struct event_diags d;

    is_int(check("Ana \xEE\x80\x80 Silva", NULL, &d), 1, "a private-use character is refused");
    if (d.n_errors == 1) {
        is_str(d.errors[0].path, "data.user.name", "at the user's name");
        is_str(d.errors[0].message, "U+E000 cannot be printed: no font has it",
               "with the character and the reason");
    }
    event_diags_free(&d);

    is_int(check("\xEE\x80\x80\xEE\x80\x81\xEE\x80\x80", "Jo\xC3\xA3o \xF4\x8F\xBF\xBD", &d), 3,
           "every unprintable character, once each, in every field");
    if (d.n_errors == 3) {
        is_str(d.errors[1].message, "U+E001 cannot be printed: no font has it",
               "the second character of the name");
        is_str(d.errors[2].path, "data.school.managers[0].manager_name", "and the manager's name");
        is_str(d.errors[2].message, "U+10FFFD cannot be printed: no font has it",
               "beyond the BMP too");
    }
    event_diags_free(&d);
}

static void test_template_text(void)
{
    const char *path = "build/tests/test-render-pua.json";
    struct render_opts o = {path, I18N_PT_BR, NULL, NULL, 0, 0};
    FILE *f = fopen(path, "w");
    char err[512] = "";
    int rc;

    fprintf(f,
            "{\"page\": {\"size\": \"A4\"}, \"fonts\": {\"body\": \"../../fonts/DejaVuSerif.ttf\"},"
            "\"elements\": [{\"type\": \"text\", \"x\": 10, \"y\": 10, \"w\": 300, \"h\": 30,"
            "\"text\": \"{{student}} \\ue000\"}]}");
    fclose(f);
    rc = render_preload(ctx, CERT_PARTICIPATION, &o, err, sizeof(err));
    ok(rc < 0, "a template whose own text cannot be printed is refused at load");
    ok(strstr(err, "elements[0].text: U+E000 cannot be printed: no font has it") != NULL,
       "naming the element and the character");
    if (rc == 0 || !strstr(err, "U+E000"))
        printf("# %s\n", err);
    unlink(path);
}

/* A one-element template printing {{student}} with DejaVu Serif and the given "fallback"
 * value (NULL: none given); the coverage check of an Arabic name with it, or -1 (err). */
static int with_fallback(const char *fallback, char *err, size_t errlen)
{
    const char *path = "build/tests/test-render-fallback.json";
    struct render_opts o = {path, I18N_PT_BR, NULL, NULL, 0, 0};
    struct event_manager m;
    struct event_diags d = {0};
    struct render_field *fl;
    struct event ev;
    FILE *f = fopen(path, "w");
    size_t n;
    int rc;

    fprintf(f,
            "{\"page\": {\"size\": \"A4\"}, \"fonts\": {\"body\": {\"file\": "
            "\"../../fonts/DejaVuSerif.ttf\"%s%s}}, \"elements\": [{\"type\": \"text\", "
            "\"x\": 10, \"y\": 10, \"w\": 300, \"h\": 30, \"text\": \"{{student}}\"}]}",
            fallback ? ", \"fallback\": " : "", fallback ? fallback : "");
    fclose(f);
    /* a new context: templates are cached by path */
    render_ctx_free(ctx);
    ctx = render_ctx_new(NULL, err, errlen);
    make_event(&ev, &m, "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF", NULL);
    n = render_event_fields(&ev, &fl);
    rc = render_check_coverage(ctx, &ev, &o, fl, n, &d, err, errlen);
    free(fl);
    event_diags_free(&d);
    unlink(path);
    return rc;
}

static void test_template_chains(void)
{
    char err[512] = "";

    is_int(with_fallback(NULL, err, sizeof(err)), 0,
           "no \"fallback\" key: the default serif chain prints Arabic");
    is_int(with_fallback("\"none\"", err, sizeof(err)), 3,
           "\"fallback\": \"none\": the template's font alone cannot (3 letters refused)");
    is_int(with_fallback("[]", err, sizeof(err)), 3, "nor can an empty list");
    is_int(with_fallback("[\"../../fonts/NotoSansArabic-Bold.ttf\"]", err, sizeof(err)), 0,
           "a list naming an Arabic font file can");
    is_int(with_fallback("[\"sans\"]", err, sizeof(err)), 0, "so can the sans chain, by name");
    is_int(with_fallback("\"sanz\"", err, sizeof(err)), -1, "an unknown chain is an error");
    ok(strstr(err, "fonts.body: fallback: no chain 'sanz' in ") &&
           strstr(err, "(it has 'serif', 'sans')"),
       "naming the role, the chain and the chains there are");
    if (!strstr(err, "no chain 'sanz'"))
        printf("# %s\n", err);
    is_int(with_fallback("[\"Missing.ttf\"]", err, sizeof(err)), -1,
           "a missing fallback file is an error");
    ok(strstr(err, "fonts.body.fallback[0]: font file 'Missing.ttf' not found") != NULL,
       "naming the list entry");
    if (!strstr(err, "Missing.ttf"))
        printf("# %s\n", err);
}

/* fonts/FALLBACK of a home of its own: render_ctx_new's error, "" when it opens. */
static const char *home_with(const char *fallback)
{
    static char err[512];
    struct render_ctx *c;
    FILE *f;

    mkdir("build/tests/fbhome", 0700);
    mkdir("build/tests/fbhome/templates", 0700);
    mkdir("build/tests/fbhome/fonts", 0700);
    f = fopen("build/tests/fbhome/fonts/FALLBACK", "w");
    fputs(fallback, f);
    fclose(f);
    err[0] = '\0';
    c = render_ctx_new("build/tests/fbhome", err, sizeof(err));
    render_ctx_free(c);
    unlink("build/tests/fbhome/fonts/FALLBACK");
    return err;
}

static void test_fallback_file(void)
{
    is_str(home_with("# nothing but a comment\n\n"), "", "a FALLBACK of comments opens");
    is_str(home_with("sans Missing.ttf\n"),
           "build/tests/fbhome/fonts/FALLBACK:1: font file 'Missing.ttf' not found in "
           "'build/tests/fbhome/fonts'",
           "a font FALLBACK names that is not there stops the program, naming the line");
    is_str(home_with("# x\nsans ../../fonts/DejaVuSerif.ttf\n"),
           "build/tests/fbhome/fonts/FALLBACK:2: '../../fonts/DejaVuSerif.ttf' must be a file "
           "name in the fonts folder",
           "paths are refused: files are in the fonts folder");
    is_str(home_with("sans - - script=Klingon\n"),
           "build/tests/fbhome/fonts/FALLBACK:1: unknown script 'Klingon' (use an ISO 15924 "
           "code: Hang)",
           "an unknown script is refused");
}

int main(void)
{
    char err[512];

    ctx = render_ctx_new(NULL, err, sizeof(err));
    if (!ctx) {
        printf("not ok 1 - %s\n", err);
        return 1;
    }
    test_scripts();
    test_refusals();
    test_template_text();
    test_template_chains();
    test_fallback_file();
    render_ctx_free(ctx);
    return tap_done();
}

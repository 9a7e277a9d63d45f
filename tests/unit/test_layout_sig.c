/* Unit tests for the signature block's planning (layout_signatures and
 * layout_sign): counts per row, equal widths, names whole inside the box,
 * nothing overlapping, the others counted. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "tap.h"
#include "banned.h"

#include "layout_tests.h"

/* Signature cells: counts per row, equal widths, centring, inside the box, no overlap. */
static void check_signatures(size_t n, int per_row, size_t want_rows, const size_t *want_counts)
{
    struct layout_rect box = {50, 400, 700, 120}, cells[32];
    size_t rows = layout_signatures(n, box, per_row, cells), c = 0;
    int inside = 1, centred = 1, equal = 1, counts = 1, no_overlap = 1;
    double cw = box.w / per_row, rh = rows ? box.h / (double)rows : 0;

    is_int(rows, want_rows, "%zu signatures, %d a row: %zu rows", n, per_row, want_rows);
    for (size_t r = 0; r < rows && c <= n; r++) {
        size_t start = c;
        while (c < n && fabs(cells[c].y - (box.y + rh * (double)r)) < 1e-9)
            c++;
        counts &= c - start == want_counts[r];
        if (c > start) {
            double left = cells[start].x - box.x;
            double right = box.x + box.w - (cells[c - 1].x + cells[c - 1].w);
            centred &= fabs(left - right) < 1e-9;
        }
    }
    counts &= c == n;
    for (size_t i = 0; i < n; i++) {
        inside &= cells[i].x >= box.x - 1e-9 && cells[i].y >= box.y - 1e-9 &&
                  cells[i].x + cells[i].w <= box.x + box.w + 1e-9 &&
                  cells[i].y + cells[i].h <= box.y + box.h + 1e-9;
        equal &= fabs(cells[i].w - cw) < 1e-9 && fabs(cells[i].h - rh) < 1e-9;
        for (size_t j = 0; j < i; j++)
            no_overlap &= cells[i].x >= cells[j].x + cells[j].w - 1e-9 ||
                          cells[j].x >= cells[i].x + cells[i].w - 1e-9 ||
                          cells[i].y >= cells[j].y + cells[j].h - 1e-9 ||
                          cells[j].y >= cells[i].y + cells[i].h - 1e-9;
    }
    ok(counts, "%zu signatures: cells per row as balanced", n);
    ok(centred, "%zu signatures: every row centred", n);
    ok(equal, "%zu signatures: cells of width box/per_row and height box/rows", n);
    ok(inside, "%zu signatures: every cell inside the box", n);
    ok(no_overlap, "%zu signatures: no two cells overlap", n);
}

static void test_signatures(void)
{
    struct layout_rect box = {0, 0, 400, 100}, cells[4];
    static const size_t one[] = {1}, four[] = {4}, seven[] = {4, 3}, five[] = {3, 2},
                        nine[] = {3, 3, 3}, ten[] = {4, 3, 3}, two3[] = {2}, six3[] = {3, 3};

    is_int(layout_signatures(0, box, 4, cells), 0, "no signatures: no rows");
    check_signatures(1, 4, 1, one);
    check_signatures(4, 4, 1, four);
    check_signatures(7, 4, 2, seven);
    check_signatures(5, 4, 2, five);
    check_signatures(9, 4, 3, nine);
    check_signatures(10, 4, 3, ten);
    check_signatures(2, 3, 1, two3);
    check_signatures(6, 3, 2, six3);

    layout_signatures(1, box, 4, cells);
    ok(cells[0].x == 150 && cells[0].w == 100 && cells[0].y == 0 && cells[0].h == 100,
       "one signature: a quarter of the box, in the middle");
    layout_signatures(3, box, 0, cells);
    ok(cells[2].y == 200.0 / 3 && cells[2].w == 400, "per_row below 1 is taken as 1");
}

static int rect_inside(struct layout_rect r, struct layout_rect box)
{
    return r.x >= box.x - 1e-9 && r.y >= box.y - 1e-9 && r.x + r.w <= box.x + box.w + 1e-9 &&
           r.y + r.h <= box.y + box.h + 1e-9;
}

static int rects_apart(struct layout_rect a, struct layout_rect b)
{
    return a.w <= 0 || a.h <= 0 || b.w <= 0 || b.h <= 0 || a.x >= b.x + b.w - 1e-9 ||
           b.x >= a.x + a.w - 1e-9 || a.y >= b.y + b.h - 1e-9 || b.y >= a.y + a.h - 1e-9;
}

/* Plan n names and check what a reader would: every shown name whole in its box, every box
 * inside the block, nothing overlapping (names, labels, the others line, the lines to sign
 * on), shown + others = n. Returns the plan (caller frees). */
static struct layout_sign plan_names(const char *const *names, size_t n,
                                     const struct layout_sign_spec *sp, struct font *f, int *good)
{
    struct layout_measure m = {font_width, f};
    struct layout_sign g;
    struct layout_rect boxes[2 * 100 + 1];
    size_t nb = 0;

    *good = layout_sign(names, n, sp, &m, &g) == 0 && g.shown + g.others == n && g.shown <= 100;
    for (size_t i = 0; *good && i < g.shown; i++) {
        const struct layout_sign_cell *c = &g.cells[i];
        struct layout_spec spec = {c->name.w, c->name.h,   g.size,
                                   g.size,    sp->leading, sp->max_lines};
        struct layout_text t;
        struct layout_rect line = {c->line_x0, c->line_y, c->line_x1 - c->line_x0, 0};

        *good &= layout_fit(names[i], strlen(names[i]), &spec, &m, &t) == 0 && !t.truncated &&
                 t.size == g.size && t.n_lines >= 1;
        *good &= rect_inside(c->name, sp->box) && rect_inside(c->label, sp->box);
        *good &= line.y < c->name.y && line.y >= sp->box.y && rect_inside(line, sp->box);
        boxes[nb++] = c->name;
        boxes[nb++] = c->label;
    }
    if (*good && g.others) {
        *good &= rect_inside(g.others_box, sp->box) && g.others_box.h >= g.others_size;
        boxes[nb++] = g.others_box;
    }
    for (size_t i = 0; *good && i < nb; i++)
        for (size_t j = 0; j < i; j++)
            *good &= rects_apart(boxes[i], boxes[j]);
    return g;
}

static void test_sign(void)
{
    static const char *const shortn[] = {"Ana Souza", "Bruno Lima", "Carla Prado", "Davi Reis"};
    struct layout_sign_spec sp = {{115, 400, 611.89, 112}, 4, 11.5, 7, 1.25, 2, 1, 8};
    const char *names[100];
    char longname[301];
    struct layout_sign g;
    struct font f;
    int good, all_good = 1;

    font_uniform(&f);
    g = plan_names(NULL, 0, &sp, &f, &good);
    ok(good && g.shown == 0 && g.others == 0 && !g.cells, "no managers: nothing planned");
    layout_sign_free(&g);

    for (size_t i = 0; i < 100; i++)
        names[i] = shortn[i % 4];
    g = plan_names(names, 4, &sp, &f, &good);
    ok(good && g.shown == 4 && g.rows == 1 && g.cols == 4 && g.size == 11.5,
       "4 short names: one row of 4 at the template's size");
    ok(fabs(g.cells[0].line_y - (400 + 112 * LAYOUT_SIGN_LINE_AT)) < 1e-9,
       "with room, the line sits at its usual share of the row");
    layout_sign_free(&g);

    g = plan_names(names, 12, &sp, &f, &good);
    ok(good && g.shown == 12 && g.cols == 4 && g.size < 11.5 && g.size >= 7,
       "12 short names: 4 to a row, smaller type before more columns (%g pt)", g.size);
    layout_sign_free(&g);

    g = plan_names(names, 24, &sp, &f, &good);
    ok(good && g.shown == 24 && g.cols > 4 && g.cols <= 8 && g.others == 0,
       "24 short names: all shown, more columns (%zu) at %g pt", g.cols, g.size);
    layout_sign_free(&g);

    g = plan_names(names, 100, &sp, &f, &good);
    ok(good && g.shown >= 24 && g.shown < 100 && g.others == 100 - g.shown,
       "100 short names: %zu shown, the others counted", g.shown);
    layout_sign_free(&g);

    memset(longname, 'a', 300);
    for (size_t i = 7; i < 300; i += 8)
        longname[i] = ' ';
    longname[300] = '\0';
    for (size_t i = 0; i < 100; i++)
        names[i] = longname;
    g = plan_names(names, 100, &sp, &f, &good);
    ok(good && g.shown >= 1 && g.others == 100 - g.shown && g.size >= LAYOUT_FLOOR_SIZE,
       "100 names of 300 characters: %zu whole, %zu counted, %g pt", g.shown, g.others, g.size);
    layout_sign_free(&g);

    names[0] = shortn[0];
    names[1] = longname;
    names[2] = shortn[2];
    g = plan_names(names, 3, &sp, &f, &good);
    ok(good && g.shown >= 2, "a long name among short ones: the first ones shown whole");
    layout_sign_free(&g);

    sp.box.h = 8;
    g = plan_names(names, 3, &sp, &f, &good);
    ok(good && g.shown == 0 && g.others == 3, "a box too low for one cell: only 'and 3 others'");
    layout_sign_free(&g);
    sp.box.h = 112;

    /* every count and mix, in boxes of several shapes: the invariants always hold */
    for (size_t n = 0; n <= 100; n += n < 12 ? 1 : 11) {
        for (int shape = 0; shape < 3; shape++) {
            struct layout_sign_spec s2 = sp;
            s2.box.w = shape == 0 ? 611.89 : shape == 1 ? 300 : 760;
            s2.box.h = shape == 0 ? 112 : shape == 1 ? 200 : 60;
            s2.has_label = shape != 1;
            for (size_t i = 0; i < n; i++)
                names[i] = i % 5 == 3 ? longname : shortn[i % 4];
            g = plan_names(names, n, &s2, &f, &good);
            if (!good && all_good)
                printf("#   %zu names in shape %d: an invariant fails\n", n, shape);
            all_good &= good;
            layout_sign_free(&g);
        }
    }
    ok(all_good, "0 to 100 names, short, long and mixed, three boxes: whole, inside, apart");

    sp.max_lines = 0;
    ok(layout_sign(names, 1, &sp, &(struct layout_measure){font_width, &f}, &g) == -1,
       "an unusable spec is refused");
}

int main(void)
{
    test_signatures();
    test_sign();
    return tap_done();
}

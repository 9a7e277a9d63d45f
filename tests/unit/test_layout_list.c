/* Unit tests for list planning (layout_list, a course's syllabus): a short list at the
 * template's size in one column; long ones in more columns at a smaller size, every item
 * inside the box, whole, in reading order and apart from the others; a very long one
 * continued on copies of the box at the floor size; refusals; unusable specs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "layout.h"
#include "tap.h"
#include "banned.h"

#include "layout_tests.h"

static struct font fnt;
static const struct layout_measure M = {font_width, &fnt};

static char **make_items(size_t n, size_t len)
{
    char **it = xcalloc(n, sizeof(*it));
    for (size_t i = 0; i < n; i++) {
        struct buf b = BUF_INIT;
        buf_addf(&b, "%zu", i + 1);
        while (b.len < len)
            buf_adds(&b, b.len % 9 == 0 ? " item" : " word");
        b.data[len] = '\0';
        b.len = len;
        it[i] = buf_detach(&b, NULL);
    }
    return it;
}

static void free_items(char **it, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(it[i]);
    free(it);
}

static int overlap(const struct layout_rect *a, const struct layout_rect *b)
{
    return a->x < b->x + b->w - 1e-6 && b->x < a->x + a->w - 1e-6 && a->y < b->y + b->h - 1e-6 &&
           b->y < a->y + a->h - 1e-6;
}

/* Every item inside the box, whole at the chosen size in its lines, apart from the others
 * on its copy of the box, and in reading order (down a column, then the next column, then
 * the next copy). */
static void check_plan(const char *what, char **items, size_t n, const struct layout_list_spec *sp,
                       const struct layout_list *l)
{
    int inside = 1, whole = 1, apart = 1, order = 1, bullets = 1;
    for (size_t i = 0; i < n; i++) {
        const struct layout_list_item *it = &l->items[i];
        const struct layout_rect *r = &it->text;
        struct layout_spec ls = {r->w, r->h + 1e-6, l->size, l->size, sp->leading, it->n_lines};
        struct layout_text lt;
        inside &= r->x >= sp->box.x - 1e-6 && r->y >= sp->box.y - 1e-6 &&
                  r->x + r->w <= sp->box.x + sp->box.w + 1e-6 &&
                  r->y + r->h <= sp->box.y + sp->box.h + 1e-6 && it->page < l->pages;
        bullets &= it->bullet_x >= sp->box.x - 1e-6 && it->bullet_x < r->x;
        whole &= layout_fit(items[i], strlen(items[i]), &ls, &M, &lt) == 0 && !lt.truncated &&
                 fabs(lt.size - l->size) < 1e-9;
        for (size_t k = 0; k < i && apart; k++)
            apart &= l->items[k].page != it->page || !overlap(&l->items[k].text, r);
        if (i > 0) {
            const struct layout_list_item *p = &l->items[i - 1];
            order &= p->page < it->page ||
                     (p->page == it->page &&
                      (p->text.x < r->x - 1e-6 || (fabs(p->text.x - r->x) < 1e-6 && p->text.y < r->y)));
        }
    }
    ok(inside, "%s: every item inside the box", what);
    ok(whole, "%s: every item whole in its lines at %.1f pt", what, l->size);
    ok(apart, "%s: no two items overlap", what);
    ok(order, "%s: items in reading order", what);
    ok(bullets, "%s: each bullet left of its item", what);
}

int main(void)
{
    struct layout_list_spec sp = {{90, 156, 662, 392}, 14, 6, 1.3, 6, 8, 1.0};
    struct layout_list l;
    char **it;

    font_uniform(&fnt);

    it = make_items(7, 50);
    is_int(layout_list((const char *const *)it, 7, &sp, &M, &l), 0, "7 items: planned");
    ok(l.size == 14 && l.cols == 1 && l.pages == 1, "7 items: one column at 14 pt (%.1f pt, %d)",
       l.size, l.cols);
    check_plan("7 items", it, 7, &sp, &l);
    layout_list_free(&l);
    free_items(it, 7);

    it = make_items(60, 80);
    is_int(layout_list((const char *const *)it, 60, &sp, &M, &l), 0, "60 items of 80: planned");
    ok(l.pages == 1 && l.size < 14 && l.size >= 6, "60 items of 80: one page, smaller (%.1f pt, %d "
                                                   "columns)",
       l.size, l.cols);
    check_plan("60 items of 80", it, 60, &sp, &l);
    layout_list_free(&l);
    free_items(it, 60);

    it = make_items(200, 14);
    is_int(layout_list((const char *const *)it, 200, &sp, &M, &l), 0, "200 short items: planned");
    ok(l.pages == 1 && l.cols > 1, "200 short items: one page, %d columns at %.1f pt", l.cols,
       l.size);
    check_plan("200 short items", it, 200, &sp, &l);
    layout_list_free(&l);
    sp.max_cols = 1;
    is_int(layout_list((const char *const *)it, 200, &sp, &M, &l), 0, "... in one column only");
    ok(l.pages > 1 && l.size == 6, "... continued on %d copies at the floor size", l.pages);
    check_plan("200 short items, one column", it, 200, &sp, &l);
    layout_list_free(&l);
    sp.max_cols = 6;
    free_items(it, 200);

    it = make_items(600, 80);
    is_int(layout_list((const char *const *)it, 600, &sp, &M, &l), 0, "600 items of 80: planned");
    ok(l.pages > 1 && l.pages <= 8 && fabs(l.size - 6) < 1e-9,
       "600 items of 80: %d copies of the box at 6 pt", l.pages);
    check_plan("600 items of 80", it, 600, &sp, &l);
    layout_list_free(&l);
    sp.max_pages = 2;
    is_int(layout_list((const char *const *)it, 600, &sp, &M, &l), 1,
           "... refused when at most 2 copies may be used");
    ok(l.pages > 2 && !l.items, "... saying how many they need (%d)", l.pages);
    sp.max_pages = 8;
    free_items(it, 600);

    {
        const char *huge[] = {NULL};
        struct buf b = BUF_INIT;
        for (int i = 0; i < 9000; i++)
            buf_adds(&b, "long ");
        huge[0] = b.data;
        is_int(layout_list(huge, 1, &sp, &M, &l), 1, "one item taller than the box: refused");
        is_int(l.pages, 0, "... with no number of pages");
        buf_free(&b);
    }
    {
        const char *one[] = {"x"};
        struct layout_list_spec bad = sp;
        bad.max_cols = 0;
        is_int(layout_list(one, 1, &bad, &M, &l), -1, "no columns: an unusable spec");
        bad = sp;
        bad.box.h = 0;
        is_int(layout_list(one, 1, &bad, &M, &l), -1, "an empty box: an unusable spec");
        is_int(layout_list(one, 0, &sp, &M, &l), 0, "no items: nothing to plan");
        is_int(l.pages, 0, "... on no page");
    }
    return tap_done();
}

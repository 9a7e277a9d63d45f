/* Layout: pure computation of where text and signature cells go, with no PDF
 * and no font file: widths come through a measuring callback, so tests can
 * use a fake font. Coordinates are PDF points with the origin at the top
 * left of the page and y growing downward. Thread-safe (no shared state). */
#ifndef LAYOUT_H
#define LAYOUT_H

#include <stddef.h>

#define LAYOUT_MAX_LINES 16
#define LAYOUT_FLOOR_SIZE 6.0 /* below min_size, shrink no further than this */

struct layout_measure {
    /* Width in points of UTF-8 s[0..n) set at `size` points. */
    double (*width)(void *ctx, const char *s, size_t n, double size);
    void *ctx;
};

struct layout_rect {
    double x, y, w, h;
};

struct layout_spec {
    double w, h;     /* the box */
    double size;     /* preferred font size */
    double min_size; /* shrink down to this before wrapping more lines */
    double leading;  /* line height as a multiple of size, e.g. 1.25 */
    int max_lines;   /* 1..LAYOUT_MAX_LINES */
};

/* One line: a byte range of the input text (white space at the break is not
 * part of any line) and its width at the chosen size. */
struct layout_line {
    size_t off, len;
    double width;
    int ellipsis; /* draw "…" after this line: the text was cut here */
};

struct layout_text {
    double size;        /* chosen font size */
    double line_height; /* size * leading */
    size_t n_lines;
    struct layout_line lines[LAYOUT_MAX_LINES];
    int broke_word; /* a word longer than the box was split */
    int truncated;  /* did not fit even at LAYOUT_FLOOR_SIZE: cut, with ellipsis */
};

/* Fit UTF-8 text s[0..n) into the box. Order of preference:
 *  1. one line (or as few lines as "\n" forces) from spec->size down to
 *     spec->min_size;
 *  2. more lines, word-wrapped, up to max_lines, at the largest size from
 *     spec->size to min_size that fits;
 *  3. the same while breaking over-long words between characters;
 *  4. sizes below min_size down to LAYOUT_FLOOR_SIZE;
 *  5. last resort: cut the text, marking the last line with an ellipsis.
 * Every resulting line is at most spec->w wide and n_lines * line_height is at
 * most spec->h. An explicit '\n' always breaks a line. Empty text gives 0
 * lines; so does a box that cannot hold one line, or "…" alone, at the
 * smallest size (truncated is then set). Returns 0, or -1 when the spec is
 * unusable (w or h <= 0, ...). */
int layout_fit(const char *s, size_t n, const struct layout_spec *spec,
               const struct layout_measure *m, struct layout_text *out);

/* Cells for n signatures in `box`: at most per_row to a row, rows balanced
 * (7 with per_row 4 -> 4 + 3), each row centred, cells of equal width (at
 * most box.w / per_row), rows of equal height splitting box.h top-down.
 * Writes n rects to cells (caller's array of n). Returns the number of rows
 * (0 when n is 0). */
size_t layout_signatures(size_t n, struct layout_rect box, int per_row, struct layout_rect *cells);

/* The signature block: one cell per name (a line to sign on, the name under it, an optional
 * label under the name) in a box, at most box.w / LAYOUT_SIGN_MIN_CELL cells to a row. */
#define LAYOUT_SIGN_MIN_CELL 72.0 /* narrowest cell when columns are added, in points */
#define LAYOUT_SIGN_MAX_COLS 16
#define LAYOUT_SIGN_GAP 1.5      /* least room above the line, times the name size */
#define LAYOUT_SIGN_PAD 0.5      /* line to name, times the name size */
#define LAYOUT_SIGN_LINE_AT 0.42 /* where the line goes when there is room: share of a row */
#define LAYOUT_SIGN_LABEL_LEADING 1.2

struct layout_sign_spec {
    struct layout_rect box;
    int per_row;     /* preferred most cells to a row */
    double size;     /* preferred name size */
    double min_size; /* names shrink to this before columns are added */
    double leading;
    int max_lines; /* lines a name may take, 1..LAYOUT_MAX_LINES */
    int has_label;
    double label_size; /* at `size`; scaled with the names, never below 6 pt (or itself) */
};

struct layout_sign_cell {
    struct layout_rect name;  /* fit the name here at `size` (min_size = size, max_lines) */
    struct layout_rect label; /* fit the label here at `label_size`, one line */
    double line_x0, line_x1, line_y;
};

struct layout_sign {
    size_t shown;  /* cells for names[0..shown) */
    size_t others; /* names left out: n - shown; the "and N others" line says so */
    size_t rows, cols;
    double size, label_size;
    struct layout_sign_cell *cells; /* shown entries; free with layout_sign_free */
    struct layout_rect others_box;  /* when others: one line at others_size */
    double others_size;
};

/* Plan n names in spec->box so that every shown name is whole (never cut with "…") and no
 * two things overlap. Order of preference, all names at one size:
 *  1. at most per_row cells to a row, sizes from spec->size down to min_size;
 *  2. more cells to a row (each at least LAYOUT_SIGN_MIN_CELL wide), or fewer for long
 *     names, sizes from spec->size down to LAYOUT_FLOOR_SIZE (or min_size if smaller);
 *  3. the first names that fit, with a last line for "and N others" under them.
 * Room above each line shrinks to LAYOUT_SIGN_GAP * size before anything else gives way.
 * Returns 0 and fills out (free with layout_sign_free), or -1 on an unusable spec. */
int layout_sign(const char *const *names, size_t n, const struct layout_sign_spec *spec,
                const struct layout_measure *m, struct layout_sign *out);
void layout_sign_free(struct layout_sign *s);

/* A list (a course's syllabus): items flowed top-down through columns of a box, each after
 * a bullet and wrapped on word boundaries under its first word, all at one size. */
#define LAYOUT_LIST_MAX_COLS 6
#define LAYOUT_LIST_GAP 0.25     /* room between two items, times the size */
#define LAYOUT_LIST_COL_GAP 2.0  /* room between two columns, times the size */

struct layout_list_spec {
    struct layout_rect box;
    double size, min_size; /* shrink from size down to min_size (never below LAYOUT_FLOOR_SIZE) */
    double leading;
    int max_cols;  /* 1..LAYOUT_LIST_MAX_COLS */
    int max_pages; /* the box may be repeated on this many pages, 1 or more */
    double bullet_w; /* width of the bullet and its space at size 1 */
};

struct layout_list_item {
    int page;          /* which repetition of the box, from 0 */
    double bullet_x;   /* the bullet's left edge; it sits on the first line */
    struct layout_rect text; /* the item's lines */
    int n_lines;
};

struct layout_list {
    double size, line_height;
    int cols, pages;
    struct layout_list_item *items; /* one per item; free with layout_list_free */
};

/* Plan items[0..n) in the box. Order of preference: one page before more; then the
 * largest size, from spec->size down to min_size in half points; then the fewest columns.
 * A word wider than its column is broken between characters. Returns 0 with out filled,
 * 1 when they need more than max_pages boxes even at min_size and max_cols (out->pages
 * then says how many they would need, 0 when one item alone is too tall for the box),
 * or -1 on an unusable spec. */
int layout_list(const char *const *items, size_t n, const struct layout_list_spec *spec,
                const struct layout_measure *m, struct layout_list *out);
void layout_list_free(struct layout_list *l);

#endif

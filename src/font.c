/* TrueType faces through HarfBuzz: coverage and widths for layout, and small
 * per-document subsets for embedding (libharu itself cannot subset well). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>

#include "font.h"
#include "utf8.h"
#include "banned.h"

/* Advances of the first code points, cached at load: Latin, Greek, Cyrillic
 * and general punctuation cover nearly every name; others are looked up. */
#define FONT_CACHE_CPS 0x2100

struct font {
    char *path;
    hb_blob_t *blob;
    hb_face_t *face;
    hb_face_t *prepared;  /* hb_subset_preprocess'd copy: fast repeated subsets */
    /* guards `prepared` and `n_subsets`, and is held for the whole of each
     * subset: HarfBuzz 6.0.0 (Debian 12) fills the table cache of a prepared
     * face without holding its own lock (fixed upstream in 7.2.0), so two
     * threads subsetting one prepared face at once corrupt it */
    pthread_mutex_t lock;
    unsigned n_subsets;
    hb_font_t *hb;
    unsigned upem;
    int notdef_adv;
    double ascent, descent;
    int16_t *adv; /* FONT_CACHE_CPS advances in 1/1000 em; -1: not in the face */
};

static int advance_1000(const struct font *f, uint32_t cp)
{
    hb_codepoint_t gid;
    if (!hb_font_get_nominal_glyph(f->hb, cp, &gid))
        return -1;
    /* libharu keeps widths in 1/1000 em, truncated: measure the same way */
    return (int)((long)hb_font_get_glyph_h_advance(f->hb, gid) * 1000 / (long)f->upem);
}

struct font *font_load(const char *path, int index, char *err, size_t errlen)
{
    return font_open(path, index, 0, err, errlen);
}

struct font *font_open(const char *path, int index, int lazy, char *err, size_t errlen)
{
    struct font *f = xcalloc(1, sizeof(*f));
    unsigned char magic[4] = {0};
    unsigned int blen;
    const char *data;

    pthread_mutex_init(&f->lock, NULL);
    f->path = xstrdup(path);
    f->blob = hb_blob_create_from_file_or_fail(path);
    if (!f->blob) {
        snprintf(err, errlen, "cannot open font '%s': %s", path,
                 errno ? strerror(errno) : "unreadable");
        goto fail;
    }
    data = hb_blob_get_data(f->blob, &blen);
    if (blen >= 4)
        memcpy(magic, data, 4);
    if (!memcmp(magic, "OTTO", 4)) {
        snprintf(err, errlen,
                 "font '%s': CFF (OpenType) outlines are not supported, use a "
                 "TrueType font",
                 path);
        goto fail;
    }
    if (memcmp(magic, "\0\1\0\0", 4) && memcmp(magic, "true", 4) && memcmp(magic, "ttcf", 4)) {
        snprintf(err, errlen, "font '%s': not a TrueType font", path);
        goto fail;
    }
    if (index < 0 || (unsigned)index >= hb_face_count(f->blob)) {
        snprintf(err, errlen, "font '%s': no face %d in the file", path, index);
        goto fail;
    }
    f->face = hb_face_create(f->blob, (unsigned)index);
    f->upem = hb_face_get_upem(f->face);
    if (hb_face_get_glyph_count(f->face) == 0 || f->upem == 0) {
        snprintf(err, errlen, "font '%s': damaged or empty face", path);
        goto fail;
    }
    f->hb = hb_font_create(f->face);
    /* HarfBuzz gives the source face back, unreferenced, when it cannot
     * prepare it: the tables are damaged, and no subset would work either. */
    f->prepared = lazy ? NULL : hb_subset_preprocess(f->face);
    if (f->prepared == f->face) {
        f->prepared = NULL;
        snprintf(err, errlen, "font '%s': damaged (its tables cannot be read)", path);
        goto fail;
    }
    {
        hb_font_extents_t ext;
        hb_font_get_h_extents(f->hb, &ext);
        f->ascent = (double)ext.ascender / f->upem;
        f->descent = -(double)ext.descender / f->upem;
    }
    f->notdef_adv = (int)((long)hb_font_get_glyph_h_advance(f->hb, 0) * 1000 / (long)f->upem);
    if (!lazy) {
        f->adv = xmalloc(FONT_CACHE_CPS * sizeof(*f->adv));
        for (uint32_t cp = 0; cp < FONT_CACHE_CPS; cp++)
            f->adv[cp] = (int16_t)advance_1000(f, cp);
    }
    return f;
fail:
    font_free(f);
    return NULL;
}

void font_free(struct font *f)
{
    if (!f)
        return;
    hb_font_destroy(f->hb);
    hb_face_destroy(f->prepared);
    hb_face_destroy(f->face);
    hb_blob_destroy(f->blob);
    free(f->adv);
    free(f->path);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

const char *font_path(const struct font *f)
{
    return f->path;
}

double font_ascent(const struct font *f)
{
    return f->ascent;
}

double font_descent(const struct font *f)
{
    return f->descent;
}

int font_has(const struct font *f, uint32_t cp)
{
    hb_codepoint_t gid;
    if (f->adv && cp < FONT_CACHE_CPS)
        return f->adv[cp] >= 0;
    return hb_font_get_nominal_glyph(f->hb, cp, &gid);
}

double font_width(const struct font *f, const char *s, size_t n, double size)
{
    long total = 0;
    uint32_t cp;
    size_t k;
    int a;

    while (n) {
        k = utf8_decode(s, n, &cp);
        if (!k) {
            cp = 0xFFFD;
            k = 1;
        }
        a = f->adv && cp < FONT_CACHE_CPS ? f->adv[cp] : advance_1000(f, cp);
        total += a >= 0 ? a : f->notdef_adv;
        s += k;
        n -= k;
    }
    return (double)total * size / 1000.0;
}

int font_style(const struct font *f)
{
    static const char *const serif[] = {"serif", "mincho", "myeongjo", "naskh", "times", "roman"};
    char family[128] = "";
    unsigned len = sizeof(family);
    const char *base = strrchr(f->path, '/');
    int style = 0;

    hb_ot_name_get_utf8(f->face, HB_OT_NAME_ID_FONT_FAMILY, HB_LANGUAGE_INVALID, &len, family);
    for (size_t i = 0; i < sizeof(serif) / sizeof(serif[0]); i++)
        if (strcasestr(family, serif[i]) || strcasestr(base ? base + 1 : f->path, serif[i]))
            style |= FONT_SERIF;
    if (strcasestr(family, "sans"))
        style &= ~FONT_SERIF;
    if (hb_style_get_value(f->hb, HB_STYLE_TAG_WEIGHT) >= 600)
        style |= FONT_BOLD;
    if (hb_style_get_value(f->hb, HB_STYLE_TAG_ITALIC) > 0.5f ||
        hb_style_get_value(f->hb, HB_STYLE_TAG_SLANT_ANGLE) != 0)
        style |= FONT_ITALIC;
    return style;
}

unsigned font_upem(const struct font *f)
{
    return f->upem;
}

struct hb_font_t *font_hb(const struct font *f)
{
    return f->hb;
}

int font_glyph_width(const struct font *f, uint32_t gid)
{
    return (int)((long)hb_font_get_glyph_h_advance(f->hb, gid) * 1000 / (long)f->upem);
}

/* The face to subset from, with f->lock held until subset_end(): a fallback
 * font is prepared only when it is used a second time, so a one-off command
 * does not pay for preparing a large face. */
static hb_face_t *subset_begin(struct font *f)
{
    hb_face_t *src;

    pthread_mutex_lock(&f->lock);
    if (!f->prepared && f->n_subsets > 0) {
        hb_face_t *p = hb_subset_preprocess(f->face);
        if (p != f->face)
            f->prepared = p;
    }
    f->n_subsets++;
    src = f->prepared ? f->prepared : f->face;
    return src;
}

static void subset_end(struct font *f)
{
    pthread_mutex_unlock(&f->lock);
}

static hb_subset_input_t *subset_input(void)
{
    static const hb_tag_t drop[] = {
        HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'),
        HB_TAG('k', 'e', 'r', 'n'), HB_TAG('M', 'A', 'T', 'H'), HB_TAG('F', 'F', 'T', 'M'),
        HB_TAG('D', 'S', 'I', 'G'), HB_TAG('h', 'd', 'm', 'x'), HB_TAG('V', 'D', 'M', 'X'),
        HB_TAG('L', 'T', 'S', 'H'), HB_TAG('g', 'a', 's', 'p'), HB_TAG('f', 'p', 'g', 'm'),
        HB_TAG('p', 'r', 'e', 'p'), HB_TAG('c', 'v', 't', ' '), HB_TAG('m', 'o', 'r', 'x'),
        HB_TAG('J', 'S', 'T', 'F'), HB_TAG('B', 'A', 'S', 'E'), HB_TAG('v', 'h', 'e', 'a'),
        HB_TAG('v', 'm', 't', 'x'), HB_TAG('V', 'O', 'R', 'G'),
    };
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_set_t *set;

    if (!in)
        return NULL;
    set = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        hb_set_add(set, drop[i]);
    /* family, style and PostScript names are all a PDF reader wants */
    set = hb_subset_input_set(in, HB_SUBSET_SETS_NAME_ID);
    hb_set_clear(set);
    hb_set_add(set, 1);
    hb_set_add(set, 2);
    hb_set_add(set, 6);
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING | HB_SUBSET_FLAGS_DESUBROUTINIZE);
    return in;
}

static int blob_out(hb_face_t *face, const struct font *f, struct buf *out, char *err,
                    size_t errlen)
{
    hb_blob_t *blob = hb_face_reference_blob(face);
    unsigned int len;
    const char *data = hb_blob_get_data(blob, &len);
    int rc = 0;

    if (!len) {
        snprintf(err, errlen, "font '%s': empty subset", f->path);
        rc = -1;
    } else {
        buf_add(out, data, len);
    }
    hb_blob_destroy(blob);
    return rc;
}

int font_subset(struct font *f, const uint32_t *cps, size_t n, struct buf *out, char *err,
                size_t errlen)
{
    hb_subset_input_t *in = subset_input();
    hb_face_t *sub = NULL;
    hb_set_t *set;
    int rc = -1;

    if (!in) {
        snprintf(err, errlen, "font '%s': cannot subset: out of memory", f->path);
        return -1;
    }
    set = hb_subset_input_unicode_set(in);
    for (size_t i = 0; i < n; i++)
        hb_set_add(set, cps[i]);
    sub = hb_subset_or_fail(subset_begin(f), in);
    subset_end(f);
    if (!sub) {
        snprintf(err, errlen, "font '%s': cannot subset", f->path);
        goto out;
    }
    rc = blob_out(sub, f, out, err, errlen);
out:
    hb_face_destroy(sub);
    hb_subset_input_destroy(in);
    return rc;
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

struct code_gid {
    uint32_t code, gid;
};

static int cmp_code(const void *a, const void *b)
{
    const struct code_gid *x = a, *y = b;
    return x->code < y->code ? -1 : x->code > y->code;
}

/* A cmap table with one (3,1) format 4 subtable mapping each code to its glyph. */
static hb_blob_t *make_cmap(struct code_gid *m, size_t n)
{
    size_t segs = 1, len, at;
    unsigned char *t;
    unsigned sr = 1, es = 0;

    qsort(m, n, sizeof(*m), cmp_code);
    for (size_t i = 1; i < n; i++)
        segs += !(m[i].code == m[i - 1].code + 1 && m[i].gid == m[i - 1].gid + 1);
    if (!n)
        segs = 0;
    segs++; /* the closing 0xFFFF segment */
    while (sr * 2 <= segs)
        sr *= 2, es++;
    len = 16 + segs * 8;
    t = xcalloc(1, 12 + len);
    put16(t + 2, 1);  /* one subtable */
    put16(t + 4, 3);  /* Windows */
    put16(t + 6, 1);  /* Unicode BMP */
    t[11] = 12;       /* at offset 12 */
    put16(t + 12, 4); /* format 4 */
    put16(t + 14, (unsigned)len);
    put16(t + 18, (unsigned)segs * 2);
    put16(t + 20, sr * 2);
    put16(t + 22, es);
    put16(t + 24, (unsigned)(segs * 2 - sr * 2));
    at = 0;
    for (size_t i = 0; i < n; at++) {
        size_t j = i + 1;
        while (j < n && m[j].code == m[j - 1].code + 1 && m[j].gid == m[j - 1].gid + 1)
            j++;
        put16(t + 26 + at * 2, m[j - 1].code);                              /* endCode */
        put16(t + 28 + segs * 2 + at * 2, m[i].code);                       /* startCode */
        put16(t + 28 + segs * 4 + at * 2, (m[i].gid - m[i].code) & 0xFFFF); /* idDelta */
        i = j;
    }
    put16(t + 26 + at * 2, 0xFFFF);
    put16(t + 28 + segs * 2 + at * 2, 0xFFFF);
    put16(t + 28 + segs * 4 + at * 2, 1);
    return hb_blob_create((const char *)t, (unsigned)(12 + len), HB_MEMORY_MODE_READONLY, t, free);
}

int font_subset_glyphs(struct font *f, const uint32_t *gids, const uint32_t *codes, size_t n,
                       struct buf *out, char *err, size_t errlen)
{
    hb_subset_input_t *in = subset_input();
    hb_subset_plan_t *plan = NULL;
    hb_face_t *sub = NULL, *built = NULL, *flat = NULL;
    hb_blob_t *sub_blob = NULL;
    struct code_gid *m = NULL;
    const hb_map_t *map;
    hb_tag_t tags[64];
    unsigned count = 64;
    hb_set_t *set;
    int rc = -1;

    if (!in) {
        snprintf(err, errlen, "font '%s': cannot subset: out of memory", f->path);
        return -1;
    }
    set = hb_subset_input_glyph_set(in);
    for (size_t i = 0; i < n; i++)
        hb_set_add(set, gids[i]);
    hb_set_clear(hb_subset_input_unicode_set(in));
    plan = hb_subset_plan_create_or_fail(subset_begin(f), in);
    sub = plan ? hb_subset_plan_execute_or_fail(plan) : NULL;
    subset_end(f);
    if (!sub) {
        snprintf(err, errlen, "font '%s': cannot subset", f->path);
        goto out;
    }
    map = hb_subset_plan_old_to_new_glyph_mapping(plan);
    m = xmalloc((n ? n : 1) * sizeof(*m));
    for (size_t i = 0; i < n; i++) {
        m[i].code = codes[i];
        m[i].gid = hb_map_get(map, gids[i]);
        if (m[i].gid == HB_MAP_VALUE_INVALID)
            m[i].gid = 0;
    }
    /* the subset is a builder face, which cannot list its tables: read it back */
    sub_blob = hb_face_reference_blob(sub);
    flat = hb_face_create(sub_blob, 0);
    built = hb_face_builder_create();
    hb_face_get_table_tags(flat, 0, &count, tags);
    for (unsigned i = 0; i < count; i++) {
        hb_blob_t *t;
        if (tags[i] == HB_TAG('c', 'm', 'a', 'p'))
            continue;
        t = hb_face_reference_table(flat, tags[i]);
        hb_face_builder_add_table(built, tags[i], t);
        hb_blob_destroy(t);
    }
    {
        hb_blob_t *cmap = make_cmap(m, n);
        hb_face_builder_add_table(built, HB_TAG('c', 'm', 'a', 'p'), cmap);
        hb_blob_destroy(cmap);
    }
    rc = blob_out(built, f, out, err, errlen);
out:
    free(m);
    hb_face_destroy(built);
    hb_face_destroy(flat);
    hb_blob_destroy(sub_blob);
    hb_face_destroy(sub);
    hb_subset_plan_destroy(plan);
    hb_subset_input_destroy(in);
    return rc;
}

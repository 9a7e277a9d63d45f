/* TrueType faces through HarfBuzz: coverage and widths for layout, and small
 * per-document subsets for embedding (libharu itself cannot subset well). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hb.h>
#include <hb-subset.h>

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
    hb_face_t *prepared; /* hb_subset_preprocess'd copy: fast repeated subsets */
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
    struct font *f = xcalloc(1, sizeof(*f));
    unsigned char magic[4] = {0};
    unsigned int blen;
    const char *data;

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
    f->prepared = hb_subset_preprocess(f->face);
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
    f->adv = xmalloc(FONT_CACHE_CPS * sizeof(*f->adv));
    for (uint32_t cp = 0; cp < FONT_CACHE_CPS; cp++)
        f->adv[cp] = (int16_t)advance_1000(f, cp);
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
    if (cp < FONT_CACHE_CPS)
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
        a = cp < FONT_CACHE_CPS ? f->adv[cp] : advance_1000(f, cp);
        total += a >= 0 ? a : f->notdef_adv;
        s += k;
        n -= k;
    }
    return (double)total * size / 1000.0;
}

int font_subset(const struct font *f, const uint32_t *cps, size_t n, struct buf *out, char *err,
                size_t errlen)
{
    static const hb_tag_t drop[] = {
        HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'),
        HB_TAG('k', 'e', 'r', 'n'), HB_TAG('M', 'A', 'T', 'H'), HB_TAG('F', 'F', 'T', 'M'),
        HB_TAG('D', 'S', 'I', 'G'), HB_TAG('h', 'd', 'm', 'x'), HB_TAG('V', 'D', 'M', 'X'),
        HB_TAG('L', 'T', 'S', 'H'), HB_TAG('g', 'a', 's', 'p'), HB_TAG('f', 'p', 'g', 'm'),
        HB_TAG('p', 'r', 'e', 'p'), HB_TAG('c', 'v', 't', ' '),
    };
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_face_t *sub = NULL;
    hb_blob_t *blob = NULL;
    hb_set_t *set;
    const char *data;
    unsigned int len;
    int rc = -1;

    if (!in) {
        snprintf(err, errlen, "font '%s': cannot subset: out of memory", f->path);
        return -1;
    }
    set = hb_subset_input_unicode_set(in);
    for (size_t i = 0; i < n; i++)
        hb_set_add(set, cps[i]);
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
    sub = hb_subset_or_fail(f->prepared, in);
    if (!sub) {
        snprintf(err, errlen, "font '%s': cannot subset", f->path);
        goto out;
    }
    blob = hb_face_reference_blob(sub);
    data = hb_blob_get_data(blob, &len);
    if (!len) {
        snprintf(err, errlen, "font '%s': empty subset", f->path);
        goto out;
    }
    buf_add(out, data, len);
    rc = 0;
out:
    hb_blob_destroy(blob);
    hb_face_destroy(sub);
    hb_subset_input_destroy(in);
    return rc;
}

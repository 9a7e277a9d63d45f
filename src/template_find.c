/* Font and image files named by a template: look each up (absolute, beside the
 * template, in the fonts folder) and check that it holds what its name promises. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "template_int.h"
#include "banned.h"

static char *join_path(const char *dir, const char *name)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(dir);
    buf_adds(&b, dir);
    if (n > 0 && dir[n - 1] != '/')
        buf_addc(&b, '/');
    buf_adds(&b, name);
    return buf_detach(&b, NULL);
}

/* Do a and b name the same existing folder? */
static int same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    return b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* name as an absolute path, else in the template's folder, else in its sibling
 * folder sib (a tenant's templates/ has images/ and fonts/ beside it), else in
 * alt_dir: the path found (caller frees), or NULL. */
static char *find_file(const struct tpl_loader *ld, const char *name, const char *sib,
                       const char *alt_dir)
{
    struct stat st;
    struct buf d = BUF_INIT;
    char *p;
    if (name[0] == '/')
        return stat(name, &st) == 0 ? xstrdup(name) : NULL;
    p = join_path(ld->dir, name);
    if (stat(p, &st) == 0)
        return p;
    free(p);
    buf_addf(&d, "%s../%s", *ld->dir ? ld->dir : "./", sib);
    if (!same_dir(d.data, alt_dir)) {
        p = join_path(d.data, name);
        if (stat(p, &st) == 0) {
            buf_free(&d);
            return p;
        }
        free(p);
    }
    buf_free(&d);
    if (alt_dir && *alt_dir) {
        p = join_path(alt_dir, name);
        if (stat(p, &st) == 0)
            return p;
        free(p);
    }
    return NULL;
}

/* The first bytes of a regular file: their count, or -1 (reported). */
static long read_head(struct tpl_loader *ld, const char *at, const char *file, unsigned char *head,
                      size_t n)
{
    struct stat st;
    FILE *f;
    size_t got;
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        tpl_fail_at(ld, at, "'%s' is not a regular file", file);
        return -1;
    }
    f = fopen(file, "rb");
    if (!f) {
        tpl_fail_at(ld, at, "cannot open '%s': %s", file, strerror(errno));
        return -1;
    }
    got = fread(head, 1, n, f);
    fclose(f);
    return (long)got;
}

/* Find and check a font file; the resolved path, or NULL (reported). */
char *tpl_find_font(struct tpl_loader *ld, const char *at, const char *name, int index)
{
    unsigned char h[12];
    char *path = NULL;
    long n;
    unsigned long count;

    if (!*name) {
        tpl_fail_at(ld, at, "empty font file name");
        goto fail;
    }
    path = find_file(ld, name, "fonts", ld->fonts_dir);
    if (!path) {
        if (name[0] == '/')
            tpl_fail_at(ld, at, "font file '%s' not found", name);
        else if (ld->fonts_dir && *ld->fonts_dir)
            tpl_fail_at(ld, at, "font file '%s' not found (looked in '%s' and '%s')", name,
                        *ld->dir ? ld->dir : "./", ld->fonts_dir);
        else
            tpl_fail_at(ld, at, "font file '%s' not found (looked in '%s')", name,
                        *ld->dir ? ld->dir : "./");
        goto fail;
    }
    if ((n = read_head(ld, at, path, h, sizeof(h))) < 0)
        goto fail;
    if (n >= 4 && memcmp(h, "OTTO", 4) == 0) {
        tpl_fail_at(ld, at,
                    "'%s': CFF/OpenType fonts are not supported by libharu; use a TrueType font",
                    name);
        goto fail;
    }
    if (n >= 4 && memcmp(h, "ttcf", 4) == 0) {
        count = n >= 12 ? (unsigned long)h[8] << 24 | (unsigned long)h[9] << 16 |
                              (unsigned long)h[10] << 8 | h[11]
                        : 0;
        if (n >= 12 && (unsigned long)index >= count) {
            tpl_fail_at(ld, at, "font index %d out of range: '%s' holds %lu fonts", index, name,
                        count);
            goto fail;
        }
        return path;
    }
    if (n >= 4 && (memcmp(h, "\0\1\0\0", 4) == 0 || memcmp(h, "true", 4) == 0)) {
        if (index != 0) {
            tpl_fail_at(ld, at, "font index %d given but '%s' is not a collection (.ttc)", index,
                        name);
            goto fail;
        }
        return path;
    }
    tpl_fail_at(ld, at, "'%s' is not a TrueType font (.ttf or .ttc)", name);
fail:
    free(path);
    return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Find and check a PNG or JPEG; the resolved path, or NULL (reported). */
char *tpl_find_image(struct tpl_loader *ld, const char *at, const char *name)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char jpeg[3] = {0xff, 0xd8, 0xff};
    unsigned char h[8];
    int is_png = ends_with(name, ".png");
    char *path = NULL;
    long n;

    if (!is_png && !ends_with(name, ".jpg") && !ends_with(name, ".jpeg")) {
        tpl_fail_at(ld, at, "'%s' is not a PNG or JPEG file name (.png, .jpg or .jpeg)", name);
        goto fail;
    }
    path = find_file(ld, name, "images", NULL);
    if (!path) {
        tpl_fail_at(ld, at, "image file '%s' not found", name);
        goto fail;
    }
    if ((n = read_head(ld, at, path, h, sizeof(h))) < 0)
        goto fail;
    if (is_png && (n < 8 || memcmp(h, png, 8) != 0)) {
        tpl_fail_at(ld, at, "'%s' is not a PNG image", name);
        goto fail;
    }
    if (!is_png && (n < 3 || memcmp(h, jpeg, 3) != 0)) {
        tpl_fail_at(ld, at, "'%s' is not a JPEG image", name);
        goto fail;
    }
    return path;
fail:
    free(path);
    return NULL;
}

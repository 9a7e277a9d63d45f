/* The process-wide image cache: files decoded once (PNG through libpng's
 * simplified reader, JPEG headers read here), deflated once, found again by
 * path and checked against the file's identity, modification time and size;
 * the least recently used are dropped past the byte bound. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <png.h>
#include <zlib.h>

#include "buf.h"
#include "image.h"
#include "banned.h"

#define BUCKETS 256
#define MAX_FILE (64u * 1024u * 1024u)

struct entry {
    struct image im; /* first: a const struct image * is a struct entry * */
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    size_t cost;
    unsigned refs; /* holders: image_get callers */
    int cached;    /* in the table and the LRU list */
    struct entry *hnext, *prev, *next;
    unsigned char *data, *alpha;
    struct flat *flats; /* the colour plane flattened onto each backdrop asked for */
};

struct flat {
    struct flat *next;
    unsigned char bg[3];
    unsigned char *data;
    size_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *table[BUCKETS];
static struct entry *lru_head, *lru_tail; /* most recently used first */
static size_t max_bytes = IMAGE_CACHE_BYTES, n_bytes, n_entries, n_decodes, n_hits, n_flattens;

static unsigned bucket(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

static void entry_free(struct entry *e)
{
    for (struct flat *f = e->flats, *next; f; f = next) {
        next = f->next;
        free(f->data);
        free(f);
    }
    free(e->path);
    free(e->data);
    free(e->alpha);
    free(e);
}

/* Deflate n bytes into a malloc'd buffer. */
static unsigned char *deflate_all(const unsigned char *in, size_t n, size_t *out_len)
{
    uLongf len = compressBound((uLong)n);
    unsigned char *out = xmalloc(len);
    if (compress2(out, &len, in, (uLong)n, 9) != Z_OK) {
        free(out);
        return NULL;
    }
    *out_len = len;
    return out;
}

/* A PNG as 8-bit gray or RGB samples and, unless every pixel is opaque, an alpha plane.
 * The one place pixels are made: a change to them (flattening alpha) belongs here. */
static int decode_png(struct entry *e, const unsigned char *bytes, size_t n, char *err,
                      size_t errlen)
{
    png_image pi;
    unsigned char *px = NULL, *col = NULL, *alp = NULL;
    size_t npx, ch, opaque = 1;
    int rc = -1;

    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&pi, bytes, n)) {
        snprintf(err, errlen, "not a readable PNG (%s)", pi.message);
        return -1;
    }
    if ((size_t)pi.width * pi.height > IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "%ux%u pixels, more than the %u million an image may have",
                 pi.width, pi.height, IMAGE_MAX_PIXELS / 1000000);
        png_image_free(&pi);
        return -1;
    }
    pi.format &= PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA; /* 8-bit sRGB, no colour map */
    npx = (size_t)pi.width * pi.height;
    ch = PNG_IMAGE_SAMPLE_CHANNELS(pi.format);
    px = xmalloc(PNG_IMAGE_SIZE(pi));
    if (!png_image_finish_read(&pi, NULL, px, 0, NULL)) {
        snprintf(err, errlen, "not a readable PNG (%s)", pi.message);
        goto out;
    }
    e->im.w = pi.width;
    e->im.h = pi.height;
    e->im.comps = pi.format & PNG_FORMAT_FLAG_COLOR ? 3 : 1;
    if (pi.format & PNG_FORMAT_FLAG_ALPHA) {
        size_t c = (size_t)e->im.comps;
        col = xmalloc(npx * c);
        alp = xmalloc(npx);
        for (size_t i = 0; i < npx; i++) {
            memcpy(col + i * c, px + i * ch, c);
            alp[i] = px[i * ch + c];
            opaque &= alp[i] == 0xFF;
        }
    }
    e->data = deflate_all(col ? col : px, npx * (size_t)e->im.comps, &e->im.len);
    if (e->data && !opaque)
        e->alpha = deflate_all(alp, npx, &e->im.alpha_len);
    if (!e->data || (!opaque && !e->alpha)) {
        snprintf(err, errlen, "cannot compress its pixels");
        goto out;
    }
    e->im.kind = IMAGE_FLATE;
    rc = 0;
out:
    free(px);
    free(col);
    free(alp);
    return rc;
}

/* A JPEG's size and components from its first frame header; the bytes stay as they are. */
static int decode_jpeg(struct entry *e, const unsigned char *b, size_t n, char *err,
                       size_t errlen)
{
    size_t i = 2;
    while (i + 4 <= n) {
        unsigned m, len;
        if (b[i] != 0xFF) {
            snprintf(err, errlen, "not a readable JPEG (no marker at byte %zu)", i);
            return -1;
        }
        m = b[i + 1];
        if (m == 0xFF || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* fill byte, no length */
            i += m == 0xFF ? 1 : 2;
            continue;
        }
        len = (unsigned)b[i + 2] << 8 | b[i + 3];
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (len < 8 || i + 2 + len > n)
                break;
            e->im.h = (unsigned)b[i + 5] << 8 | b[i + 6];
            e->im.w = (unsigned)b[i + 7] << 8 | b[i + 8];
            e->im.comps = b[i + 9];
            if (b[i + 4] != 8 || !e->im.w || !e->im.h ||
                (e->im.comps != 1 && e->im.comps != 3 && e->im.comps != 4)) {
                snprintf(err, errlen, "a JPEG of %d components of %d bits (use 8-bit gray, RGB or CMYK)",
                         e->im.comps, b[i + 4]);
                return -1;
            }
            if ((size_t)e->im.w * e->im.h > IMAGE_MAX_PIXELS) {
                snprintf(err, errlen, "%ux%u pixels, more than the %u million an image may have",
                         e->im.w, e->im.h, IMAGE_MAX_PIXELS / 1000000);
                return -1;
            }
            e->data = xmalloc(n);
            memcpy(e->data, b, n);
            e->im.len = n;
            e->im.kind = IMAGE_JPEG;
            return 0;
        }
        if (m == 0xD9 || m == 0xDA || len < 2)
            break;
        i += 2 + len;
    }
    snprintf(err, errlen, "not a readable JPEG (no frame header)");
    return -1;
}

static struct entry *decode(const char *name, const unsigned char *b, size_t n, char *err,
                            size_t errlen)
{
    struct entry *e = xcalloc(1, sizeof(*e));
    char why[256] = "";
    int rc;

    if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
        rc = decode_png(e, b, n, why, sizeof(why));
    else if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        rc = decode_jpeg(e, b, n, why, sizeof(why));
    else
        rc = -1, snprintf(why, sizeof(why), "not a PNG or JPEG file");
    if (rc < 0) {
        snprintf(err, errlen, "image '%s': %s", name, why);
        entry_free(e);
        return NULL;
    }
    e->im.data = e->data;
    e->im.alpha = e->alpha;
    e->path = xstrdup(name);
    e->cost = sizeof(*e) + e->im.len + e->im.alpha_len + strlen(name);
    e->refs = 1;
    return e;
}

const struct image *image_decode(const char *name, const unsigned char *bytes, size_t n,
                                 char *err, size_t errlen)
{
    struct entry *e = decode(name, bytes, n, err, errlen);
    return e ? &e->im : NULL;
}

/* Callers hold the lock. */
static void lru_unlink(struct entry *e)
{
    *(e->prev ? &e->prev->next : &lru_head) = e->next;
    *(e->next ? &e->next->prev : &lru_tail) = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct entry *e)
{
    e->next = lru_head;
    e->prev = NULL;
    *(lru_head ? &lru_head->prev : &lru_tail) = e;
    lru_head = e;
}

static void uncache(struct entry *e)
{
    struct entry **pp = &table[bucket(e->path)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(e);
    e->cached = 0;
    n_bytes -= e->cost;
    n_entries--;
    if (!e->refs)
        entry_free(e);
}

static struct entry *find(const char *path)
{
    for (struct entry *e = table[bucket(path)]; e; e = e->hnext)
        if (!strcmp(e->path, path))
            return e;
    return NULL;
}

static int same_file(const struct entry *e, const struct stat *st)
{
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* The whole file, at most MAX_FILE bytes, and its identity. */
static unsigned char *read_file(const char *path, struct stat *st, size_t *len, char *err,
                                size_t errlen)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = NULL;

    if (!f || fstat(fileno(f), st) != 0) {
        snprintf(err, errlen, "image '%s': cannot open it: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st->st_mode) || (uintmax_t)st->st_size > MAX_FILE) {
        snprintf(err, errlen, "image '%s': %s", path,
                 S_ISREG(st->st_mode) ? "larger than 64 MB" : "not a regular file");
        goto fail;
    }
    *len = (size_t)st->st_size;
    b = xmalloc(*len + 1);
    if (fread(b, 1, *len, f) != *len) {
        snprintf(err, errlen, "image '%s': cannot read it: %s", path,
                 ferror(f) ? strerror(errno) : "shorter than its size");
        goto fail;
    }
    fclose(f);
    return b;
fail:
    free(b);
    if (f)
        fclose(f);
    return NULL;
}

const struct image *image_get(const char *path, char *err, size_t errlen)
{
    struct stat st;
    struct entry *e, *old;
    unsigned char *bytes;
    size_t len;

    if (stat(path, &st) == 0) {
        pthread_mutex_lock(&lock);
        e = find(path);
        if (e && same_file(e, &st)) {
            e->refs++;
            n_hits++;
            lru_unlink(e);
            lru_push(e);
            pthread_mutex_unlock(&lock);
            return &e->im;
        }
        pthread_mutex_unlock(&lock);
    }
    /* decode outside the lock: other threads' hits do not wait for it */
    if (!(bytes = read_file(path, &st, &len, err, errlen)))
        return NULL;
    e = decode(path, bytes, len, err, errlen);
    free(bytes);
    if (!e)
        return NULL;
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->size = st.st_size;
    e->mtime = st.st_mtim;

    pthread_mutex_lock(&lock);
    n_decodes++;
    if ((old = find(path)))
        uncache(old);
    if (e->cost <= max_bytes) {
        unsigned b = bucket(path);
        e->hnext = table[b];
        table[b] = e;
        lru_push(e);
        e->cached = 1;
        n_bytes += e->cost;
        n_entries++;
        while (n_bytes > max_bytes && lru_tail != e)
            uncache(lru_tail);
    }
    pthread_mutex_unlock(&lock);
    return &e->im;
}

void image_release(const struct image *im)
{
    struct entry *e = (struct entry *)im;
    if (!e)
        return;
    pthread_mutex_lock(&lock);
    if (--e->refs == 0 && !e->cached)
        entry_free(e);
    pthread_mutex_unlock(&lock);
}

void image_stats(struct image_stats *out)
{
    pthread_mutex_lock(&lock);
    out->decodes = n_decodes;
    out->hits = n_hits;
    out->flattens = n_flattens;
    out->entries = n_entries;
    out->bytes = n_bytes;
    pthread_mutex_unlock(&lock);
}

void image_cache_reset(size_t bound)
{
    pthread_mutex_lock(&lock);
    while (lru_head)
        uncache(lru_head);
    max_bytes = bound ? bound : IMAGE_CACHE_BYTES;
    n_decodes = n_hits = n_flattens = 0;
    pthread_mutex_unlock(&lock);
}

/* The colour plane of e blended onto bg by its alpha plane, deflated into *f. */
static int flatten(const struct entry *e, const unsigned char bg[3], struct flat *f)
{
    const struct image *im = &e->im;
    size_t n = (size_t)im->w * im->h;
    uLongf clen = (uLongf)(n * (size_t)im->comps), alen = (uLongf)n;
    unsigned char *col = xmalloc(clen ? clen : 1), *a = xmalloc(n ? n : 1), *rgb;
    int rc = -1;

    rgb = xmalloc(n ? n * 3 : 1);
    if ((im->comps != 1 && im->comps != 3) ||
        uncompress(col, &clen, im->data, (uLong)im->len) != Z_OK ||
        clen != n * (size_t)im->comps ||
        uncompress(a, &alen, im->alpha, (uLong)im->alpha_len) != Z_OK || alen != n)
        goto out;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 3; k++) {
            unsigned c = col[i * (size_t)im->comps + (im->comps == 3 ? k : 0)];
            rgb[i * 3 + k] = (unsigned char)((c * a[i] + bg[k] * (255u - a[i]) + 127) / 255);
        }
    if ((f->data = deflate_all(rgb, n * 3, &f->len)))
        rc = 0;
out:
    free(col);
    free(a);
    free(rgb);
    return rc;
}

const unsigned char *image_flat(const struct image *im, const unsigned char bg[3], size_t *len)
{
    struct entry *e = (struct entry *)im;
    struct flat *f, *mine;

    if (!im->alpha)
        return NULL;
    pthread_mutex_lock(&lock);
    for (f = e->flats; f && memcmp(f->bg, bg, 3); f = f->next)
        ;
    pthread_mutex_unlock(&lock);
    if (f) {
        *len = f->len;
        return f->data;
    }
    /* blend outside the lock; a thread that blended the same backdrop meanwhile wins */
    mine = xcalloc(1, sizeof(*mine));
    memcpy(mine->bg, bg, 3);
    if (flatten(e, bg, mine) < 0) {
        free(mine);
        return NULL;
    }
    pthread_mutex_lock(&lock);
    for (f = e->flats; f && memcmp(f->bg, bg, 3); f = f->next)
        ;
    if (!f) {
        f = mine, mine = NULL;
        f->next = e->flats;
        e->flats = f;
        e->cost += sizeof(*f) + f->len;
        n_flattens++;
        if (e->cached) {
            n_bytes += sizeof(*f) + f->len;
            while (n_bytes > max_bytes && lru_tail && lru_tail != e)
                uncache(lru_tail);
        }
    }
    pthread_mutex_unlock(&lock);
    if (mine) {
        free(mine->data);
        free(mine);
    }
    *len = f->len;
    return f->data;
}

/* Images read once per process. A PNG is decoded into its colour plane and
 * its alpha plane (none when every pixel is opaque), each deflated once; a
 * JPEG is kept as its file's bytes with the size read from its header. The
 * results sit in a bounded cache keyed by the file's path, modification time
 * and size, so every certificate that draws the same logo or signature reuses
 * them and a changed file is read again. The pdf module writes the ready
 * streams into each document. Thread safety: every function may be called
 * from any thread. */
#ifndef IMAGE_H
#define IMAGE_H

#include <stddef.h>

#define IMAGE_MAX_PIXELS (20u * 1000u * 1000u)     /* larger images are refused */
#define IMAGE_CACHE_BYTES (32u * 1024u * 1024u)    /* default bound of the cache */

enum image_kind {
    IMAGE_FLATE, /* data is deflated 8-bit samples, row after row */
    IMAGE_JPEG,  /* data is the JPEG file (DCTDecode) */
};

struct image {
    enum image_kind kind;
    unsigned w, h;
    int comps;                /* 1 gray, 3 RGB, 4 CMYK (JPEG only) */
    const unsigned char *data; /* the colour samples */
    size_t len;
    const unsigned char *alpha; /* IMAGE_FLATE: the deflated alpha plane, or NULL (opaque) */
    size_t alpha_len;
};

/* The image in the file at path: from the cache when the file's
 * modification time and size are those it was read with, else read and
 * decoded now. Hold it until image_release. NULL with err naming the file
 * ("image 'x.png': not a PNG or JPEG file"). */
const struct image *image_get(const char *path, char *err, size_t errlen);
void image_release(const struct image *im);

/* The colour plane of a held image with an alpha plane, blended onto the
 * backdrop colour bg (8-bit RGB) as viewers blend a soft mask over
 * DeviceRGB, as deflated RGB samples: what PDF/A-1b, which allows no
 * transparency, embeds instead. Made once per image and backdrop and kept
 * with the image: valid until im is released. NULL when im is opaque or its
 * planes do not inflate. */
const unsigned char *image_flat(const struct image *im, const unsigned char bg[3], size_t *len);

/* Decode PNG or JPEG bytes without the cache (what image_get does on a
 * miss). Free the result with image_release. NULL with err naming `name`. */
const struct image *image_decode(const char *name, const unsigned char *bytes, size_t n,
                                 char *err, size_t errlen);

/* Counters of the process-wide cache, for tests and the benchmark. */
struct image_stats {
    size_t decodes; /* files read and decoded */
    size_t hits;    /* image_get answered from the cache */
    size_t flattens; /* colour planes blended onto a backdrop (image_flat) */
    size_t entries, bytes;
};
void image_stats(struct image_stats *out);

/* Set the cache's bound in bytes (0: the default) and empty it; images in use stay
 * valid until released. */
void image_cache_reset(size_t max_bytes);

#endif

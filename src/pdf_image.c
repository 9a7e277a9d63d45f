/* Images in a document: each file comes from the process-wide image cache
 * (read, decoded and deflated once per process) and becomes an image XObject
 * whose stream is written as it is, with a soft mask for PNG transparency;
 * a file drawn several times in one document is one XObject. PDF/A-1b allows
 * no transparency: there an image with an alpha plane is drawn flattened
 * onto the page's backdrop instead, as the image cache blends it once per
 * backdrop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>

#include "image.h"
#include "pdf_int.h"
#include "banned.h"

/* The stream holds deflated bytes that libharu must not compress again: its filter stays
 * "none" and the Filter key is written here. */
static HPDF_STATUS flate_key(HPDF_Dict d, HPDF_Stream s)
{
    (void)d;
    return HPDF_Stream_WriteStr(s, "/Filter /FlateDecode\012");
}

static HPDF_Dict xobject(struct pdf *p, const struct image *im, int comps,
                         const unsigned char *data, size_t len)
{
    static const char *const spaces[] = {"DeviceGray", "DeviceGray", "DeviceGray", "DeviceRGB",
                                         "DeviceCMYK"};
    HPDF_Dict x = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref);
    HPDF_STATUS st = HPDF_OK;

    if (!x)
        return NULL;
    x->header.obj_class |= HPDF_OSUBCLASS_XOBJECT;
    st |= HPDF_Dict_AddName(x, "Type", "XObject");
    st |= HPDF_Dict_AddName(x, "Subtype", "Image");
    st |= HPDF_Dict_AddName(x, "ColorSpace", spaces[comps]);
    st |= HPDF_Dict_AddNumber(x, "Width", (HPDF_INT32)im->w);
    st |= HPDF_Dict_AddNumber(x, "Height", (HPDF_INT32)im->h);
    st |= HPDF_Dict_AddNumber(x, "BitsPerComponent", 8);
    if (comps == 4) { /* as libharu does: CMYK JPEGs (Adobe's) are stored inverted */
        HPDF_Array a = HPDF_Array_New(p->doc->mmgr);
        st |= a ? HPDF_Dict_Add(x, "Decode", a) : HPDF_FAILD_TO_ALLOC_MEM;
        for (int i = 0; a && i < 8; i++)
            st |= HPDF_Array_AddNumber(a, (i + 1) % 2);
    }
    st |= HPDF_Stream_Write(x->stream, data, (HPDF_UINT)len);
    if (im->kind == IMAGE_JPEG) {
        x->filter = HPDF_STREAM_FILTER_DCT_DECODE;
    } else {
        x->filter = HPDF_STREAM_FILTER_NONE;
        x->write_fn = flate_key;
    }
    return st == HPDF_OK ? x : NULL;
}

/* The document's XObject of the image file at path, made on its first use
 * (under PDF/A, on its first use over each backdrop). */
static struct pdf_image_use *load_image(struct pdf *p, const char *path, char *err, size_t errlen)
{
    const struct image *im;
    struct pdf_image_use *u;
    HPDF_Dict img, mask = NULL;
    char tmp[64];

    const unsigned char *flat = NULL;
    size_t flat_len = 0;
    int flattening;

    for (size_t i = 0; i < p->n_images; i++)
        if (!strcmp(p->images[i].path, path) &&
            (!p->images[i].flat || !memcmp(&p->images[i].bg, &p->backdrop, sizeof(p->backdrop))))
            return &p->images[i];
    if (!(im = image_get(path, err, errlen)))
        return NULL;
    flattening = p->pdfa && im->alpha;
    if (flattening) {
        unsigned char bg[3] = {(unsigned char)(p->backdrop.r * 255 + 0.5f),
                               (unsigned char)(p->backdrop.g * 255 + 0.5f),
                               (unsigned char)(p->backdrop.b * 255 + 0.5f)};
        flat = image_flat(im, bg, &flat_len);
    }
    if (flattening && !flat) {
        snprintf(err, errlen, "image '%s': cannot flatten its transparency", path);
        image_release(im);
        return NULL;
    }
    img = flattening ? xobject(p, im, 3, flat, flat_len)
                     : xobject(p, im, im->comps, im->data, im->len);
    if (img && im->alpha && !flattening && (mask = xobject(p, im, 1, im->alpha, im->alpha_len)))
        HPDF_Dict_Add(img, "SMask", mask);
    if (!img || (im->alpha && !flattening && !mask) || p->error) {
        snprintf(err, errlen, "image '%s': cannot add it to the PDF: %s", path,
                 pdf_status_text(p, tmp, sizeof(tmp)));
        image_release(im);
        return NULL;
    }
    p->images = xrealloc(p->images, (p->n_images + 1) * sizeof(*p->images));
    u = &p->images[p->n_images++];
    u->path = xstrdup(path);
    u->img = img;
    u->w = im->w;
    u->h = im->h;
    u->flat = flattening;
    u->bg = p->backdrop;
    image_release(im); /* the document holds its own copy of the bytes */
    return u;
}

void pdf_images_free(struct pdf *p)
{
    for (size_t i = 0; i < p->n_images; i++)
        free(p->images[i].path);
    free(p->images);
    p->images = NULL;
    p->n_images = 0;
}

int pdf_image(struct pdf *p, const char *path, double x, double y, double w, double h, char *err,
              size_t errlen)
{
    struct pdf_image_use *u = load_image(p, path, err, errlen);
    if (!u)
        return -1;
    HPDF_Page_DrawImage(p->page, u->img, (HPDF_REAL)x, (HPDF_REAL)(p->page_h - y - h),
                        (HPDF_REAL)w, (HPDF_REAL)h);
    return 0;
}

int pdf_image_fit(struct pdf *p, const char *path, double x, double y, double w, double h,
                  char *err, size_t errlen)
{
    struct pdf_image_use *u = load_image(p, path, err, errlen);
    double k;
    if (!u)
        return -1;
    if (w <= 0 || h <= 0)
        return 0;
    k = w / u->w < h / u->h ? w / u->w : h / u->h;
    HPDF_Page_DrawImage(p->page, u->img, (HPDF_REAL)(x + (w - u->w * k) / 2),
                        (HPDF_REAL)(p->page_h - y - h), (HPDF_REAL)(u->w * k),
                        (HPDF_REAL)(u->h * k));
    return 0;
}

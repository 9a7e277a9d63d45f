/* The signature as an incremental update of a finished PDF: read libharu's
 * classic xref table and trailer enough to find the catalog and page 1,
 * append a /Sig dictionary with a fixed-width /ByteRange and a fixed-size
 * /Contents, an invisible widget on page 1, the catalog with /AcroForm, a
 * new xref section and a trailer with /Prev; then hash, sign and fill in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sign_int.h"
#include "banned.h"

#define MAX_OBJECTS 10000000L
#define FIELD_NAME "Signature1"

struct pdf {
    const char *s;
    size_t len;
    size_t xref;         /* offset of the last (only) xref table */
    long size;           /* trailer /Size */
    long root, info;     /* object numbers; info 0: none */
    size_t *off;         /* per object number below size: offset, 0 when free */
    int *gen;            /* and generation */
    size_t id, id_len;   /* the trailer's /ID array as written: offset, length (0: none) */
};

static int is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

static int is_delim(char c)
{
    return is_ws(c) || strchr("()<>[]{}/%", c) != NULL;
}

/* Past white space and comments. */
static size_t skip_ws(const struct pdf *d, size_t i)
{
    while (i < d->len) {
        if (is_ws(d->s[i]))
            i++;
        else if (d->s[i] == '%')
            while (i < d->len && d->s[i] != '\n' && d->s[i] != '\r')
                i++;
        else
            break;
    }
    return i;
}

static int word_at(const struct pdf *d, size_t i, const char *w)
{
    size_t n = strlen(w);
    return i + n <= d->len && !memcmp(d->s + i, w, n) && (i + n == d->len || is_delim(d->s[i + n]));
}

/* A non-negative integer at *i; 0, or -1. */
static int read_long(const struct pdf *d, size_t *i, long *out)
{
    long v = 0;
    size_t j = skip_ws(d, *i);
    if (j >= d->len || d->s[j] < '0' || d->s[j] > '9')
        return -1;
    for (; j < d->len && d->s[j] >= '0' && d->s[j] <= '9'; j++) {
        if (v > (MAX_OBJECTS * 1000L))
            return -1;
        v = v * 10 + (d->s[j] - '0');
    }
    *out = v;
    *i = j;
    return 0;
}

/* "N G R" at *i: N. 0, or -1. */
static int read_ref(const struct pdf *d, size_t *i, long *num)
{
    long g;
    size_t j = *i;
    if (read_long(d, &j, num) < 0 || read_long(d, &j, &g) < 0)
        return -1;
    j = skip_ws(d, j);
    if (!word_at(d, j, "R"))
        return -1;
    *i = j + 1;
    return 0;
}

/* The end of the string, dictionary or array that starts at i (one past
 * its close); 0 when it does not close. */
static size_t skip_object(const struct pdf *d, size_t i)
{
    int depth = 0;
    while (i < d->len) {
        char c = d->s[i];
        if (c == '(') {
            int nest = 0;
            for (; i < d->len; i++) {
                if (d->s[i] == '\\')
                    i++;
                else if (d->s[i] == '(')
                    nest++;
                else if (d->s[i] == ')' && --nest == 0)
                    break;
            }
            i++;
        } else if (c == '<' && i + 1 < d->len && d->s[i + 1] == '<') {
            depth++;
            i += 2;
            continue;
        } else if (c == '>' && i + 1 < d->len && d->s[i + 1] == '>') {
            depth--;
            i += 2;
        } else if (c == '<') {
            while (i < d->len && d->s[i] != '>')
                i++;
            i++;
        } else if (c == '[') {
            depth++;
            i++;
            continue;
        } else if (c == ']') {
            depth--;
            i++;
        } else if (c == '%') {
            i = skip_ws(d, i);
            continue;
        } else {
            i++;
            continue;
        }
        if (depth <= 0)
            return i <= d->len ? i : 0;
    }
    return 0;
}

/* In the dictionary [start, end) (start at "<<"), the offset just past
 * the top-level key (like "/Annots"), or 0. */
static size_t dict_key(const struct pdf *d, size_t start, size_t end, const char *key)
{
    size_t i = start + 2, n = strlen(key);
    while (i < end - 2) {
        char c = d->s[i];
        if (c == '/') {
            if (i + n <= end && !memcmp(d->s + i, key, n) && is_delim(d->s[i + n]))
                return i + n;
            i++;
            while (i < end && !is_delim(d->s[i]))
                i++;
        } else if (c == '(' || c == '<' || c == '[') {
            size_t e = skip_object(d, i);
            if (!e)
                return 0;
            i = e;
        } else {
            i++;
        }
    }
    return 0;
}

/* Object num as [start, end) of its dictionary. 0, or -1 with err. */
static int object_dict(const struct pdf *d, long num, size_t *start, size_t *end, char *err,
                       size_t errlen)
{
    size_t i;
    long n, g;
    if (num <= 0 || num >= d->size || !d->off[num]) {
        snprintf(err, errlen, "object %ld is not in the xref table", num);
        return -1;
    }
    i = d->off[num];
    if (read_long(d, &i, &n) < 0 || n != num || read_long(d, &i, &g) < 0 ||
        !word_at(d, skip_ws(d, i), "obj")) {
        snprintf(err, errlen, "object %ld is not where the xref table says", num);
        return -1;
    }
    i = skip_ws(d, skip_ws(d, i) + 3);
    *start = i;
    *end = i + 1 < d->len && d->s[i] == '<' && d->s[i + 1] == '<' ? skip_object(d, i) : 0;
    if (!*end) {
        snprintf(err, errlen, "object %ld is not a dictionary", num);
        return -1;
    }
    return 0;
}

/* The xref table at d->xref and the trailer after it. 0, or -1 with err. */
static int read_xref(struct pdf *d, char *err, size_t errlen)
{
    size_t i = skip_ws(d, d->xref), ts, te, k;
    long first, count, off, gen;

    if (!word_at(d, i, "xref")) {
        snprintf(err, errlen, "no classic xref table at startxref");
        return -1;
    }
    i += 4;
    while (!word_at(d, skip_ws(d, i), "trailer")) {
        if (read_long(d, &i, &first) < 0 || read_long(d, &i, &count) < 0 ||
            first + count > MAX_OBJECTS)
            goto bad;
        for (long j = 0; j < count; j++) {
            if (read_long(d, &i, &off) < 0 || read_long(d, &i, &gen) < 0)
                goto bad;
            i = skip_ws(d, i);
            if (i >= d->len || (d->s[i] != 'n' && d->s[i] != 'f'))
                goto bad;
            if (first + j >= d->size) {
                long n = first + j + 1;
                d->off = xrealloc(d->off, (size_t)n * sizeof(*d->off));
                d->gen = xrealloc(d->gen, (size_t)n * sizeof(*d->gen));
                memset(d->off + d->size, 0, (size_t)(n - d->size) * sizeof(*d->off));
                memset(d->gen + d->size, 0, (size_t)(n - d->size) * sizeof(*d->gen));
                d->size = n;
            }
            d->off[first + j] = d->s[i] == 'n' && (size_t)off < d->len ? (size_t)off : 0;
            d->gen[first + j] = (int)gen;
            i++;
        }
    }
    ts = skip_ws(d, skip_ws(d, i) + 7);
    te = ts + 1 < d->len && d->s[ts] == '<' && d->s[ts + 1] == '<' ? skip_object(d, ts) : 0;
    if (!te)
        goto bad;
    if (dict_key(d, ts, te, "/Prev") || dict_key(d, ts, te, "/Encrypt")) {
        snprintf(err, errlen, "the PDF is encrypted or already updated");
        return -1;
    }
    k = dict_key(d, ts, te, "/Size");
    if (k && read_long(d, &k, &count) == 0 && count > d->size && count <= MAX_OBJECTS) {
        d->off = xrealloc(d->off, (size_t)count * sizeof(*d->off));
        d->gen = xrealloc(d->gen, (size_t)count * sizeof(*d->gen));
        memset(d->off + d->size, 0, (size_t)(count - d->size) * sizeof(*d->off));
        memset(d->gen + d->size, 0, (size_t)(count - d->size) * sizeof(*d->gen));
        d->size = count;
    }
    k = dict_key(d, ts, te, "/Root");
    if (!k || read_ref(d, &k, &d->root) < 0)
        goto bad;
    k = dict_key(d, ts, te, "/Info");
    if (k && read_ref(d, &k, &d->info) < 0)
        goto bad;
    k = dict_key(d, ts, te, "/ID");
    if (k) {
        size_t e;
        k = skip_ws(d, k);
        e = skip_object(d, k);
        if (!e)
            goto bad;
        d->id = k;
        d->id_len = e - k;
    }
    return 0;
bad:
    snprintf(err, errlen, "cannot read the xref table and trailer");
    return -1;
}

static int read_pdf(struct pdf *d, char *err, size_t errlen)
{
    size_t i, lo = d->len > 1024 ? d->len - 1024 : 0;
    long x;

    for (i = d->len >= 9 ? d->len - 9 : 0; i > lo && memcmp(d->s + i, "startxref", 9); i--)
        ;
    if (d->len < 9 || memcmp(d->s + i, "startxref", 9)) {
        snprintf(err, errlen, "no startxref at the end");
        return -1;
    }
    i += 9;
    if (read_long(d, &i, &x) < 0 || (size_t)x >= d->len) {
        snprintf(err, errlen, "bad startxref offset");
        return -1;
    }
    d->xref = (size_t)x;
    return read_xref(d, err, errlen);
}

/* Page 1's object number, down the page tree from the catalog's /Pages. */
static int first_page(const struct pdf *d, size_t cs, size_t ce, long *page, char *err,
                      size_t errlen)
{
    size_t k = dict_key(d, cs, ce, "/Pages"), s, e;
    long node;

    if (!k || read_ref(d, &k, &node) < 0) {
        snprintf(err, errlen, "the catalog has no /Pages");
        return -1;
    }
    for (int depth = 0; depth < 32; depth++) {
        if (object_dict(d, node, &s, &e, err, errlen) < 0)
            return -1;
        k = dict_key(d, s, e, "/Type");
        k = k ? skip_ws(d, k) : 0;
        if (k && word_at(d, k, "/Page")) {
            *page = node;
            return 0;
        }
        k = dict_key(d, s, e, "/Kids");
        k = k ? skip_ws(d, k) : 0;
        if (!k || d->s[k] != '[' || (k++, read_ref(d, &k, &node) < 0))
            break;
    }
    snprintf(err, errlen, "cannot find page 1");
    return -1;
}

struct entry {
    long num;
    size_t off;
    int gen;
};

static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return (x->num > y->num) - (x->num < y->num);
}

/* A dictionary [s, e) again with text added: before its closing ">>", or
 * inside its top-level array key (like "/Annots [") when it has one. */
static void add_to_dict(struct buf *out, const struct pdf *d, size_t s, size_t e,
                        const char *array_key, const char *item, const char *entry)
{
    size_t k = array_key ? dict_key(d, s, e, array_key) : 0;
    if (k && (k = skip_ws(d, k)) < e && d->s[k] == '[') {
        size_t close = skip_object(d, k);
        buf_add(out, d->s + s, close - 1 - s);
        buf_addf(out, " %s ", item);
        buf_add(out, d->s + close - 1, e - (close - 1));
    } else {
        size_t stop = e - 2;
        while (stop > s + 2 && is_ws(d->s[stop - 1]))
            stop--;
        buf_add(out, d->s + s, stop - s);
        buf_addf(out, " %s >>", entry);
    }
}

/* The update, as it will follow the base bytes of the PDF, into out, with
 * a zeroed /Contents of reserve bytes; where (in the whole file) the
 * ByteRange numbers and the Contents hex string start. 0, or -1 with err. */
static int make_update(const struct pdf *d, struct buf *out, time_t now, size_t reserve,
                       size_t *br, size_t *hex, char *err, size_t errlen)
{
    size_t cs, ce, ps, pe, k, xref, base = d->len;
    long page, sig = d->size, field = d->size + 1, ap = d->size + 2;
    struct entry e[5];
    char when[32], item[64], annots[96], form[128];
    struct tm tm;

    if (object_dict(d, d->root, &cs, &ce, err, errlen) < 0 ||
        first_page(d, cs, ce, &page, err, errlen) < 0 ||
        object_dict(d, page, &ps, &pe, err, errlen) < 0)
        return -1;
    if (dict_key(d, cs, ce, "/AcroForm")) {
        snprintf(err, errlen, "the PDF already has a form");
        return -1;
    }
    k = dict_key(d, ps, pe, "/Annots");
    if (k && d->s[skip_ws(d, k)] != '[') {
        snprintf(err, errlen, "page 1 has an indirect /Annots array");
        return -1;
    }
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "D:%Y%m%d%H%M%S+00'00'", &tm);

    e[0] = (struct entry){sig, base + out->len, 0};
    buf_addf(out,
             "%ld 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
             "/M (%s) /ByteRange [0 ",
             sig, when);
    *br = base + out->len;
    buf_addf(out, "%10d %10d %10d] /Contents <", 0, 0, 0);
    *hex = base + out->len - 1;
    buf_grow(out, 2 * reserve);
    memset(out->data + out->len, '0', 2 * reserve);
    out->len += 2 * reserve;
    buf_adds(out, "> >>\nendobj\n");

    /* invisible (no area) but printable and with an (empty) appearance, as
     * PDF/A wants every annotation */
    e[1] = (struct entry){field, base + out->len, 0};
    buf_addf(out,
             "%ld 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T (" FIELD_NAME ") /V %ld 0 R "
             "/F 4 /Rect [0 0 0 0] /P %ld %d R /AP << /N %ld 0 R >> >>\nendobj\n",
             field, sig, page, d->gen[page], ap);
    e[4] = (struct entry){ap, base + out->len, 0};
    buf_addf(out,
             "%ld 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 0 0] /Length 0 >>\nstream\n"
             "\nendstream\nendobj\n",
             ap);

    snprintf(item, sizeof(item), "%ld 0 R", field);
    snprintf(annots, sizeof(annots), "/Annots [%s]", item);
    e[2] = (struct entry){page, base + out->len, d->gen[page]};
    buf_addf(out, "%ld %d obj\n", page, d->gen[page]);
    add_to_dict(out, d, ps, pe, "/Annots", item, annots);
    buf_adds(out, "\nendobj\n");

    snprintf(form, sizeof(form), "/AcroForm << /Fields [%s] /SigFlags 3 >>", item);
    e[3] = (struct entry){d->root, base + out->len, d->gen[d->root]};
    buf_addf(out, "%ld %d obj\n", d->root, d->gen[d->root]);
    add_to_dict(out, d, cs, ce, NULL, NULL, form);
    buf_adds(out, "\nendobj\n");

    qsort(e, 5, sizeof(e[0]), entry_cmp);
    xref = base + out->len;
    buf_adds(out, "xref\n0 1\n0000000000 65535 f \n");
    for (int i = 0; i < 5;) {
        int j = i + 1;
        while (j < 5 && e[j].num == e[j - 1].num + 1)
            j++;
        buf_addf(out, "%ld %d\n", e[i].num, j - i);
        for (; i < j; i++)
            buf_addf(out, "%010zu %05d n \n", e[i].off, e[i].gen);
    }
    buf_addf(out, "trailer\n<< /Size %ld /Root %ld %d R", d->size + 3, d->root, d->gen[d->root]);
    if (d->info > 0 && d->info < d->size)
        buf_addf(out, " /Info %ld %d R", d->info, d->gen[d->info]);
    if (d->id_len) {
        buf_adds(out, " /ID ");
        buf_add(out, d->s + d->id, d->id_len);
    }
    buf_addf(out, " /Prev %zu >>\nstartxref\n%zu\n%%%%EOF\n", d->xref, xref);
    return 0;
}

/* One attempt with reserve bytes for the CMS: 0 signed, 1 when it needs
 * *need bytes, -1 with err. */
static int sign_once(const struct sign_key *k, const struct pdf *d, struct buf *pdf, time_t now,
                     size_t reserve, size_t *need, char *err, size_t errlen)
{
    static const char hexdig[] = "0123456789abcdef";
    struct buf upd = BUF_INIT, der = BUF_INIT;
    size_t br, hex, b;
    char range[40];
    int rc = -1;

    if (make_update(d, &upd, now, reserve, &br, &hex, err, errlen) < 0)
        goto out;
    buf_add(pdf, upd.data, upd.len);
    b = hex + 2 * reserve + 2;
    snprintf(range, sizeof(range), "%10zu %10zu %10zu", hex, b, pdf->len - b);
    memcpy(pdf->data + br, range, strlen(range));
    if (sign_cms_make(k, (const unsigned char *)pdf->data, hex,
                      (const unsigned char *)pdf->data + b, pdf->len - b, 0, &der, err, errlen) < 0)
        goto out;
    if (der.len > reserve) {
        *need = der.len;
        rc = 1;
        goto out;
    }
    for (size_t i = 0; i < der.len; i++) {
        pdf->data[hex + 1 + 2 * i] = hexdig[(unsigned char)der.data[i] >> 4];
        pdf->data[hex + 2 + 2 * i] = hexdig[(unsigned char)der.data[i] & 15];
    }
    rc = 0;
out:
    buf_free(&upd);
    buf_free(&der);
    return rc;
}

int sign_pdf(const struct sign_key *k, struct buf *pdf, time_t now, char *err, size_t errlen)
{
    struct pdf d = {0};
    size_t keep = pdf->len, reserve, need = 0;
    char why[256];
    int rc = -1;

    if (!pdf->data || !pdf->len) {
        snprintf(err, errlen, "cannot sign the PDF: no bytes");
        return -1;
    }
    if (pdf->data[pdf->len - 1] != '\n')
        buf_addc(pdf, '\n');
    d.s = pdf->data;
    d.len = pdf->len;
    if (read_pdf(&d, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "cannot sign the PDF: %s", why);
        goto out;
    }
    reserve = k->cms_size + 64 + (k->tsa_url ? SIGN_TSA_RESERVE : 0);
    for (int attempt = 0; attempt < 2; attempt++) {
        d.s = pdf->data; /* appending may have moved the bytes */
        rc = sign_once(k, &d, pdf, now, reserve, &need, err, errlen);
        if (rc <= 0)
            break;
        /* a longer chain or token than foreseen: once more with room for it */
        pdf->len = d.len;
        pdf->data[d.len] = '\0';
        reserve = need + 256;
    }
    if (rc > 0)
        snprintf(err, errlen, "cannot sign the PDF: the signature needs %zu bytes", need);
out:
    if (rc != 0) {
        pdf->len = keep;
        pdf->data[keep] = '\0';
    }
    free(d.off);
    free(d.gen);
    return rc != 0 ? -1 : 0;
}

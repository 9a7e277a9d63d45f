/* A growable byte buffer (git's strbuf in miniature) and allocation helpers
 * that abort on out-of-memory, so callers need not check every allocation.
 * Not thread-safe: one buffer belongs to one thread at a time. */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
    char *data; /* always NUL-terminated once anything was added; NULL before */
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
__attribute__((format(printf, 2, 3))) void buf_addf(struct buf *b, const char *fmt, ...);
void buf_reset(struct buf *b);
/* Hand the bytes to the caller, who frees them; the buffer is empty after. */
char *buf_detach(struct buf *b, size_t *len);
void buf_free(struct buf *b);
/* Read a whole file ("-" is stdin); 0 or -1 with errno set. */
int buf_read_file(struct buf *b, const char *path);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif

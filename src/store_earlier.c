/* The files a rerender replaced, as certifica copy carries them from store
 * to store with their revision: lines "SHA-256 replaced_at". */
#include <stdio.h>
#include <string.h>

#include "store_int.h"
#include "banned.h"

void store_earlier_add(struct buf *b, const char *sha, const char *when)
{
    buf_addf(b, "%s %s\n", sha, when);
}

int store_earlier_next(const struct buf *b, size_t *pos, char sha[65], char when[20])
{
    const char *line, *nl, *sp;

    if (!b->data || *pos >= b->len)
        return 0;
    line = b->data + *pos;
    nl = memchr(line, '\n', b->len - *pos);
    if (!nl)
        return 0;
    *pos = (size_t)(nl - b->data) + 1;
    sp = memchr(line, ' ', (size_t)(nl - line));
    if (!sp || sp - line != 64 || nl - sp - 1 >= 20)
        return -1;
    memcpy(sha, line, 64);
    sha[64] = '\0';
    memcpy(when, sp + 1, (size_t)(nl - sp - 1));
    when[nl - sp - 1] = '\0';
    return 1;
}

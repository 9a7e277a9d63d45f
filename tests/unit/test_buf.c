/* Unit tests for buf: growing, formatting and handing over bytes, and the allocation
 * helpers' edge cases. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "banned.h"

static void test_add(void)
{
    struct buf b = BUF_INIT;

    ok(b.data == NULL && b.len == 0, "a new buffer holds nothing");
    buf_adds(&b, "ab");
    buf_addc(&b, 'c');
    buf_add(&b, "dXX", 1);
    is_str(b.data, "abcd", "adds, addc and add append");
    is_int(b.len, 4, "length counts the bytes");
    buf_addf(&b, "-%d-%s", 42, "x");
    is_str(b.data, "abcd-42-x", "addf appends formatted text");
    buf_reset(&b);
    is_str(b.data, "", "reset empties the buffer");
    for (int i = 0; i < 1000; i++)
        buf_addf(&b, "%04d", i);
    is_int(b.len, 4000, "addf grows past the first allocation");
    ok(!memcmp(b.data + 3996, "0999", 5), "last formatted bytes and the NUL are there");
    buf_free(&b);
    ok(b.data == NULL && b.len == 0 && b.cap == 0, "free leaves an empty buffer");
}

static void test_detach(void)
{
    struct buf b = BUF_INIT;
    size_t len = 99;
    char *p;

    buf_adds(&b, "hello");
    p = buf_detach(&b, &len);
    is_str(p, "hello", "detach hands over the bytes");
    is_int(len, 5, "detach gives the length");
    ok(b.data == NULL && b.len == 0 && b.cap == 0, "the buffer is empty after detach");
    free(p);

    /* Found by tests/fuzz/fuzz_event: an empty buffer came back unterminated. */
    p = buf_detach(&b, &len);
    ok(p != NULL && p[0] == '\0', "detach of a never-used buffer gives \"\"");
    is_int(len, 0, "detach of a never-used buffer: length 0");
    free(p);
    buf_grow(&b, 10);
    memset(b.data, 'x', b.cap); /* room was made, nothing added */
    p = buf_detach(&b, NULL);
    ok(p[0] == '\0', "detach of a grown but empty buffer gives \"\"");
    free(p);
}

int main(void)
{
    test_add();
    test_detach();
    return tap_done();
}

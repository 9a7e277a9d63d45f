/* UTF-8 decoding and checks shared by validation, layout and fonts. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point at s (n bytes left). Returns its length in bytes and
 * stores it in *cp, or returns 0 for an invalid, overlong or surrogate
 * sequence (strict RFC 3629). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encode cp (<= 0x10FFFF, not a surrogate) into out[4]; returns bytes. */
size_t utf8_encode(uint32_t cp, char out[4]);
/* 1 when s[0..n) is entirely valid UTF-8. */
int utf8_valid(const char *s, size_t n);
/* Number of code points in valid UTF-8. */
size_t utf8_count(const char *s, size_t n);

#endif

/* Byte codecs written once for the whole program: base64 (RFC 4648, the
 * standard and the URL-safe alphabet) and lowercase hex. Pure functions, no
 * allocation, safe from any thread. */
#ifndef CODEC_H
#define CODEC_H

#include <stddef.h>

enum codec_b64 { CODEC_B64_STD, CODEC_B64_URL };

/* Bytes of text (without the NUL) that codec_b64_encode writes for n bytes. */
size_t codec_b64_len(size_t n, int pad);

/* Encode in[0..n) into out with the alphabet; '=' padding when pad. out gets a
 * NUL. 0, or -1 (nothing written) when out[0..outlen) is too small. */
int codec_b64_encode(enum codec_b64 alpha, int pad, const void *in, size_t n, char *out,
                     size_t outlen);

/* Decode s[0..n) in the alphabet, trailing '=' optional; the number of bytes
 * written to out, or -1 when malformed or longer than outlen. */
long codec_b64_decode(enum codec_b64 alpha, const char *s, size_t n, void *out, size_t outlen);

/* in[0..n) as 2n lowercase hex digits and a NUL into out (2n + 1 bytes). */
void codec_hex(const void *in, size_t n, char *out);

/* The value of one hex digit (either case), or -1. */
int codec_hex_value(int c);

#endif

/* base64 and hex, for tokens, signatures, digests and percent-decoding. */
#include "codec.h"

#include "banned.h"

static const char alphabets[2][65] = {
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
};

size_t codec_b64_len(size_t n, int pad)
{
    return pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

int codec_b64_encode(enum codec_b64 alpha, int pad, const void *in, size_t n, char *out,
                     size_t outlen)
{
    const char *a = alphabets[alpha == CODEC_B64_URL];
    const unsigned char *p = in;
    size_t o = 0;

    if (codec_b64_len(n, pad) + 1 > outlen)
        return -1;
    for (size_t i = 0; i < n; i += 3) {
        size_t rest = n - i;
        unsigned v = (unsigned)p[i] << 16;
        if (rest > 1)
            v |= (unsigned)p[i + 1] << 8;
        if (rest > 2)
            v |= p[i + 2];
        out[o++] = a[(v >> 18) & 63];
        out[o++] = a[(v >> 12) & 63];
        if (rest > 1)
            out[o++] = a[(v >> 6) & 63];
        else if (pad)
            out[o++] = '=';
        if (rest > 2)
            out[o++] = a[v & 63];
        else if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return 0;
}

static int b64_value(enum codec_b64 alpha, char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (alpha == CODEC_B64_URL ? '-' : '+'))
        return 62;
    if (c == (alpha == CODEC_B64_URL ? '_' : '/'))
        return 63;
    return -1;
}

long codec_b64_decode(enum codec_b64 alpha, const char *s, size_t n, void *out, size_t outlen)
{
    unsigned char *o = out;
    unsigned v = 0;
    int bits = 0;
    size_t w = 0;

    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int d = b64_value(alpha, s[i]);
        if (d < 0)
            return -1;
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (w >= outlen)
                return -1;
            o[w++] = (unsigned char)(v >> bits);
        }
        v &= (1u << bits) - 1;
    }
    return (long)w;
}

void codec_hex(const void *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = in;

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int codec_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Unit tests for codec: base64 (RFC 4648 §10 vectors, both alphabets, padding
 * optional on input) and hex. */
#include "codec.h"
#include "tap.h"

static void encode_vectors(void)
{
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *padded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    static const char *bare[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char out[16];
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        size_t n = strlen(in[i]);
        ok(codec_b64_encode(CODEC_B64_STD, 1, in[i], n, out, sizeof(out)) == 0 &&
               !strcmp(out, padded[i]) && codec_b64_len(n, 1) == strlen(padded[i]),
           "base64 of '%s' is '%s'", in[i], padded[i]);
        ok(codec_b64_encode(CODEC_B64_URL, 0, in[i], n, out, sizeof(out)) == 0 &&
               !strcmp(out, bare[i]) && codec_b64_len(n, 0) == strlen(bare[i]),
           "unpadded base64 of '%s' is '%s'", in[i], bare[i]);
    }
    ok(codec_b64_encode(CODEC_B64_STD, 1, "foobar", 6, out, 8) == -1,
       "encoding refuses a buffer without room for the NUL");
}

static void alphabets(void)
{
    const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    unsigned char back[4];
    char out[8];
    codec_b64_encode(CODEC_B64_STD, 0, bytes, 3, out, sizeof(out));
    is_str(out, "+/+/", "standard alphabet uses + and /");
    codec_b64_encode(CODEC_B64_URL, 0, bytes, 3, out, sizeof(out));
    is_str(out, "-_-_", "URL-safe alphabet uses - and _");
    ok(codec_b64_decode(CODEC_B64_URL, "-_-_", 4, back, sizeof(back)) == 3 &&
           !memcmp(back, bytes, 3),
       "URL-safe text decodes back");
    ok(codec_b64_decode(CODEC_B64_STD, "-_-_", 4, back, sizeof(back)) == -1,
       "URL-safe letters are refused by the standard alphabet");
}

static void decoding(void)
{
    char out[16];
    long n = codec_b64_decode(CODEC_B64_STD, "Zm9vYmE=", 8, out, sizeof(out));
    ok(n == 5 && !memcmp(out, "fooba", 5), "padded text decodes");
    n = codec_b64_decode(CODEC_B64_STD, "Zm9vYmE", 7, out, sizeof(out));
    ok(n == 5 && !memcmp(out, "fooba", 5), "padding is optional");
    is_int(codec_b64_decode(CODEC_B64_STD, "Zm9vY", 5, out, sizeof(out)), -1,
           "a length of 4k+1 is malformed");
    is_int(codec_b64_decode(CODEC_B64_STD, "Zm 9v", 5, out, sizeof(out)), -1,
           "a space is malformed");
    is_int(codec_b64_decode(CODEC_B64_STD, "Zm9vYmFy", 8, out, 5), -1,
           "output longer than the buffer is refused");
}

static void hex(void)
{
    const unsigned char b[] = {0x00, 0x7f, 0xa5, 0xff};
    char out[9];
    codec_hex(b, sizeof(b), out);
    is_str(out, "007fa5ff", "hex is lowercase, two digits a byte");
    is_int(codec_hex_value('0'), 0, "hex digit 0");
    is_int(codec_hex_value('f'), 15, "hex digit f");
    is_int(codec_hex_value('F'), 15, "hex digit F");
    is_int(codec_hex_value('g'), -1, "g is no hex digit");
    is_int(codec_hex_value('\0'), -1, "NUL is no hex digit");
}

int main(void)
{
    encode_vectors();
    alphabets();
    decoding();
    hex();
    return tap_done();
}

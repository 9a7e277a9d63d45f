/* Identity and verification codes, shared by every store backend: certificate
 * ids derived from (institution, user, course), random codes in Crockford
 * base32 that survive being read aloud or typed in from paper, and the shape
 * of ids and staff names. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "codec.h"
#include "store.h"
#include "store_int.h"
#include "banned.h"

#define CODE_SYMBOLS 15 /* 75 bits */
#define CODE_GROUP 5

static const char id_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";   /* RFC 4648 */
static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford */

/* The 5-bit group number i (from the most significant end) of bytes. */
static unsigned bits5(const unsigned char *bytes, int i)
{
    int bit = i * 5, byte = bit / 8, shift = bit % 8;
    unsigned v = (unsigned)bytes[byte] << 8;
    if (shift > 3)
        v |= bytes[byte + 1];
    return (v >> (11 - shift)) & 31;
}

int store_id_make(int64_t institution_id, int64_t user_id, int64_t course_id,
                  char out[STORE_ID_MAX])
{
    char in[96];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int n = snprintf(in, sizeof(in), "certifica/v1:%" PRId64 ":%" PRId64 ":%" PRId64,
                     institution_id, user_id, course_id);

    if (n < 0 || (size_t)n >= sizeof(in))
        return -1;
    if (!EVP_Digest(in, (size_t)n, md, &mdlen, EVP_sha256(), NULL) || mdlen < 10)
        return -1;
    for (int i = 0; i < 16; i++)
        out[i] = id_alphabet[bits5(md, i)];
    out[16] = '\0';
    return 0;
}

static void code_format(const char sym[CODE_SYMBOLS], char out[STORE_CODE_MAX])
{
    size_t o = 0;
    for (int i = 0; i < CODE_SYMBOLS; i++) {
        if (i && i % CODE_GROUP == 0)
            out[o++] = '-';
        out[o++] = sym[i];
    }
    out[o] = '\0';
}

int store_code_generate(char out[STORE_CODE_MAX])
{
    unsigned char rnd[10];
    char sym[CODE_SYMBOLS];

    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return -1;
    for (int i = 0; i < CODE_SYMBOLS; i++)
        sym[i] = code_alphabet[bits5(rnd, i)];
    code_format(sym, out);
    return 0;
}

int store_code_normalize(const char *in, char out[STORE_CODE_MAX])
{
    char sym[CODE_SYMBOLS];
    int n = 0;

    if (!in)
        return -1;
    for (; *in; in++) {
        char c = *in;
        if (c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (c == '\0' || !strchr(code_alphabet, c) || n == CODE_SYMBOLS)
            return -1;
        sym[n++] = c;
    }
    if (n != CODE_SYMBOLS)
        return -1;
    code_format(sym, out);
    return 0;
}

int store_id_valid(const char *s)
{
    return s && strlen(s) == 16 && strspn(s, id_alphabet) == 16;
}

int store_staff_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return 0;
    }
    return 1;
}

int store_random_hex(char *out, size_t nbytes)
{
    unsigned char rnd[32];

    if (nbytes > sizeof(rnd) || RAND_bytes(rnd, (int)nbytes) != 1)
        return -1;
    codec_hex(rnd, nbytes, out);
    return 0;
}

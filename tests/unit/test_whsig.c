/* Unit tests for whsig: the Standard Webhooks published vector and its
 * negative cases, token comparison and generation. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "whsig.h"
#include "banned.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define TS "1614265330"
#define NOW ((time_t)1614265330)
#define BODY "{\"test\": 2432232314}"
#define SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define OTHER "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="

static enum whsig_status verify(const struct whsig_key *k, const char *sigs, time_t now)
{
    return whsig_verify(k, ID, TS, sigs, BODY, strlen(BODY), now);
}

static void test_vector(void)
{
    struct whsig_key k;
    char err[128] = "", sig[64];
    is_int(whsig_key_parse(&k, SECRET, err, sizeof(err)), 0, "published secret parses");
    is_int(k.len, 24, "secret decodes to 24 bytes");
    is_int(whsig_sign(&k, ID, 1614265330, BODY, strlen(BODY), sig, sizeof(sig)), 0, "sign");
    is_str(sig, SIG, "signature of the published vector");
    is_int(verify(&k, SIG, NOW), WHSIG_OK, "published signature verifies");
    is_int(verify(&k, SIG, NOW + 300), WHSIG_OK, "exactly 5 minutes old is accepted");
    is_int(verify(&k, SIG, NOW - 300), WHSIG_OK, "exactly 5 minutes ahead is accepted");

    /* negative cases */
    is_int(verify(&k, OTHER, NOW), WHSIG_MISMATCH, "wrong signature");
    is_int(whsig_verify(&k, ID, TS, SIG, "{\"test\": 2432232315}", strlen(BODY), NOW),
           WHSIG_MISMATCH, "body changed by one byte");
    is_int(whsig_verify(&k, "msg_other", TS, SIG, BODY, strlen(BODY), NOW), WHSIG_MISMATCH,
           "other message id");
    is_int(verify(&k, SIG, NOW + 301), WHSIG_STALE, "stale: 301 s old");
    is_int(verify(&k, SIG, NOW - 301), WHSIG_FUTURE, "future: 301 s ahead");
    is_int(verify(&k, OTHER " " SIG " v1,AAAA", NOW), WHSIG_OK, "one valid among invalid");
    is_int(verify(&k, "v2,abc " SIG, NOW), WHSIG_OK, "unknown version skipped");
    is_int(verify(&k, "  " SIG "  ", NOW), WHSIG_OK, "extra spaces tolerated");
    is_int(verify(&k, "v1,!!!notbase64 v1, v1 garbage", NOW), WHSIG_MISMATCH,
           "only malformed entries");
    is_int(verify(&k, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O", NOW), WHSIG_MISMATCH,
           "truncated signature");
    is_int(verify(&k, "x1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", NOW), WHSIG_MISMATCH,
           "other version prefix");
    is_int(verify(&k, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", NOW), WHSIG_MISMATCH,
           "signature without version");
    is_int(whsig_verify(&k, NULL, TS, SIG, BODY, strlen(BODY), NOW), WHSIG_MISSING,
           "missing webhook-id");
    is_int(whsig_verify(&k, ID, NULL, SIG, BODY, strlen(BODY), NOW), WHSIG_MISSING,
           "missing webhook-timestamp");
    is_int(whsig_verify(&k, ID, TS, NULL, BODY, strlen(BODY), NOW), WHSIG_MISSING,
           "missing webhook-signature");
    is_int(whsig_verify(&k, ID, TS, "", BODY, strlen(BODY), NOW), WHSIG_MISSING,
           "empty webhook-signature");
    is_int(whsig_verify(&k, ID, "1614265330.5", SIG, BODY, strlen(BODY), NOW), WHSIG_BAD_TIMESTAMP,
           "fractional timestamp");
    is_int(whsig_verify(&k, ID, "-5", SIG, BODY, strlen(BODY), NOW), WHSIG_BAD_TIMESTAMP,
           "negative timestamp");
    is_int(whsig_verify(&k, ID, "99999999999999999999", SIG, BODY, strlen(BODY), NOW),
           WHSIG_BAD_TIMESTAMP, "huge timestamp");
    ok(strlen(whsig_status_message(WHSIG_STALE)) > 0, "status has a message");
}

static void test_keys(void)
{
    struct whsig_key k;
    char err[128] = "";
    is_int(whsig_key_parse(&k, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", err, sizeof(err)), -1,
           "secret without whsec_ refused");
    ok(strstr(err, "whsec_") != NULL, "error says the prefix: %s", err);
    ok(strstr(err, "MfKQ") == NULL, "error does not quote the secret");
    is_int(whsig_key_parse(&k, "whsec_not*base64", err, sizeof(err)), -1, "bad base64 refused");
    is_int(whsig_key_parse(&k, "whsec_c2hvcnQ=", err, sizeof(err)), -1, "short key refused");
    is_int(whsig_key_parse(&k, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw==", err, sizeof(err)), 0,
           "padding accepted");
}

static void test_tokens(void)
{
    char a[WHSIG_TOKEN_LEN + 1], b[WHSIG_TOKEN_LEN + 1], err[128];
    const char *t = "abcdefghijklmnop-_0123";
    ok(whsig_token_equal(t, t, strlen(t)), "same token equal");
    ok(!whsig_token_equal(t, "abcdefghijklmnop-_0124", strlen(t)), "last byte differs");
    ok(!whsig_token_equal(t, t, strlen(t) - 1), "prefix is not equal");
    ok(!whsig_token_equal(t, "abcdefghijklmnop-_01234", strlen(t) + 1), "longer is not equal");
    ok(!whsig_token_equal(t, "", 0), "empty is not equal");
    ok(!whsig_token_equal(t, NULL, 0), "NULL is not equal");

    is_int(whsig_token_generate(a, sizeof(a), err, sizeof(err)), 0, "generate a token");
    is_int(whsig_token_generate(b, sizeof(b), err, sizeof(err)), 0, "generate another");
    is_int(strlen(a), WHSIG_TOKEN_LEN, "token has 43 characters");
    ok(whsig_token_valid(a), "generated token is URL-safe");
    ok(strcmp(a, b) != 0, "two tokens differ");
    is_int(whsig_token_generate(a, 10, err, sizeof(err)), -1, "small buffer refused");

    ok(whsig_token_valid("0123456789abcdef"), "16 characters valid");
    ok(!whsig_token_valid("0123456789abcde"), "15 characters too short");
    ok(!whsig_token_valid("0123456789abcdef+"), "'+' not URL-safe");
    ok(!whsig_token_valid("0123456789 abcdef"), "space not URL-safe");
}

int main(void)
{
    test_vector();
    test_keys();
    test_tokens();
    return tap_done();
}

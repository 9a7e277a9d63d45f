/* OpenSSL's error queue as the one short reason that goes into a message
 * of the sign module (a reason string never holds key material). */
#include <openssl/err.h>

#include "sign_int.h"
#include "banned.h"

const char *sign_ssl_reason(void)
{
    unsigned long e = ERR_peek_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r ? r : "unknown error";
}

/* The rules every backend applies: store_put's, whether an event for a
 * certificate is a new revision, the same content again, or a late delivery
 * of an older state (stale), by its content and its event.send_at; and when
 * a certificate has expired. Pure, but for reading the clock. */
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "banned.h"

enum store_outcome store_decide(const char *latest_canonical, const char *latest_send_at,
                                int earlier_same, const struct store_fields *f)
{
    int cmp = 0;

    if (!latest_canonical)
        return STORE_ISSUED;
    if (strcmp(latest_canonical, f->canonical) == 0)
        return STORE_UNCHANGED;
    if (latest_send_at && *latest_send_at && f->send_at && *f->send_at)
        cmp = strcmp(f->send_at, latest_send_at);
    if (cmp < 0)
        return STORE_STALE;
    if (cmp > 0)
        return STORE_REVISED;
    return earlier_same ? STORE_STALE : STORE_REVISED;
}

int store_expired(const char *expires_at, const char *now)
{
    char clock[20];

    if (!expires_at || !*expires_at)
        return 0;
    if (!now) {
        store_now_utc(clock);
        now = clock;
    }
    return strcmp(now, expires_at) > 0;
}

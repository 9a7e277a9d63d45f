/* The rule of store_put that every backend applies: whether an event for a
 * certificate is a new revision, the same content again, or a late delivery
 * of an older state (stale), by its content and its event.send_at. Pure. */
#include <string.h>

#include "store.h"
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

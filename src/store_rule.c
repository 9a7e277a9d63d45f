/* The rules of store_put that every backend applies: which fields it needs,
 * and whether an event for a certificate is a new revision, the same content
 * again, or a late delivery of an older state (stale), by its content and its
 * event.send_at. Pure. */
#include <stdio.h>
#include <string.h>

#include "caltime.h"
#include "store_int.h"
#include "banned.h"

int store_fields_check(const struct store_fields *f, struct caltime *when, char *err,
                       size_t errlen)
{
    struct caltime sent;
    const char *need[] = {f->user_name, f->user_email,   f->course_name,  f->school_name,
                          f->type,      f->certified_at, f->concluded_at, f->canonical};
    const char *names[] = {"user_name", "user_email",   "course_name",  "school_name",
                           "type",      "certified_at", "concluded_at", "canonical"};

    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!need[i]) {
            snprintf(err, errlen, "cannot archive: field '%s' is missing", names[i]);
            return -1;
        }
    }
    if (f->institution_id <= 0 || f->user_id <= 0 || f->course_id <= 0 || f->school_id <= 0) {
        snprintf(err, errlen, "cannot archive: ids must be positive");
        return -1;
    }
    if (caltime_parse(f->certified_at, when) < 0) {
        snprintf(err, errlen, "cannot archive: certified_at '%s' is not a calendar time",
                 f->certified_at);
        return -1;
    }
    if (f->send_at && *f->send_at && caltime_parse(f->send_at, &sent) < 0) {
        snprintf(err, errlen, "cannot archive: send_at '%.40s' is not a calendar time", f->send_at);
        return -1;
    }
    return 0;
}


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

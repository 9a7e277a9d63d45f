/* The rules every backend applies: which fields store_put needs, whether an
 * event for a certificate is a new revision, the same content again, or a
 * late delivery of an older state (stale), by its content and its
 * event.send_at; and when a certificate has expired. Pure, but for the hash
 * of the id and reading the clock. */
#include <stdio.h>
#include <string.h>

#include "caltime.h"
#include "store.h"
#include "store_int.h"
#include "banned.h"

static int fields_check(const struct store_fields *f, struct caltime *when, char *err,
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
    if (f->expires_at && caltime_parse(f->expires_at, &sent) < 0) {
        snprintf(err, errlen, "cannot archive: expires_at '%.40s' is not a calendar time",
                 f->expires_at);
        return -1;
    }
    return 0;
}


int store_put_check(const struct store_fields *f, int have_fn, struct caltime *when,
                    char id[STORE_ID_MAX], char *err, size_t errlen)
{
    if (!have_fn) {
        snprintf(err, errlen, "cannot archive: no renderer given");
        return -1;
    }
    if (fields_check(f, when, err, errlen) < 0)
        return -1;
    if (f->raw_len > 1000000000 ||
        store_id_make(f->institution_id, f->user_id, f->course_id, id) < 0) {
        snprintf(err, errlen, "cannot archive: event too large or libcrypto failed");
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

int store_copy_check(const struct store_cert *c, struct caltime *when, char *err, size_t errlen)
{
    char id[STORE_ID_MAX];
    if (!store_id_valid(c->id) || store_id_make(c->institution_id, c->user_id, c->course_id, id) < 0 ||
        strcmp(id, c->id) != 0 || caltime_parse(c->certified_at, when) < 0 || !c->user_name ||
        !c->user_email || !c->course_name || !c->school_name || !c->type || c->latest < 1) {
        snprintf(err, errlen, "cannot copy '%s': its fields do not make a certificate", c->id);
        return -1;
    }
    return 0;
}

int store_cred_check(const struct store_cred *c, char *err, size_t errlen)
{
    int staff = c->kind == STORE_CRED_STAFF;

    if (!store_staff_name_valid(c->name) || c->scope.institution_id < 0 ||
        c->scope.school_id < 0 || (!staff && c->scope.institution_id <= 0) ||
        strlen(c->created_at) != 19) {
        snprintf(err, errlen, "cannot copy %s '%s': not a valid one",
                 staff ? "staff account" : "webhook token", c->name);
        return -1;
    }
    return 0;
}

int store_remade_expiry_check(char expires_at[20], const struct store_ticket *t, char *err,
                              size_t errlen)
{
    struct caltime stamp;

    expires_at[19] = '\0';
    if (expires_at[0] && caltime_parse(expires_at, &stamp) < 0) {
        snprintf(err, errlen, "cannot re-make '%s' r%d: expires_at '%s' is not a calendar time",
                 t->id, t->revision, expires_at);
        return -1;
    }
    return 0;
}

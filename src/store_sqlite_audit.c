/* The audit log of the SQLite store: the day files of audit.h under the
 * store folder, opened at the first record written. */
#include <stdio.h>
#include <string.h>

#include "store_sqlite.h"
#include "banned.h"

int store_sqlite_audit_append(struct store *base, const struct audit_record *r, char *err,
                              size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    struct audit *a;

    pthread_mutex_lock(&st->audit_mu);
    if (!st->audit)
        st->audit = audit_open(st->dir, NULL, NULL, err, errlen);
    a = st->audit;
    pthread_mutex_unlock(&st->audit_mu);
    return a ? audit_append(a, r, err, errlen) : -1;
}

int store_sqlite_audit_each(struct store *base, const struct audit_filter *f, audit_each_fn fn,
                            void *ctx, char *err, size_t errlen)
{
    return audit_each(store_sqlite_of(base)->dir, f, fn, ctx, err, errlen);
}

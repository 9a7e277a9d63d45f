/* Which backend the store's unit programs test: the folder they are given
 * (SQLite and PDF files), or, when CERTIFICA_TEST_STORE names a PostgreSQL
 * database (tests/t0800-store-pg.sh starts one), a fresh schema in it for
 * every store a test opens, so that each starts empty as a new folder does. */
#ifndef BACKEND_TESTS_H
#define BACKEND_TESTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"

/* 1 when the tests run against PostgreSQL. */
__attribute__((unused)) static int test_on_pg(void)
{
    const char *v = getenv("CERTIFICA_TEST_STORE");
    return v && *v;
}

/* Where a test's store is: dir itself, or a URI of the database whose
 * search_path starts at a new schema. To free(). */
__attribute__((unused)) static char *test_location(const char *dir)
{
    static int n;
    const char *uri = getenv("CERTIFICA_TEST_STORE");
    struct buf b = BUF_INIT, sql = BUF_INIT;
    char schema[64];
    PGconn *pg;
    PGresult *r;

    if (!uri || !*uri) {
        buf_adds(&b, dir);
        return buf_detach(&b, NULL);
    }
    snprintf(schema, sizeof(schema), "t%ld_%d", (long)getpid(), ++n);
    pg = PQconnectdb(uri);
    buf_addf(&sql, "CREATE SCHEMA %s", schema);
    r = PQexec(pg, sql.data);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        printf("# cannot make schema %s: %s", schema, PQerrorMessage(pg));
        exit(1);
    }
    PQclear(r);
    PQfinish(pg);
    buf_free(&sql);
    buf_addf(&b, "%s%coptions=-csearch_path%%3D%s%%2Cpublic", uri, strchr(uri, '?') ? '&' : '?',
             schema);
    return buf_detach(&b, NULL);
}

/* The first value of one SQL query on the test's database at where (a URI
 * of test_location), or "" when none. To free(). */
__attribute__((unused)) static char *test_pg_value(const char *where, const char *sql)
{
    PGconn *pg = PQconnectdb(where);
    PGresult *r = PQexec(pg, sql);
    char *v =
        strdup(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(pg);
    return v;
}

#endif

/* For the unit tests of the store: SQL run on a store's index directly, such
 * as taking it back to an older schema to test the upgrade. */
#ifndef INDEX_SQL_H
#define INDEX_SQL_H

#include <stdio.h>

#include <sqlite3.h>

#include "buf.h"

/* What version 6 added: the expiry column, and the listing's indexes with
 * it (made again as version 5 had them). */
#define UNDO_V6_SQL                                                                                \
    "DROP INDEX certificates_recent;"                                                              \
    "DROP INDEX certificates_course;"                                                              \
    "DROP INDEX certificates_institution;"                                                         \
    "ALTER TABLE certificates DROP COLUMN expires_at;"                                             \
    "CREATE INDEX certificates_recent"                                                             \
    " ON certificates (certified_at DESC, id, revoked, type, institution_id, course_id);"          \
    "CREATE INDEX certificates_course"                                                             \
    " ON certificates (course_id, certified_at DESC, id, revoked, type, institution_id);"          \
    "CREATE INDEX certificates_institution"                                                        \
    " ON certificates (institution_id, certified_at DESC, id, revoked, type, course_id);"

/* What version 7 added: the files' hash index and the earlier files. */
#define UNDO_V7_SQL "DROP TABLE earlier_files; DROP INDEX revisions_sha256;"

/* What version 5 added: the search text columns and the full-text table
 * made from them (an older index is then given its own table, or none: the
 * upgrade makes the table again either way). */
#define UNDO_V5_SQL                                                                                \
    "DROP TRIGGER certificates_fts_insert;"                                                        \
    "DROP TRIGGER certificates_fts_delete;"                                                        \
    "DROP TRIGGER certificates_fts_update;"                                                        \
    "DROP TABLE certificates_fts;"                                                                 \
    "ALTER TABLE certificates DROP COLUMN search_name;"                                            \
    "ALTER TABLE certificates DROP COLUMN search_course;"                                          \
    "ALTER TABLE certificates DROP COLUMN search_grams;"

/* What version 4 added: staff scopes and institutions' webhook tokens. */
#define UNDO_V4_SQL                                                                                \
    "DROP TABLE webhook_tokens;"                                                                   \
    "ALTER TABLE staff DROP COLUMN institution_id;"                                                \
    "ALTER TABLE staff DROP COLUMN school_id;"

/* Everything after version 3. */
#define UNDO_TO_V3_SQL UNDO_V7_SQL UNDO_V6_SQL UNDO_V5_SQL UNDO_V4_SQL

/* Run sql on dir's index; 0, or -1 with the error printed as a comment. */
static inline int index_exec(const char *dir, const char *sql)
{
    struct buf path = BUF_INIT;
    sqlite3 *db = NULL;
    int rc;

    buf_addf(&path, "%s/index.sqlite", dir);
    rc = sqlite3_open(path.data, &db) == SQLITE_OK &&
                 sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK
             ? 0
             : -1;
    if (rc < 0)
        printf("# %s: %s\n", path.data, sqlite3_errmsg(db));
    sqlite3_close(db);
    buf_free(&path);
    return rc;
}

/* The first column of sql's first row on dir's index, or -1 (the error
 * printed as a comment). */
static inline long long index_int(const char *dir, const char *sql)
{
    struct buf path = BUF_INIT;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -1;

    buf_addf(&path, "%s/index.sqlite", dir);
    if (sqlite3_open_v2(path.data, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    else
        printf("# %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    sqlite3_close(db);
    buf_free(&path);
    return v;
}

#endif

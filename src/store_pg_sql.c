/* The statements every connection of the PostgreSQL store prepares, on the
 * tables store_pg_schema.c makes. */
#include "store_pg.h"
#include "banned.h"

#define CERT_FIELDS                                                                                \
    "institution_id, user_id, course_id, school_id, user_name, user_email, user_cpf,"              \
    " course_name, school_name, workload, type, certified_at, concluded_at, enrolled_at,"          \
    " approval_rate"

static const char *const sql[Q_COUNT] = {
    /* A placeholder row (latest 0) that only this transaction sees until it
     * commits; a second put of the same id waits here for the first. Every
     * unique key is an arbiter (no conflict target): with (id) alone, the
     * key on (institution, user, course) was checked by plain insertion, and
     * a second put waiting there on the first while the first's UPDATE of
     * the row waited on the second's speculative row was a deadlock (about
     * one burst in ten of 16 first deliveries of one event at once). */
    [Q_CLAIM] = "INSERT INTO certificates (id, " CERT_FIELDS ", latest)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0)"
                " ON CONFLICT DO NOTHING",
    [Q_LOCK] = "SELECT institution_id, user_id, course_id, latest FROM certificates"
               " WHERE id = $1 FOR UPDATE",
    [Q_LATEST] = "SELECT canonical, send_at, code FROM revisions WHERE id = $1 AND revision = $2",
    [Q_EARLIER] = "SELECT 1 FROM revisions WHERE id = $1 AND revision < $2 AND canonical = $3"
                  " LIMIT 1",
    [Q_CERT_SET] = "UPDATE certificates SET school_id = $2, user_name = $3, user_email = $4,"
                   " user_cpf = $5, course_name = $6, school_name = $7, workload = $8, type = $9,"
                   " certified_at = $10, concluded_at = $11, enrolled_at = $12,"
                   " approval_rate = $13, latest = $14, search_doc = lower(unaccent($15)),"
                   " search_grams = $16, expires_at = $17 WHERE id = $1",
    [Q_SUPERSEDE] = "UPDATE revisions SET superseded = true"
                    " WHERE id = $1 AND revision < $2 AND NOT superseded",
    [Q_REVISION] = "INSERT INTO revisions (id, revision, code, sha256, size, created_at,"
                   " rendered_at, canonical, raw, send_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)",
    [Q_FILE] = "INSERT INTO revision_files (id, revision, pdf) VALUES ($1, $2, $3)"
               " ON CONFLICT (id, revision) DO UPDATE SET pdf = excluded.pdf",
    [Q_REVOKE] = "UPDATE certificates SET revoked = true, revoke_reason = $2, revoked_at = $3"
                 " WHERE id = $1 AND NOT revoked",
    [Q_EXISTS] = "SELECT 1 FROM certificates WHERE id = $1",
    [Q_GET] = "SELECT " CERT_FIELDS ", latest, revoked, revoke_reason, revoked_at,"
              " expires_at FROM certificates WHERE id = $1 AND latest > 0"
              " AND ($2::bigint = 0 OR institution_id = $2) AND ($3::bigint = 0 OR school_id = $3)",
    [Q_REVS] = "SELECT revision, code, created_at, superseded, sha256, size, generation, send_at"
               " FROM revisions WHERE id = $1 ORDER BY revision",
    [Q_BY_CODE] = "SELECT id, revision FROM revisions WHERE code = $1",
    [Q_RAW] = "SELECT raw FROM revisions WHERE id = $1 AND revision = $2",
    [Q_PDF] = "SELECT pdf FROM revision_files WHERE id = $1 AND revision = $2",
    [Q_SAME] = "SELECT c.latest, r.code FROM certificates c"
               " JOIN revisions r ON r.id = c.id AND r.revision = c.latest"
               " WHERE c.id = $1 AND c.institution_id = $2 AND c.user_id = $3 AND c.course_id = $4"
               " AND r.canonical = $5",
    /* Current files first: a file re-made to the same bytes is current. */
    [Q_FIND_FILE] = "SELECT r.id, r.revision, r.code, 0 FROM revisions r WHERE r.sha256 = $1"
                    " UNION ALL SELECT e.id, e.revision, r.code, 1 FROM earlier_files e"
                    " JOIN revisions r ON r.id = e.id AND r.revision = e.revision"
                    " WHERE e.sha256 = $1 ORDER BY 4 LIMIT 1",
    /* Before rerender records the new file: the hash of the one it
     * replaces, unless the new file has the same bytes. */
    [Q_REPLACED] = "INSERT INTO earlier_files (sha256, id, revision, replaced_at)"
                   " SELECT sha256, id, revision, $4 FROM revisions"
                   " WHERE id = $1 AND revision = $2 AND sha256 <> $3",
    /* Audit records, one or many (arrays of the same length, in order), in
     * a transaction committed without waiting for the WAL to reach the disk
     * (synchronous_commit off for this transaction only): they are lost only
     * if the database server itself crashes within a fraction of a second,
     * as the SQLite store's audit lines, written without fsync, are on a
     * crash of the machine. A delivery thus flushes the WAL only for what it
     * archives. */
    [Q_AUDIT_ADD] = "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))"
                    " INSERT INTO audit (time, institution_id, status, line)"
                    " SELECT a.t, a.i, a.s, a.l FROM quick,"
                    " unnest($1::text[], $2::bigint[], $3::integer[], $4::bytea[])"
                    " WITH ORDINALITY AS a(t, i, s, l, n) ORDER BY a.n",
};

const char *store_pg_sql(enum store_pg_q q)
{
    return sql[q];
}

/* The PostgreSQL store's schema (STORE_PG_SCHEMA_VERSION), made or upgraded
 * by the first process that opens the database, under an advisory lock so
 * that nodes starting together do not race; its version is the one row of
 * certifica_schema, and a database of a newer version than this program
 * knows is refused. Search needs the
 * contrib extensions unaccent and pg_trgm (Debian's postgresql package ships
 * them): made here when the role may, else the operator makes them once (see
 * docs/postgresql.md). The statements on its tables are in store_pg_sql.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"
#include "banned.h"

/* pg_advisory_lock key of the schema: "cert" in ASCII. */
#define SCHEMA_LOCK "1667592820"

/* Ids and times are compared byte by byte (COLLATE "C"), as the SQLite store
 * does, whatever the database's locale. The certificate's row holds the
 * latest revision's fields and the search text (see store_pg_search.c):
 * search_doc folded by the server (lower, unaccent), search_grams the CJK
 * bigrams; both indexed by trigrams for LIKE. PDFs are already compressed:
 * kept as they are (STORAGE EXTERNAL), out of line. */
static const char *const schema_v1[] = {
    "CREATE TABLE certificates ("
    " seq bigserial UNIQUE,"
    " id text COLLATE \"C\" PRIMARY KEY,"
    " institution_id bigint NOT NULL, user_id bigint NOT NULL, course_id bigint NOT NULL,"
    " school_id bigint NOT NULL,"
    " user_name text NOT NULL, user_email text NOT NULL, user_cpf text,"
    " course_name text NOT NULL, school_name text NOT NULL, workload text, type text NOT NULL,"
    " certified_at text COLLATE \"C\" NOT NULL, concluded_at text NOT NULL, enrolled_at text,"
    " approval_rate double precision,"
    " latest integer NOT NULL,"
    " revoked boolean NOT NULL DEFAULT false, revoke_reason text, revoked_at text,"
    " search_doc text NOT NULL DEFAULT '', search_grams text NOT NULL DEFAULT '',"
    " UNIQUE (institution_id, user_id, course_id))",
    "CREATE TABLE revisions ("
    " id text COLLATE \"C\" NOT NULL REFERENCES certificates (id),"
    " revision integer NOT NULL,"
    " code text NOT NULL UNIQUE,"
    " sha256 text NOT NULL, size bigint NOT NULL, generation integer NOT NULL DEFAULT 0,"
    " created_at text NOT NULL, rendered_at text NOT NULL,"
    " superseded boolean NOT NULL DEFAULT false,"
    " send_at text, canonical text NOT NULL, raw bytea NOT NULL,"
    " PRIMARY KEY (id, revision))",
    "CREATE TABLE revision_files ("
    " id text COLLATE \"C\" NOT NULL, revision integer NOT NULL, pdf bytea NOT NULL,"
    " PRIMARY KEY (id, revision),"
    " FOREIGN KEY (id, revision) REFERENCES revisions (id, revision))",
    "ALTER TABLE revision_files ALTER COLUMN pdf SET STORAGE EXTERNAL",
    "CREATE TABLE staff ("
    " seq bigserial PRIMARY KEY, name text NOT NULL, token_sha256 bytea NOT NULL UNIQUE,"
    " created_at text NOT NULL, revoked_at text,"
    " institution_id bigint NOT NULL DEFAULT 0, school_id bigint NOT NULL DEFAULT 0)",
    "CREATE UNIQUE INDEX staff_active ON staff (lower(name)) WHERE revoked_at IS NULL",
    "CREATE TABLE webhook_tokens ("
    " seq bigserial PRIMARY KEY, label text NOT NULL, institution_id bigint NOT NULL,"
    " token_sha256 bytea NOT NULL UNIQUE, created_at text NOT NULL, revoked_at text)",
    "CREATE UNIQUE INDEX webhook_tokens_active ON webhook_tokens (lower(label))"
    " WHERE revoked_at IS NULL",
    /* The listing is newest first, then by id; the filters' columns lead. */
    "CREATE INDEX certificates_recent ON certificates (certified_at DESC, id)",
    "CREATE INDEX certificates_course ON certificates (course_id, certified_at DESC, id)",
    "CREATE INDEX certificates_institution"
    " ON certificates (institution_id, certified_at DESC, id)",
    "CREATE INDEX certificates_revoked ON certificates (certified_at DESC, id) WHERE revoked",
    "CREATE INDEX certificates_doc ON certificates USING gin (search_doc gin_trgm_ops)",
    "CREATE INDEX certificates_grams ON certificates USING gin (search_grams gin_trgm_ops)",
    "CREATE TABLE certifica_schema (version integer NOT NULL)",
    "INSERT INTO certifica_schema (version) VALUES (1)",
};

/* Version 2: each certificate's expiry ("yyyy-MM-dd HH:mm:ss", NULL:
 * never), which status=valid and status=expired compare with the query's
 * now; a file's hash finds its revision, and a file rerender replaced keeps
 * its hash in earlier_files (/verify/check); the audit records, in the order
 * written (seq). Instant on any archive: no row is rewritten. */
static const char *const schema_v2[] = {
    "ALTER TABLE certificates ADD COLUMN expires_at text COLLATE \"C\"",
    "CREATE INDEX certificates_expiry ON certificates (expires_at) WHERE NOT revoked",
    "CREATE INDEX revisions_sha256 ON revisions (sha256)",
    "CREATE TABLE earlier_files ("
    " sha256 text NOT NULL, id text COLLATE \"C\" NOT NULL, revision integer NOT NULL,"
    " replaced_at text NOT NULL,"
    " FOREIGN KEY (id, revision) REFERENCES revisions (id, revision))",
    "CREATE INDEX earlier_files_sha256 ON earlier_files (sha256)",
    "CREATE TABLE audit ("
    " seq bigserial PRIMARY KEY, time text COLLATE \"C\" NOT NULL,"
    " institution_id bigint NOT NULL, status integer NOT NULL, line bytea NOT NULL)",
    "CREATE INDEX audit_time ON audit (time)",
    "UPDATE certifica_schema SET version = 2",
};

/* Version 3: the listing's own index, of the certificates it shows only
 * (latest > 0), so that the total of an unfiltered listing and a deep page
 * are read from the index alone instead of every row. Built in the upgrade's
 * transaction: writes wait meanwhile (seconds for a million certificates). */
static const char *const schema_v3[] = {
    "CREATE INDEX certificates_listed ON certificates (certified_at DESC, id) WHERE latest > 0",
    "UPDATE certifica_schema SET version = 3",
};

/* Version 4: what the listing's totals are counted from without a look at
 * the certificates (see store_pg_search.c). search_words: the words of every
 * listed certificate's search text, each with the certificate's seq and
 * walls; the search text cut at its spaces, without the fields' "|", are the
 * words LIKE '% word%' finds. listing_counts: rows of +1 and -1 whose sum by
 * institution and school is how many certificates are listed; a write only
 * ever adds a row (no row is shared, so no writer waits on another, even on
 * a batch of thousands), and a search folds the rows into one per school
 * when they are many. A trigger keeps both: every write of a certificate's
 * row, by a put, a copy or by hand, passes through it, so no writer can
 * forget them. Built in the upgrade's transaction (about 12 words a
 * certificate: seconds for a million). */
static const char *const schema_v4[] = {
    "CREATE TABLE search_words ("
    " word text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    " institution_id bigint NOT NULL, school_id bigint NOT NULL,"
    " PRIMARY KEY (word, seq) INCLUDE (institution_id, school_id))",
    "CREATE TABLE listing_counts ("
    " institution_id bigint NOT NULL, school_id bigint NOT NULL, n bigint NOT NULL)",
    "CREATE FUNCTION certifica_listing() RETURNS trigger LANGUAGE plpgsql"
    " SET search_path FROM CURRENT AS $$"
    " DECLARE"
    "  was_listed boolean := TG_OP <> 'INSERT' AND OLD.latest > 0;"
    "  is_listed boolean := TG_OP <> 'DELETE' AND NEW.latest > 0;"
    "  moved boolean := was_listed AND is_listed AND NEW.school_id <> OLD.school_id;"
    " BEGIN"
    "  IF was_listed AND is_listed AND NOT moved AND NEW.search_doc = OLD.search_doc THEN"
    "   RETURN NULL;"
    "  END IF;"
    "  IF was_listed THEN"
    "   DELETE FROM search_words"
    "    WHERE word = ANY (string_to_array(OLD.search_doc, ' ')) AND seq = OLD.seq;"
    "   IF moved OR NOT is_listed THEN"
    "    INSERT INTO listing_counts VALUES (OLD.institution_id, OLD.school_id, -1);"
    "   END IF;"
    "  END IF;"
    "  IF is_listed THEN"
    "   INSERT INTO search_words (word, seq, institution_id, school_id)"
    "    SELECT DISTINCT w, NEW.seq, NEW.institution_id, NEW.school_id"
    "    FROM unnest(string_to_array(NEW.search_doc, ' ')) AS w WHERE w <> '' AND w <> '|';"
    "   IF moved OR NOT was_listed THEN"
    "    INSERT INTO listing_counts VALUES (NEW.institution_id, NEW.school_id, 1);"
    "   END IF;"
    "  END IF;"
    "  RETURN NULL;"
    " END $$",
    /* Only for writes that change what is listed: not for a put's claim
     * (latest 0), nor for a revision with the same words and school. */
    "CREATE TRIGGER certificates_listing_insert AFTER INSERT ON certificates"
    " FOR EACH ROW WHEN (NEW.latest > 0) EXECUTE FUNCTION certifica_listing()",
    "CREATE TRIGGER certificates_listing_update"
    " AFTER UPDATE OF latest, search_doc, school_id ON certificates FOR EACH ROW"
    " WHEN ((OLD.latest > 0) <> (NEW.latest > 0) OR (NEW.latest > 0"
    " AND (NEW.search_doc <> OLD.search_doc OR NEW.school_id <> OLD.school_id)))"
    " EXECUTE FUNCTION certifica_listing()",
    "CREATE TRIGGER certificates_listing_delete AFTER DELETE ON certificates"
    " FOR EACH ROW WHEN (OLD.latest > 0) EXECUTE FUNCTION certifica_listing()",
    "INSERT INTO search_words (word, seq, institution_id, school_id)"
    " SELECT DISTINCT w, c.seq, c.institution_id, c.school_id"
    " FROM certificates c, unnest(string_to_array(c.search_doc, ' ')) AS w"
    " WHERE c.latest > 0 AND w <> '' AND w <> '|'",
    "INSERT INTO listing_counts SELECT institution_id, school_id, count(*) FROM certificates"
    " WHERE latest > 0 GROUP BY institution_id, school_id",
    "UPDATE certifica_schema SET version = 4",
};

/* The extensions search needs: made when missing, which needs the right to. */
static int extensions(struct store_pg *st, PGconn *pg, char *err, size_t errlen)
{
    const char *names[] = {"unaccent", "pg_trgm"};
    char q[160];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v[] = {names[i]};
        PGresult *r = store_pg_query(st, pg, "SELECT 1 FROM pg_extension WHERE extname = $1", 1, v,
                                     "read", err, errlen);
        int have;
        if (!r)
            return -1;
        have = PQntuples(r) > 0;
        PQclear(r);
        if (have)
            continue;
        snprintf(q, sizeof(q), "CREATE EXTENSION IF NOT EXISTS %s", names[i]);
        if (store_pg_exec(st, pg, q, "set up", err, errlen) < 0) {
            snprintf(err, errlen,
                     "database '%s' lacks the extension '%s' and this role may not make it: "
                     "as a superuser run CREATE EXTENSION %s; in that database",
                     st->label, names[i], names[i]);
            return -1;
        }
    }
    return 0;
}

static int read_version(struct store_pg *st, PGconn *pg, int *version, char *err, size_t errlen)
{
    PGresult *r = store_pg_query(st, pg, "SELECT to_regclass('certifica_schema') IS NOT NULL", 0,
                                 NULL, "read", err, errlen);
    int have;

    if (!r)
        return -1;
    have = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    *version = 0;
    if (!have)
        return 0;
    r = store_pg_query(st, pg, "SELECT max(version) FROM certifica_schema", 0, NULL, "read", err,
                       errlen);
    if (!r)
        return -1;
    *version = (int)store_pg_int(r, 0, 0);
    PQclear(r);
    return 0;
}

/* One version's steps in one transaction. */
static int steps(struct store_pg *st, PGconn *pg, const char *const *sql, size_t n, char *err,
                 size_t errlen)
{
    if (store_pg_exec(st, pg, "BEGIN", "create", err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (store_pg_exec(st, pg, sql[i], "create the schema of", err, errlen) < 0) {
            store_pg_exec(st, pg, "ROLLBACK", "create", err + strlen(err), 0);
            return -1;
        }
    }
    return store_pg_exec(st, pg, "COMMIT", "create", err, errlen);
}

int store_pg_schema_ready(struct store_pg *st, PGconn *pg, char *err, size_t errlen)
{
    int version = 0, rc = -1;

    if (store_pg_exec(st, pg, "SELECT pg_advisory_lock(" SCHEMA_LOCK ")", "lock", err, errlen) < 0)
        return -1;
    if (extensions(st, pg, err, errlen) < 0 || read_version(st, pg, &version, err, errlen) < 0)
        goto out;
    if (version > STORE_PG_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "database '%s' has schema version %d, newer than this certifica knows (%d): "
                 "run a newer certifica",
                 st->label, version, STORE_PG_SCHEMA_VERSION);
        goto out;
    }
    /* A new database takes every version's steps in turn. */
    if (version == 0 &&
        steps(st, pg, schema_v1, sizeof(schema_v1) / sizeof(schema_v1[0]), err, errlen) < 0)
        goto out;
    if (version < 2 &&
        steps(st, pg, schema_v2, sizeof(schema_v2) / sizeof(schema_v2[0]), err, errlen) < 0)
        goto out;
    if (version < 3 &&
        steps(st, pg, schema_v3, sizeof(schema_v3) / sizeof(schema_v3[0]), err, errlen) < 0)
        goto out;
    if (version < 4 &&
        steps(st, pg, schema_v4, sizeof(schema_v4) / sizeof(schema_v4[0]), err, errlen) < 0)
        goto out;
    rc = 0;
out : {
    char ignored[8];
    store_pg_exec(st, pg, "SELECT pg_advisory_unlock(" SCHEMA_LOCK ")", "unlock", ignored,
                  sizeof(ignored));
}
    return rc;
}

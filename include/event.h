/* The platform's "Certificate Issued" event: parse a JSON body, check every
 * rule of SPEC §2, and hand back a plain struct. Nothing downstream of this
 * module touches cJSON. All functions are thread-safe (no shared state). */
#ifndef EVENT_H
#define EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "caltime.h"

#define EVENT_SLUG_ISSUED "activities.certificate.issued"
#define EVENT_MAX_TEXT 300              /* characters in a name: user, course, school, manager */
#define EVENT_MAX_ID 9007199254740991LL /* 2^53 - 1: beyond it doubles lose digits */
#define EVENT_MAX_MANAGERS 100          /* school.managers entries */

enum event_status {
    EVENT_OK = 0,      /* a valid certificate event: *ev is filled */
    EVENT_IGNORED = 1, /* a well-formed envelope with another slug: nothing to do */
    EVENT_BAD_JSON,    /* not JSON, or not UTF-8 (HTTP 400) */
    EVENT_INVALID,     /* JSON, but schema violations (HTTP 422) */
};

enum cert_type { CERT_PARTICIPATION = 0, CERT_ACHIEVEMENT = 1 };

/* One problem: a JSON path like "data.user.name" or "data.school.managers[2]
 * .manager_id", and a lowercase message like "required, missing". */
struct event_diag {
    char path[96];
    char message[160];
};

/* Every error (and warning) of one event, all at once. */
struct event_diags {
    struct event_diag *errors;
    size_t n_errors;
    struct event_diag *warnings; /* e.g. a CPF with wrong check digits */
    size_t n_warnings;
};

struct event_manager {
    int64_t id;
    char *name; /* trimmed, valid UTF-8 */
};

/* A validated event. Strings are owned by the struct, NUL-terminated, valid
 * UTF-8, trimmed of surrounding white space. Optional strings are NULL. */
struct event {
    char *slug;
    char *name; /* event.name, may be NULL */
    struct caltime send_at;

    int64_t institution_id;

    int64_t user_id;
    char *user_name;
    char *user_email;
    char *user_cpf;     /* digits only, 11 of them, or NULL when absent/unusable */
    char *user_cpf_raw; /* as sent, or NULL */
    char *user_nickname;
    char *user_uuid;

    int64_t course_id;
    char *course_name;
    char *workload_raw;   /* as sent: "1h30min" */
    int workload_minutes; /* 90; 0 leaves the workload clause out */
    int has_enrolled_at;
    struct caltime enrolled_at;
    struct caltime concluded_at;

    int64_t school_id;
    char *school_name;
    struct event_manager *managers;
    size_t n_managers;

    struct caltime certified_at;
    enum cert_type type;
    int has_approval_rate;
    double approval_rate; /* 0..100 */

    /* The canonical content: "data" with keys sorted recursively, compact
     * JSON, send_at excluded. Equal strings mean "the same certificate". */
    char *canonical;
};

/* Parse and validate body[0..len). On EVENT_OK fills *ev (free with
 * event_free). On EVENT_INVALID or EVENT_BAD_JSON fills *d (free with
 * event_diags_free); for EVENT_BAD_JSON it holds one diag with path "" or
 * the byte offset in the message. Warnings may be present on EVENT_OK.
 * Both structs are zeroed first (not freed). Whatever the status, ev->slug and
 * ev->name hold the envelope's values when it had them (for logs); every other
 * field is set only on EVENT_OK. Call event_free and event_diags_free after
 * every call: both are safe on zeroed structs. Errors come in document order;
 * beyond 100 the rest are summed up in a last diag with path "". */
enum event_status event_parse(const char *body, size_t len, struct event *ev,
                              struct event_diags *d);
void event_free(struct event *ev);
void event_diags_free(struct event_diags *d);

/* Workload "10h", "1h30min", "90min", "0h" (also "1h 30min", "2 h", case-
 * insensitive) into minutes. 0 or -1 when malformed. */
int event_parse_workload(const char *s, int *minutes);

/* Check a CPF's two check digits; digits is 11 ASCII digits. 1 when valid. */
int event_cpf_valid(const char *digits);

const char *event_type_name(enum cert_type t); /* "participation" / "achievement" */

#endif

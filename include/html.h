/* HTML for the staff and verification pages: the one escaping function, URL
 * encoding, the page shell with its inline style sheet, the pages' words in
 * Portuguese and English, and the choice between them.
 * Pure functions, thread-safe. Output is appended to a struct buf. */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "i18n.h"

/* Every word and sentence the pages print, by id; see html_str. */
enum html_str {
    H_CERTIFICATES,
    H_CERTIFICATE,
    H_VERIFY_NAV,
    H_SEARCH,
    H_SEARCH_LABEL,
    H_SEARCH_HINT,
    H_COURSE_ID,
    H_INSTITUTION_ID,
    H_TYPE,
    H_ANY,
    H_PARTICIPATION,
    H_ACHIEVEMENT,
    H_FROM,
    H_TO,
    H_STATUS,
    H_VALID_PLURAL,
    H_REVOKED_PLURAL,
    H_EXPIRED_PLURAL,
    H_NAME,
    H_COURSE,
    H_DATE,
    H_REVISION,
    H_REVISION_N,
    H_NO_RESULTS,
    H_ONE_RESULT,
    H_N_RESULTS,
    H_PAGE_OF,
    H_PREVIOUS,
    H_NEXT,
    H_VALID,
    H_SUPERSEDED,
    H_REVOKED,
    H_REVOKED_ON,
    H_EXPIRED,
    H_EXPIRED_ON,
    H_VALID_UNTIL,
    H_HOLDER,
    H_EMAIL,
    H_CPF,
    H_SCHOOL,
    H_INSTITUTION,
    H_WORKLOAD,
    H_ENROLLED,
    H_CONCLUDED,
    H_CERTIFIED,
    H_APPROVAL,
    H_CODE,
    H_PUBLIC_PAGE,
    H_OPEN_PDF,
    H_REVISIONS,
    H_CURRENT,
    H_SUPERSEDED_SHORT,
    H_ARCHIVED_AT,
    H_SIZE,
    H_REVOKE_TITLE,
    H_REVOKE_REASON,
    H_REVOKE_BUTTON,
    H_REVOKE_WARNING,
    H_VERIFY_TITLE,
    H_VERIFY_PROMPT,
    H_VERIFY_BUTTON,
    H_VERIFY_HELP,
    H_NOT_FOUND_TITLE,
    H_CODE_NOT_FOUND,
    H_CERT_NOT_FOUND,
    H_BAD_REQUEST_TITLE,
    H_BAD_PARAMETER,
    H_EXPECT_NUMBER,
    H_EXPECT_DATE,
    H_EXPECT_TYPE,
    H_EXPECT_STATUS,
    H_EXPECT_PAGE,
    H_EXPECT_PER_PAGE,
    H_EXPECT_TEXT,
    H_EXPECT_ORDER,
    H_SIGN_IN_TITLE,
    H_SIGN_IN_TEXT,
    H_ERROR_TITLE,
    H_ERROR_TEXT,
    H_FORBIDDEN_TITLE,
    H_FORBIDDEN_TEXT,
    H_REASON_REQUIRED,
    H_BACK,
    H_VERIFIED_BY,
    H_NOT_REVOKED,
    H_UNSUPPORTED,
    H_TOO_MANY_TITLE,
    H_TOO_MANY_TEXT,
    H_CHECK_TITLE,
    H_CHECK_PROMPT,
    H_CHECK_BUTTON,
    H_CHECK_EXACT,
    H_CHECK_EARLIER,
    H_CHECK_NONE,
    H_CHECK_DETAILS,
    H_CHECK_NOT_PDF,
    H_COUNT
};

/* The text of id in loc (UTF-8, static). Some are printf formats: H_N_RESULTS
 * (%lld), H_PAGE_OF (%d %d), H_REVOKED_ON (%s date, %s reason),
 * H_EXPIRED_ON and H_VALID_UNTIL (%s date),
 * H_CODE_NOT_FOUND (%s), H_BAD_PARAMETER (%s name, %s expectation),
 * H_EXPECT_TEXT (%d bytes, %d words), H_CHECK_EXACT and H_CHECK_EARLIER (%s
 * revision, for html_textf). */
const char *html_str(enum i18n_locale loc, enum html_str id);

/* Append s as HTML text or attribute value: & < > " ' become entities, bytes
 * that are not valid UTF-8 become U+FFFD, and control characters other than
 * tab and newline are dropped. NULL appends nothing. */
void html_escape(struct buf *out, const char *s);
void html_escape_n(struct buf *out, const char *s, size_t n);
/* printf into a scratch buffer, then html_escape the whole result. */
__attribute__((format(printf, 2, 3))) void html_escapef(struct buf *out, const char *fmt, ...);
/* <tag>escaped text</tag>. */
void html_elem(struct buf *out, const char *tag, const char *text);

/* Text that came from outside (names, courses, reasons, codes), isolated so
 * that its direction cannot reorder what follows it: <bdi>escaped</bdi>,
 * with its Bidi_Control characters (html_is_bidi_control) dropped, since an
 * unpaired one could close the isolate early. NULL gives an empty <bdi>. */
void html_text(struct buf *out, const char *s);
/* <tag><bdi>text</bdi></tag>. */
void html_elem_text(struct buf *out, const char *tag, const char *text);
/* fmt (a trusted html_str text, escaped) with each %s replaced by
 * html_text(args[i]) in turn; "%%" is a percent sign. */
void html_textf(struct buf *out, const char *fmt, const char *const *args);
/* 1 for Unicode's Bidi_Control characters: U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069. */
int html_is_bidi_control(uint32_t cp);

/* Percent-encode s for a URL path segment or query value: everything but
 * RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX. */
void html_url_encode(struct buf *out, const char *s);

/* A date-time "yyyy-MM-dd HH:mm:ss" (or a date "yyyy-MM-dd") in words,
 * escaped: "28 de agosto de 2023" / "August 28, 2023"; short form
 * "28/08/2023" / "2023-08-28". Anything else is escaped as given. */
void html_date(struct buf *out, enum i18n_locale loc, const char *when);
/* The long form as plain text (not escaped), to be escaped with more text. */
void html_date_text(struct buf *out, enum i18n_locale loc, const char *when);
void html_date_short(struct buf *out, enum i18n_locale loc, const char *when);

/* A workload as sent ("1h30min") in words, escaped: "1 hora e 30 minutos";
 * a zero workload as "—"; anything unreadable as html_text. */
void html_workload(struct buf *out, enum i18n_locale loc, const char *raw);

/* What the shell around a page says. */
struct html_page {
    enum i18n_locale loc;
    const char *title;  /* plain text, escaped and isolated here */
    int staff;          /* 1: the staff navigation (search, verify) */
    const char *url_pt; /* this page in each language (raw URLs, escaped here) */
    const char *url_en;
    const char *lang_query; /* "" or "?lang=en": added to the navigation links */
};

/* The doctype, head (charset, viewport, title, inline style sheet) and the
 * header bar; then the caller's <main> content, then html_end. */
void html_begin(struct buf *out, const struct html_page *p);
void html_end(struct buf *out, const struct html_page *p);

#endif

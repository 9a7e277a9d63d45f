/* Unit tests for html: escaping (markup, quotes, bad UTF-8, control
 * characters), URL encoding, dates and workloads in both languages, every
 * string present in both, and the page shell. */
#include <stdlib.h>

#include "html.h"
#include "utf8.h"
#include "tap.h"
#include "banned.h"

static struct buf out = BUF_INIT;

static const char *esc(const char *s)
{
    buf_reset(&out);
    html_escape(&out, s);
    return out.data ? out.data : "";
}

static const char *esc_n(const char *s, size_t n)
{
    buf_reset(&out);
    html_escape_n(&out, s, n);
    return out.data ? out.data : "";
}

static const char *urlenc(const char *s)
{
    buf_reset(&out);
    html_url_encode(&out, s);
    return out.data ? out.data : "";
}

static const char *date(enum i18n_locale loc, const char *when, int shrt)
{
    buf_reset(&out);
    if (shrt)
        html_date_short(&out, loc, when);
    else
        html_date(&out, loc, when);
    return out.data ? out.data : "";
}

static const char *workload(enum i18n_locale loc, const char *raw)
{
    buf_reset(&out);
    html_workload(&out, loc, raw);
    return out.data ? out.data : "";
}

static void test_escape(void)
{
    is_str(esc("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;",
           "markup is escaped");
    is_str(esc("a & b \"c\" 'd'"), "a &amp; b &quot;c&quot; &#39;d&#39;", "& and quotes");
    is_str(esc("João Conceição Zoë"), "João Conceição Zoë", "UTF-8 passes through");
    is_str(esc("tab\tline\nend"), "tab\tline\nend", "tab and newline are kept");
    is_str(esc("a\x01\x1b[31mb\x7f"), "a[31mb", "control characters are dropped");
    is_str(esc("a\xc2\x85z"), "az", "C1 control characters are dropped");
    is_str(esc("bad \xff byte"), "bad \xef\xbf\xbd byte", "an invalid byte becomes U+FFFD");
    is_str(esc("\xc3"), "\xef\xbf\xbd", "a cut sequence becomes U+FFFD");
    is_str(esc("\xc0\xbc"), "\xef\xbf\xbd\xef\xbf\xbd", "an overlong '<' is not let through");
    is_str(esc(""), "", "empty");
    is_str(esc(NULL), "", "NULL appends nothing");
    is_str(esc_n("a\0<b", 4), "a&lt;b", "a NUL inside a length is dropped");
    esc("x\xed\xa0\x80y");
    ok(utf8_valid(out.data, out.len), "a surrogate gives valid UTF-8");
    buf_reset(&out);
    html_escapef(&out, "%s: %d <%s>", "a&b", 7, "c");
    is_str(out.data, "a&amp;b: 7 &lt;c&gt;", "html_escapef escapes the whole result");
    buf_reset(&out);
    html_elem(&out, "td", "<x>");
    is_str(out.data, "<td>&lt;x&gt;</td>", "html_elem");
}

static void test_url(void)
{
    is_str(urlenc("João da Silva - Gestão.pdf"), "Jo%C3%A3o%20da%20Silva%20-%20Gest%C3%A3o.pdf",
           "UTF-8 and spaces are percent-encoded");
    is_str(urlenc("a/b?c=d&e#f\"g'h"), "a%2Fb%3Fc%3Dd%26e%23f%22g%27h",
           "reserved characters are percent-encoded");
    is_str(urlenc("AZaz09-._~"), "AZaz09-._~", "unreserved characters stay");
}

static void test_dates(void)
{
    is_str(date(I18N_PT_BR, "2023-08-28 20:47:31", 0), "28 de agosto de 2023", "pt date");
    is_str(date(I18N_PT_BR, "2023-08-01", 0), "1º de agosto de 2023", "pt first of the month");
    is_str(date(I18N_EN, "2023-08-28 20:47:31", 0), "August 28, 2023", "en date");
    is_str(date(I18N_PT_BR, "2023-08-28 20:47:31", 1), "28/08/2023", "pt short date");
    is_str(date(I18N_EN, "2023-08-28 20:47:31", 1), "2023-08-28", "en short date");
    is_str(date(I18N_EN, "<b>", 0), "&lt;b&gt;", "anything else is escaped as given");
    is_str(workload(I18N_PT_BR, "1h30min"), "1 hora e 30 minutos", "pt workload");
    is_str(workload(I18N_EN, "40h"), "40 hours", "en workload");
    is_str(workload(I18N_PT_BR, "0h"), "—", "zero workload");
    is_str(workload(I18N_PT_BR, "<x>"), "<bdi>&lt;x&gt;</bdi>",
           "an unreadable workload is escaped and isolated");
}

static void test_strings(void)
{
    int missing = 0;
    for (int i = 0; i < H_COUNT; i++)
        for (int l = 0; l < 2; l++)
            if (!*html_str((enum i18n_locale)l, (enum html_str)i)) {
                printf("# string %d missing in %s\n", i, l ? "en" : "pt-BR");
                missing++;
            }
    is_int(missing, 0, "every string exists in Portuguese and English");
    is_str(html_str(I18N_PT_BR, H_VALID), "válido", "pt: válido");
    is_str(html_str(I18N_EN, H_SUPERSEDED), "superseded by a newer revision", "en: superseded");
}

static void test_shell(void)
{
    struct html_page p = {I18N_EN, "<T>", 1, "/x?lang=pt", "/x?lang=en", "?lang=en"};
    buf_reset(&out);
    html_begin(&out, &p);
    buf_adds(&out, "body");
    html_end(&out, &p);
    ok(!strncmp(out.data, "<!DOCTYPE html>\n<html lang=\"en\">", 32), "doctype and language");
    ok(strstr(out.data,
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") != NULL,
       "a viewport for phones");
    ok(strstr(out.data, "<title>\u2068&lt;T&gt;\u2069 · certifica</title>") != NULL,
       "the title is escaped and isolated (FSI ... PDI)");
    ok(strstr(out.data, "<style>") != NULL, "the style sheet is inline");
    ok(strstr(out.data, "<script") == NULL, "no script");
    ok(strstr(out.data, "href=\"/x?lang=pt\">Português</a>") != NULL, "a link to Portuguese");
    ok(strstr(out.data, "href=\"/certificates?lang=en\"") != NULL, "links carry ?lang=en");
    ok(strstr(out.data, "<main>body</main></body></html>\n") != NULL, "the content and the end");
}

int main(void)
{
    test_escape();
    test_url();
    test_dates();
    test_strings();
    test_shell();
    buf_free(&out);
    return tap_done();
}

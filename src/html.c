/* HTML building blocks for the staff and verification pages: escaping, URL
 * encoding, dates, the page shell with its inline style sheet, and the
 * pages' words in Portuguese and English. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "event.h"
#include "html.h"
#include "utf8.h"
#include "banned.h"

static const char *const strs[H_COUNT][2] = {
    [H_CERTIFICATES] = {"Certificados", "Certificates"},
    [H_CERTIFICATE] = {"Certificado", "Certificate"},
    [H_VERIFY_NAV] = {"Verificar", "Verify"},
    [H_SEARCH] = {"Buscar", "Search"},
    [H_SEARCH_LABEL] = {"Nome, e-mail, CPF ou curso", "Name, e-mail, CPF or course"},
    [H_SEARCH_HINT] = {"Parte do nome basta; acentos e maiúsculas não importam.",
                       "Part of a name is enough; accents and capitals do not matter."},
    [H_COURSE_ID] = {"Curso (id)", "Course (id)"},
    [H_INSTITUTION_ID] = {"Instituição (id)", "Institution (id)"},
    [H_TYPE] = {"Tipo", "Type"},
    [H_ANY] = {"Todos", "Any"},
    [H_PARTICIPATION] = {"Participação", "Participation"},
    [H_ACHIEVEMENT] = {"Aproveitamento", "Achievement"},
    [H_FROM] = {"Emitido de", "Issued from"},
    [H_TO] = {"até", "to"},
    [H_STATUS] = {"Situação", "Status"},
    [H_VALID_PLURAL] = {"Válidos", "Valid"},
    [H_REVOKED_PLURAL] = {"Revogados", "Revoked"},
    [H_EXPIRED_PLURAL] = {"Expirados", "Expired"},
    [H_NAME] = {"Nome", "Name"},
    [H_COURSE] = {"Curso", "Course"},
    [H_DATE] = {"Emissão", "Issued"},
    [H_REVISION] = {"Revisão", "Revision"},
    [H_REVISION_N] = {"revisão %d", "revision %d"},
    [H_NO_RESULTS] = {"Nenhum certificado encontrado.", "No certificates found."},
    [H_ONE_RESULT] = {"1 certificado", "1 certificate"},
    [H_N_RESULTS] = {"%lld certificados", "%lld certificates"},
    [H_PAGE_OF] = {"Página %d de %d", "Page %d of %d"},
    [H_PREVIOUS] = {"← Anterior", "← Previous"},
    [H_NEXT] = {"Próxima →", "Next →"},
    [H_VALID] = {"válido", "valid"},
    [H_SUPERSEDED] = {"substituído por uma revisão mais recente", "superseded by a newer revision"},
    [H_REVOKED] = {"revogado", "revoked"},
    [H_REVOKED_ON] = {"revogado em %s: %s", "revoked on %s: %s"},
    [H_EXPIRED] = {"expirado", "expired"},
    [H_EXPIRED_ON] = {"expirado em %s", "expired on %s"},
    [H_VALID_UNTIL] = {"válido até %s", "valid until %s"},
    [H_HOLDER] = {"Titular", "Holder"},
    [H_EMAIL] = {"E-mail", "E-mail"},
    [H_CPF] = {"CPF", "CPF"},
    [H_SCHOOL] = {"Escola", "School"},
    [H_INSTITUTION] = {"Instituição", "Institution"},
    [H_WORKLOAD] = {"Carga horária", "Workload"},
    [H_ENROLLED] = {"Matrícula", "Enrolled"},
    [H_CONCLUDED] = {"Conclusão", "Completed"},
    [H_CERTIFIED] = {"Emissão", "Issued"},
    [H_APPROVAL] = {"Aproveitamento", "Approval rate"},
    [H_CODE] = {"Código de verificação", "Verification code"},
    [H_PUBLIC_PAGE] = {"página pública", "public page"},
    [H_OPEN_PDF] = {"Abrir PDF", "Open PDF"},
    [H_REVISIONS] = {"Revisões", "Revisions"},
    [H_CURRENT] = {"atual", "current"},
    [H_SUPERSEDED_SHORT] = {"substituída", "superseded"},
    [H_ARCHIVED_AT] = {"Arquivada em", "Archived"},
    [H_SIZE] = {"Tamanho", "Size"},
    [H_REVOKE_TITLE] = {"Revogar este certificado", "Revoke this certificate"},
    [H_REVOKE_REASON] = {"Motivo (aparece na página pública de verificação)",
                         "Reason (shown on the public verification page)"},
    [H_REVOKE_BUTTON] = {"Revogar", "Revoke"},
    [H_REVOKE_WARNING] = {"A revogação vale para todas as revisões e não pode ser desfeita.",
                          "Revocation applies to every revision and cannot be undone."},
    [H_VERIFY_TITLE] = {"Verificação de certificado", "Certificate verification"},
    [H_VERIFY_PROMPT] = {"Código impresso no certificado", "Code printed on the certificate"},
    [H_VERIFY_BUTTON] = {"Verificar", "Verify"},
    [H_VERIFY_HELP] = {"O código fica ao lado do QR code, no formato XXXXX-XXXXX-XXXXX.",
                       "The code is next to the QR code, in the form XXXXX-XXXXX-XXXXX."},
    [H_NOT_FOUND_TITLE] = {"Não encontrado", "Not found"},
    [H_CODE_NOT_FOUND] = {"Nenhum certificado tem o código “%s”. Confira o código impresso "
                          "no certificado: este pode não ser autêntico.",
                          "No certificate has the code “%s”. Check the code printed on the "
                          "certificate: this one may not be genuine."},
    [H_CERT_NOT_FOUND] = {"Este certificado não existe.", "There is no such certificate."},
    [H_BAD_REQUEST_TITLE] = {"Busca inválida", "Invalid search"},
    [H_BAD_PARAMETER] = {"Parâmetro “%s”: %s.", "Parameter “%s”: %s."},
    [H_EXPECT_NUMBER] = {"esperado um número inteiro positivo", "expected a positive whole number"},
    [H_EXPECT_DATE] = {"esperada uma data aaaa-mm-dd", "expected a date yyyy-mm-dd"},
    [H_EXPECT_TYPE] = {"esperado participation ou achievement",
                       "expected participation or achievement"},
    [H_EXPECT_STATUS] = {"esperado valid, revoked ou expired", "expected valid, revoked or expired"},
    [H_EXPECT_PAGE] = {"esperado um número de página de 1 a 100000",
                       "expected a page number from 1 to 100000"},
    [H_EXPECT_PER_PAGE] = {"esperado um número de 1 a 100", "expected a number from 1 to 100"},
    [H_EXPECT_TEXT] = {"até %d bytes e %d palavras de texto em UTF-8",
                       "at most %d bytes and %d words of UTF-8 text"},
    [H_EXPECT_ORDER] = {"a data inicial vem depois da final", "the start date is after the end"},
    [H_SIGN_IN_TITLE] = {"Acesso restrito", "Sign-in required"},
    [H_SIGN_IN_TEXT] = {"Entre com qualquer nome de usuário e, como senha, o seu token de "
                        "equipe (certifica staff add NOME).",
                        "Sign in with any user name and, as the password, your staff token "
                        "(certifica staff add NAME)."},
    [H_ERROR_TITLE] = {"Erro", "Error"},
    [H_ERROR_TEXT] = {"Não foi possível atender ao pedido agora. Tente de novo em instantes.",
                      "The request could not be served now. Try again in a moment."},
    [H_FORBIDDEN_TITLE] = {"Pedido recusado", "Request refused"},
    [H_FORBIDDEN_TEXT] = {"O formulário expirou ou veio de outro site. Abra a página de novo e "
                          "repita.",
                          "The form expired or came from another site. Open the page again and "
                          "retry."},
    [H_REASON_REQUIRED] = {"Informe o motivo da revogação (até 500 caracteres).",
                           "Give the reason for the revocation (up to 500 characters)."},
    [H_BACK] = {"Voltar", "Back"},
    [H_VERIFIED_BY] = {"Verificação oferecida por certifica.", "Verification by certifica."},
    [H_NOT_REVOKED] = {"Certificado não revogado", "Certificate not revoked"},
    [H_UNSUPPORTED] = {"Envie o formulário da página do certificado ou JSON.",
                       "Send the form of the certificate's page, or JSON."},
    [H_TOO_MANY_TITLE] = {"Tentativas demais", "Too many attempts"},
    [H_TOO_MANY_TEXT] = {"Houve tentativas de entrada erradas demais deste endereço. Espere "
                         "alguns segundos e tente de novo.",
                         "Too many failed sign-ins came from this address. Wait a few seconds "
                         "and try again."},
    [H_CHECK_TITLE] = {"Conferência de arquivo PDF", "PDF file check"},
    [H_CHECK_PROMPT] = {"Ou envie o arquivo PDF do certificado", "Or upload the certificate's PDF"},
    [H_CHECK_BUTTON] = {"Conferir o arquivo", "Check the file"},
    [H_CHECK_EXACT] = {"Este arquivo é exatamente o certificado emitido aqui (revisão %s), sem "
                       "nenhuma alteração.",
                       "This file is exactly the certificate issued here (revision %s), "
                       "unchanged."},
    [H_CHECK_EARLIER] = {"Este arquivo é uma versão anterior do PDF da revisão %s, emitida aqui "
                         "e refeita depois com o mesmo conteúdo.",
                         "This file is an earlier rendering of revision %s, issued here and "
                         "re-made since with the same contents."},
    [H_CHECK_NONE] = {"Este arquivo não foi emitido aqui, ou foi alterado depois de emitido.",
                      "This file was not issued here, or it was changed since."},
    [H_CHECK_DETAILS] = {"Ver a situação do certificado", "See the certificate's status"},
    [H_CHECK_NOT_PDF] = {"Isto não é um arquivo PDF. Envie o PDF do certificado.",
                         "This is not a PDF file. Upload the certificate's PDF."},
};

/* Small, phone-first, no external assets. */
static const char style[] =
    ":root{--fg:#1d2430;--muted:#5b6472;--line:#d9dee5;--bg:#f4f6f9;--acc:#1f5fbf;"
    "--ok:#17723a;--warn:#8a5200;--bad:#b3261e}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
    "sans-serif;color:var(--fg);background:var(--bg)}"
    "a{color:var(--acc)}"
    "header{background:#fff;border-bottom:1px solid var(--line)}"
    ".bar,main{max-width:64rem;margin:0 auto;padding:.6rem 1rem}"
    ".bar{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}"
    ".brand{font-weight:700;color:var(--fg);text-decoration:none;margin-right:auto}"
    "nav a{margin-left:.9rem}"
    "h1{font-size:1.45rem;line-height:1.25;margin:.6rem 0 1rem;overflow-wrap:anywhere}"
    "h2{font-size:1.1rem;margin:0 0 .75rem}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:1rem;"
    "margin:0 0 1rem}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(8.5rem,1fr));gap:.75rem;"
    "align-items:end}"
    ".wide{grid-column:1/-1}"
    ".row{display:flex;gap:.5rem}.row input{flex:1}.row button{width:auto;padding:0 1.25rem}"
    "label{display:block;font-size:.85rem;color:var(--muted);margin-bottom:.15rem}"
    "input,select,textarea,button{font:inherit;width:100%;padding:.4rem .6rem;"
    "border:1px solid #b6bfcb;border-radius:.375rem;background:#fff;color:inherit}"
    "input,select,button{height:2.5rem}"
    "button{background:var(--acc);border-color:var(--acc);color:#fff;font-weight:600;"
    "cursor:pointer}"
    "button.danger{background:var(--bad);border-color:var(--bad);width:auto;padding:0 1.25rem}"
    ".table{overflow-x:auto}"
    "table{width:100%;border-collapse:collapse;background:#fff}"
    "th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid var(--line);"
    "vertical-align:top}"
    "th{font-size:.85rem;color:var(--muted);font-weight:600;white-space:nowrap}"
    "td{overflow-wrap:break-word}.nw{white-space:nowrap}"
    ".badge{display:inline-block;padding:0 .55rem;border-radius:1rem;font-size:.85rem;"
    "font-weight:600;white-space:nowrap}"
    ".ok{background:#e2f3e7;color:var(--ok)}.warn{background:#fcefd8;color:var(--warn)}"
    ".bad{background:#fbe3e1;color:var(--bad)}"
    ".status{font-size:1.15rem;font-weight:700;padding:.75rem 1rem;border-radius:.5rem;"
    "margin:0 0 1rem;overflow-wrap:anywhere}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}"
    "dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}"
    ".pager{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;"
    "justify-content:space-between;margin:1rem 0}"
    ".muted{color:var(--muted);font-size:.9rem}"
    ".institution{display:flex;align-items:center;gap:.75rem;margin:.6rem 0 0;font-size:1.1rem}"
    ".logo{max-height:4rem;max-width:12rem}"
    ".code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;letter-spacing:.03em}"
    "footer{max-width:64rem;margin:0 auto;padding:1rem;color:var(--muted);font-size:.85rem}"
    "@media (max-width:40rem){"
    "table.list thead{display:none}"
    "table.list tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}"
    "table.list td{display:flex;gap:.6rem;border:0;padding:.1rem .6rem}"
    "table.list td::before{content:attr(data-label);flex:0 0 6.5rem;color:var(--muted);"
    "font-size:.85rem}"
    "dl{grid-template-columns:1fr;gap:0}dt{margin-top:.5rem}dt:first-child{margin-top:0}"
    "h1{font-size:1.25rem}}";

const char *html_str(enum i18n_locale loc, enum html_str id)
{
    if ((unsigned)id >= H_COUNT)
        return "";
    return strs[id][loc == I18N_EN ? 1 : 0];
}

int html_is_bidi_control(uint32_t cp)
{
    return cp == 0x61c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* html_escape_n, dropping Bidi_Control characters when no_bidi is 1. */
static void escape(struct buf *out, const char *s, size_t n, int no_bidi)
{
    size_t i = 0, run = 0;
    buf_grow(out, n + 16);
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *ent = NULL;
        uint32_t cp = 0;
        size_t len = 1;
        if (c == '&')
            ent = "&amp;";
        else if (c == '<')
            ent = "&lt;";
        else if (c == '>')
            ent = "&gt;";
        else if (c == '"')
            ent = "&quot;";
        else if (c == '\'')
            ent = "&#39;";
        else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            ent = "";
        else if (c >= 0x80 && (len = utf8_decode(s + i, n - i, &cp)) == 0) {
            ent = "\xef\xbf\xbd"; /* U+FFFD */
            len = 1;
        } else if (c >= 0x80 && cp >= 0x80 && cp < 0xa0) {
            ent = ""; /* C1 controls */
        } else if (c >= 0x80 && no_bidi && html_is_bidi_control(cp)) {
            ent = "";
        }
        if (!ent) {
            i += len;
            run += len;
            continue;
        }
        buf_add(out, s + i - run, run);
        buf_adds(out, ent);
        run = 0;
        i += len;
    }
    buf_add(out, s + i - run, run);
}

void html_escape_n(struct buf *out, const char *s, size_t n)
{
    escape(out, s, n, 0);
}

void html_escape(struct buf *out, const char *s)
{
    if (s)
        html_escape_n(out, s, strlen(s));
}

void html_escapef(struct buf *out, const char *fmt, ...)
{
    struct buf tmp = BUF_INIT;
    va_list ap;
    char small[256];
    int n;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        html_escape_n(out, small, (size_t)n);
        return;
    }
    buf_grow(&tmp, (size_t)n + 1);
    va_start(ap, fmt);
    n = vsnprintf(tmp.data, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (n >= 0)
        html_escape_n(out, tmp.data, (size_t)n);
    buf_free(&tmp);
}

void html_text(struct buf *out, const char *s)
{
    buf_adds(out, "<bdi>");
    if (s)
        escape(out, s, strlen(s), 1);
    buf_adds(out, "</bdi>");
}

void html_textf(struct buf *out, const char *fmt, const char *const *args)
{
    size_t k = 0;
    while (*fmt) {
        size_t n = strcspn(fmt, "%");
        escape(out, fmt, n, 0);
        fmt += n;
        if (fmt[0] == '%' && fmt[1] == 's') {
            html_text(out, args[k] ? args[k++] : "");
            fmt += 2;
        } else if (fmt[0] == '%') {
            buf_addc(out, '%');
            fmt += fmt[1] == '%' ? 2 : 1;
        }
    }
}

void html_elem_text(struct buf *out, const char *tag, const char *text)
{
    buf_addf(out, "<%s>", tag);
    html_text(out, text);
    buf_addf(out, "</%s>", tag);
}

void html_elem(struct buf *out, const char *tag, const char *text)
{
    buf_addf(out, "<%s>", tag);
    html_escape(out, text);
    buf_addf(out, "</%s>", tag);
}

void html_url_encode(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            buf_addc(out, (char)c);
        } else {
            buf_addc(out, '%');
            buf_addc(out, hex[c >> 4]);
            buf_addc(out, hex[c & 15]);
        }
    }
}

/* "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd": 0 and *t, or -1. */
static int parse_when(const char *when, struct caltime *t)
{
    if (!when)
        return -1;
    if (strlen(when) == 10)
        return caltime_parse_date(when, t);
    return caltime_parse(when, t);
}

void html_date_text(struct buf *out, enum i18n_locale loc, const char *when)
{
    struct caltime t;
    if (parse_when(when, &t) < 0)
        buf_adds(out, when ? when : "");
    else
        i18n_date(loc, &t, out);
}

void html_date(struct buf *out, enum i18n_locale loc, const char *when)
{
    struct buf tmp = BUF_INIT;
    html_date_text(&tmp, loc, when);
    html_escape_n(out, tmp.data ? tmp.data : "", tmp.len);
    buf_free(&tmp);
}

void html_date_short(struct buf *out, enum i18n_locale loc, const char *when)
{
    struct caltime t;
    if (parse_when(when, &t) < 0)
        html_escape(out, when);
    else if (loc == I18N_EN)
        buf_addf(out, "%04d-%02d-%02d", t.year, t.mon, t.day);
    else
        buf_addf(out, "%02d/%02d/%04d", t.day, t.mon, t.year);
}

void html_workload(struct buf *out, enum i18n_locale loc, const char *raw)
{
    struct buf tmp = BUF_INIT;
    int minutes;
    if (!raw || event_parse_workload(raw, &minutes) < 0) {
        html_text(out, raw);
        return;
    }
    if (minutes == 0) {
        buf_adds(out, "—");
        return;
    }
    i18n_workload(loc, minutes, &tmp);
    html_escape_n(out, tmp.data ? tmp.data : "", tmp.len);
    buf_free(&tmp);
}

void html_begin(struct buf *out, const struct html_page *p)
{
    const char *lq = p->lang_query ? p->lang_query : "";
    buf_addf(out,
             "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             "<meta name=\"robots\" content=\"noindex\"><title>\u2068",
             i18n_name(p->loc));
    /* The title may be a name: isolated (FSI ... PDI) like <bdi>. */
    if (p->title)
        escape(out, p->title, strlen(p->title), 1);
    buf_adds(out, "\u2069 · certifica</title><style>");
    buf_adds(out, style);
    buf_adds(out, "</style></head><body><header><div class=\"bar\">");
    if (p->staff) {
        buf_addf(out, "<a class=\"brand\" href=\"/");
        html_escape(out, lq);
        buf_adds(out, "\">certifica</a><nav><a href=\"/certificates");
        html_escape(out, lq);
        buf_adds(out, "\">");
        html_escape(out, html_str(p->loc, H_CERTIFICATES));
        buf_adds(out, "</a><a href=\"/verify");
    } else {
        buf_adds(out, "<a class=\"brand\" href=\"/verify");
        html_escape(out, lq);
        buf_adds(out, "\">certifica</a><nav><a href=\"/verify");
    }
    html_escape(out, lq);
    buf_adds(out, "\">");
    html_escape(out, html_str(p->loc, H_VERIFY_NAV));
    buf_adds(out, "</a>");
    if (p->url_pt && p->url_en) {
        buf_adds(out, p->loc == I18N_EN ? "<a lang=\"pt-BR\" href=\"" : "<a lang=\"en\" href=\"");
        html_escape(out, p->loc == I18N_EN ? p->url_pt : p->url_en);
        buf_adds(out, p->loc == I18N_EN ? "\">Português</a>" : "\">English</a>");
    }
    buf_adds(out, "</nav></div></header><main>");
}

void html_end(struct buf *out, const struct html_page *p)
{
    buf_adds(out, "</main>");
    if (!p->staff) {
        buf_adds(out, "<footer>");
        html_escape(out, html_str(p->loc, H_VERIFIED_BY));
        buf_adds(out, "</footer>");
    }
    buf_adds(out, "</body></html>\n");
}

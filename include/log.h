/* Log lines on stderr, one per event: "2024-06-01T12:00:00Z info: message"
 * (UTC, to the second). Used by the server and by the commands alike; it
 * sits below every other module and depends on none of them.
 * Thread safety: every function may be called from any thread; each line
 * goes out in one write(2) of at most LOG_LINE_MAX bytes (below PIPE_BUF),
 * so lines from many threads never interleave. */
#ifndef LOG_H
#define LOG_H

#define LOG_LINE_MAX 2200 /* bytes of a line, newline included; longer ones end "..." */

enum log_level {
    LOG_LEVEL_INFO,
    LOG_LEVEL_WARN,
    LOG_LEVEL_ERROR,
};

/* One line at level. Control characters in the message are replaced with
 * '?' and CPF-like digit runs masked (log_mask_cpf), so text from the
 * network can neither forge lines nor leak a CPF. */
__attribute__((format(printf, 2, 3))) void log_printf(enum log_level level, const char *fmt, ...);

/* Mask, in place, every run of exactly 11 digits (dots and dashes allowed
 * between them, as in 000.000.000-00) with '*'. */
void log_mask_cpf(char *s);

#endif

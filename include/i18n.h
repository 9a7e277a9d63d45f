/* Locale formatting without the C library's locales: dates, workloads in
 * words, percentages, CPF. Only pt-BR (the default) and en. Pure functions,
 * thread-safe. Output is appended to a struct buf as UTF-8. */
#ifndef I18N_H
#define I18N_H

#include "buf.h"
#include "caltime.h"
#include "event.h"

enum i18n_locale { I18N_PT_BR = 0, I18N_EN = 1 };

/* "pt-BR", "pt_BR", "pt", "en", "en-US", "en_GB" (case-insensitive). 0 / -1. */
int i18n_parse(const char *name, enum i18n_locale *out);
/* "pt-BR" or "en": used to pick template files. */
const char *i18n_name(enum i18n_locale loc);

/* "28 de agosto de 2023" / "August 28, 2023"; day without leading zero,
 * "1º de agosto de 2023" in Portuguese for the first day of a month. */
void i18n_date(enum i18n_locale loc, const struct caltime *t, struct buf *out);
/* 2400 -> "40 horas" / "40 hours"; 60 -> "1 hora" / "1 hour";
 * 90 -> "1 hora e 30 minutos" / "1 hour and 30 minutes"; 1 -> "1 minuto";
 * 0 -> nothing appended. */
void i18n_workload(enum i18n_locale loc, int minutes, struct buf *out);
/* 70 -> "70%"; 72.5 -> "72,5%" / "72.5%"; at most two decimals, trailing
 * zeros dropped, rounded half away from zero. NaN and infinities append
 * nothing. */
void i18n_percent(enum i18n_locale loc, double rate, struct buf *out);
/* 11 digits -> "000.000.000-00" (dots, dashes and spaces in the input are
 * ignored); anything else is appended as given. */
void i18n_cpf(const char *digits, struct buf *out);
/* "participação" / "participation"; "aproveitamento" / "achievement". */
const char *i18n_type(enum i18n_locale loc, enum cert_type t);
/* The line that stands for names left out: "e mais 12" / "and 12 others" ("and 1 other"). */
void i18n_others(enum i18n_locale loc, size_t n, struct buf *out);

#endif

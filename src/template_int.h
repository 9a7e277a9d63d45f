/* Internals shared by the template's source files (not part of the interface):
 * the loader's state and error list (template_json.c), typed getters for the
 * template's JSON (template_json.c), font and image lookup (template_find.c),
 * variable names (template_expand.c) and typo suggestions (template_suggest.c). */
#ifndef TEMPLATE_INT_H
#define TEMPLATE_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "template.h"

#define PATH_LEN 200 /* key paths in messages; longer ones are cut */

/* ---- suggestions for typos (template_suggest.c) ---- */

/* The candidate nearest to word so far: start with {word, NULL, 0}. */
struct tpl_near {
    const char *word;
    const char *best;
    size_t dist;
};

/* Keep cand when it is near enough to word and nearer than the best so far;
 * NULL, empty and '_' names are skipped. */
void tpl_near_try(struct tpl_near *n, const char *cand);
/* " (did you mean 'x'?)" or "", in hint[size]; returns hint. */
const char *tpl_near_hint(const struct tpl_near *n, char *hint, size_t size);

/* ---- variables (template_expand.c) ---- */

/* The index of name[0..len) among TEMPLATE_VARS, or -1. */
int tpl_var_index(const char *name, size_t len);
/* tpl_near_try every variable name. */
void tpl_near_vars(struct tpl_near *n);

/* ---- the loader and its errors (template_json.c) ---- */

struct tpl_loader {
    const char *file;      /* as the caller named it, for messages */
    char *dir;             /* the template's folder with a trailing '/', or "" */
    const char *fonts_dir; /* may be NULL */
    const cJSON *palette;  /* "colors", or NULL */
    int roles_known;       /* "fonts" was read: check role names */
    struct template *t;
    struct buf errs; /* one line per error */
    size_t n_errs;
};

/* Add one error line "file: path: message" (or "file: message" when path is
 * empty) to ld->errs; control characters become spaces. */
__attribute__((format(printf, 3, 4))) void tpl_fail_at(struct tpl_loader *ld, const char *path,
                                                       const char *fmt, ...);
/* "at.key" (or "key" at the top) into dst, cut visibly with "..."; returns dst. */
const char *tpl_key_path(char *dst, size_t size, const char *at, const char *key);
/* Keys starting with '_' are comments. */
int tpl_is_comment(const char *key);
/* An earlier member of obj has the same key as item. */
int tpl_is_duplicate(const cJSON *obj, const cJSON *item);
/* Report duplicate keys and, when allowed is not NULL, keys not in it (keys
 * starting with '_' are comments and ignored). */
void tpl_check_keys(struct tpl_loader *ld, const cJSON *obj, const char *at,
                    const char *const *allowed);
/* obj.key, or NULL. */
const cJSON *tpl_get(const cJSON *obj, const char *key);

/* Typed getters of obj.key, at names obj in messages. They return 1 found and
 * stored in *out, 0 absent (an error when required), -1 wrong (reported). */
int tpl_get_num(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                int required, double *out);
/* A number > 0. */
int tpl_get_pos(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                int required, double *out);
/* An integer in lo..hi; optional. */
int tpl_get_int(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key, int lo,
                int hi, int *out);
/* A string, owned by the JSON tree. */
int tpl_get_str(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                int required, const char **out);
/* A string naming one of names[] (NULL-terminated); its index in *out. */
int tpl_get_enum(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                 const char *const *names, int *out);
/* A palette name or "#hex". */
int tpl_get_color(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                  struct tpl_color *out);
/* A font role name; its index in ld->t->fonts (checked once "fonts" was read). */
int tpl_get_role(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                 int *out);
/* Placeholder text that passes template_check_text; a copy the caller frees. */
int tpl_get_text(struct tpl_loader *ld, const cJSON *obj, const char *at, const char *key,
                 int required, char **out);

/* ---- files (template_find.c) ---- */

/* Find and check the font file name (a .ttf, or face index of a .ttc) for the
 * key at: the resolved path (caller frees), or NULL (reported). */
char *tpl_find_font(struct tpl_loader *ld, const char *at, const char *name, int index);
/* Find and check a PNG or JPEG: the resolved path (caller frees), or NULL (reported). */
char *tpl_find_image(struct tpl_loader *ld, const char *at, const char *name);

/* ---- the format (template_load.c) ---- */

/* Check the whole template object root into ld->t, every problem into ld->errs. */
void tpl_load_root(struct tpl_loader *ld, const cJSON *root);

#endif

/* Fallback chains: fonts/FALLBACK names, for each chain ("serif", "sans",
 * or any name a template uses), the fonts tried in order for characters a
 * template's own font lacks, each with its bold, italic and bold italic
 * faces where they exist. Read once per render context; read-only after. */
#ifndef FALLBACK_H
#define FALLBACK_H

#include <stddef.h>
#include <stdint.h>

struct fallback_font {
    char *path; /* resolved: fonts_dir/FILE */
    int index;  /* face in a .ttc collection ("file.ttc:1"), else 0 */
};

/* One line: a font in four faces (path NULL: the regular one stands in). */
struct fallback_entry {
    struct fallback_font face[4]; /* regular, bold, italic, bold italic */
    uint32_t script;              /* "script=Hang": only for that script; 0 any */
};

struct fallback_chain {
    char *name;
    struct fallback_entry *e;
    size_t n;
};

struct fallback {
    struct fallback_chain *chains;
    size_t n;
};

/* Read fonts_dir/FALLBACK. A missing file gives no chains. A bad line or a
 * font file that is not there gives NULL and err ("fonts/FALLBACK:12: font
 * file 'x.ttf' not found"). Free with fallback_free. */
struct fallback *fallback_load(const char *fonts_dir, char *err, size_t errlen);
void fallback_free(struct fallback *fb);

/* The chain of that name, or NULL. */
const struct fallback_chain *fallback_find(const struct fallback *fb, const char *name);
/* The face of e for FONT_BOLD / FONT_ITALIC style flags: the exact face when
 * the line has it, else bold or italic alone, else the regular one. */
const struct fallback_font *fallback_face(const struct fallback_entry *e, int style);

#endif

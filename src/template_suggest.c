/* "Did you mean" for the template loader: the nearest of a few known names to a
 * misspelt one, by edit distance. */
#include <stdio.h>
#include <string.h>

#include "template_int.h"
#include "banned.h"

/* Optimal string alignment distance (edits incl. swapping neighbours). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t d[33][33], la = strlen(a), lb = strlen(b), i, j;
    if (la > 32 || lb > 32)
        return (size_t)-1;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

void tpl_near_try(struct tpl_near *n, const char *cand)
{
    size_t len = strlen(n->word), limit = len >= 5 ? 2 : 1, d;
    if (!cand || !*cand || *cand == '_')
        return;
    d = edit_distance(n->word, cand);
    if (d <= limit && d < len && (!n->best || d < n->dist)) {
        n->best = cand;
        n->dist = d;
    }
}

/* " (did you mean 'x'?)" or "", in hint[size]. */
const char *tpl_near_hint(const struct tpl_near *n, char *hint, size_t size)
{
    hint[0] = '\0';
    if (n->best)
        snprintf(hint, size, " (did you mean '%s'?)", n->best);
    return hint;
}

const char *template_suggest(const char *word, const char *const *cands, size_t n, char *hint,
                             size_t size)
{
    struct tpl_near near = {word, NULL, 0};
    for (size_t i = 0; i < n; i++)
        tpl_near_try(&near, cands[i]);
    return tpl_near_hint(&near, hint, size);
}

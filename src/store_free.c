/* Freeing what the store's lookups fill in, the same for every backend. */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "banned.h"

void store_cert_free(struct store_cert *c)
{
    if (!c)
        return;
    free(c->user_name);
    free(c->user_email);
    free(c->user_cpf);
    free(c->course_name);
    free(c->school_name);
    free(c->workload);
    free(c->type);
    free(c->revoke_reason);
    for (size_t i = 0; i < c->n_revs; i++)
        free(c->revs[i].pdf_path);
    free(c->revs);
    memset(c, 0, sizeof(*c));
}

void store_page_free(struct store_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_hits; i++) {
        free(p->hits[i].user_name);
        free(p->hits[i].course_name);
        free(p->hits[i].school_name);
        free(p->hits[i].type);
    }
    free(p->hits);
    memset(p, 0, sizeof(*p));
}

void store_copy_rev_free(struct store_copy_rev *r)
{
    buf_free(&r->canonical);
    buf_free(&r->raw);
    buf_free(&r->pdf);
    buf_free(&r->earlier);
    memset(r, 0, sizeof(*r));
}

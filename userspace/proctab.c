// SPDX-License-Identifier: GPL-2.0
/* proctab.c - per-process table (see proctab.h). */
#include "proctab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fputs("sendmmsg-trace: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

void proctab_init(struct proctab *t)
{
	memset(t, 0, sizeof(*t));
}

void proctab_free(struct proctab *t)
{
	for (size_t b = 0; b < PROCTAB_BUCKETS; b++) {
		struct proc *p = t->bucket[b];

		while (p) {
			struct proc *next = p->next;

			pstats_free(&p->stats);
			free(p);
			p = next;
		}
		t->bucket[b] = NULL;
	}
	t->count = 0;
}

struct proc *proc_get(struct proctab *t, uint32_t tgid)
{
	struct proc **head = &t->bucket[tgid % PROCTAB_BUCKETS];
	struct proc *p;

	for (p = *head; p; p = p->next)
		if (p->tgid == tgid)
			return p;
	p = xcalloc(1, sizeof(*p));
	p->tgid = tgid;
	p->next = *head;
	*head = p;
	t->count++;
	return p;
}

struct proc **proctab_list(const struct proctab *t, size_t *n)
{
	struct proc **v = xcalloc(t->count, sizeof(*v));
	size_t k = 0;

	for (size_t b = 0; b < PROCTAB_BUCKETS; b++)
		for (struct proc *p = t->bucket[b]; p; p = p->next)
			v[k++] = p;
	*n = k;
	return v;
}

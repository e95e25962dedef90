/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a tiny header-only TAP producer for the guest test programs.
 *
 *	ok(cond, "fmt", ...)             "ok N - desc" / "not ok N - desc"
 *	is_int(got, want, "fmt", ...)    as ok(got == want), plus
 *	                                 "# got X want Y" when they differ
 *	is_str(got, want, "fmt", ...)    the same for strings (NULL allowed)
 *	tap_skip("reason", "fmt", ...)   "ok N - desc # SKIP reason"
 *	tap_diag("fmt", ...)             "# ..." (multi-line text: one # each)
 *	tap_plan(n)                      "1..n" up front, or
 *	tap_done()                       "1..N" at the end (once)
 *	tap_bail("fmt", ...)             "not ok N - ...", "Bail out! ...", exit(1)
 *	return tap_exit();               plan if still due; 1 if anything failed
 *
 * stdout is flushed after every line, so nothing is lost when the program
 * crashes later.  The counters are atomic, lines are written whole, so
 * threads may report too.  ok/is_int/is_str return the condition.
 */
#ifndef SMT_TAP_H
#define SMT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap_state {
	int n;		/* tests reported */
	int failed;
	int planned;	/* a plan line was printed */
};

static inline struct tap_state *tap__st(void)
{
	static struct tap_state st;
	return &st;
}

static inline void tap__vline(const char *pfx, int n, const char *fmt,
			      va_list ap, const char *sfx)
{
	flockfile(stdout);
	if (n > 0)
		printf("%s %d - ", pfx, n);
	else
		fputs(pfx, stdout);
	vprintf(fmt, ap);
	if (sfx)
		fputs(sfx, stdout);
	putchar('\n');
	fflush(stdout);
	funlockfile(stdout);
}

__attribute__((format(printf, 1, 2)))
static inline void tap_diag(const char *fmt, ...)
{
	char buf[4096];
	char *line, *save = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	flockfile(stdout);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
	funlockfile(stdout);
}

static inline int tap__vok(int cond, const char *fmt, va_list ap)
{
	struct tap_state *st = tap__st();
	int n = __atomic_add_fetch(&st->n, 1, __ATOMIC_SEQ_CST);

	if (!cond)
		__atomic_add_fetch(&st->failed, 1, __ATOMIC_SEQ_CST);
	tap__vline(cond ? "ok" : "not ok", n, fmt, ap, NULL);
	return cond;
}

__attribute__((format(printf, 2, 3)))
static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap__vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

__attribute__((format(printf, 3, 4)))
static inline int is_int(long long got, long long want, const char *fmt, ...)
{
	int cond = got == want;
	va_list ap;

	va_start(ap, fmt);
	tap__vok(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		tap_diag("got %lld want %lld", got, want);
	return cond;
}

__attribute__((format(printf, 3, 4)))
static inline int is_str(const char *got, const char *want, const char *fmt, ...)
{
	int cond = (got && want) ? strcmp(got, want) == 0 : got == want;
	va_list ap;

	va_start(ap, fmt);
	tap__vok(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		tap_diag("got '%s' want '%s'", got ? got : "(null)", want ? want : "(null)");
	return cond;
}

__attribute__((format(printf, 2, 3)))
static inline void tap_skip(const char *reason, const char *fmt, ...)
{
	struct tap_state *st = tap__st();
	int n = __atomic_add_fetch(&st->n, 1, __ATOMIC_SEQ_CST);
	char sfx[512];
	va_list ap;

	snprintf(sfx, sizeof(sfx), " # SKIP %s", reason);
	va_start(ap, fmt);
	tap__vline("ok", n, fmt, ap, sfx);
	va_end(ap);
}

static inline void tap_plan(int n)
{
	tap__st()->planned = 1;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline void tap_done(void)
{
	struct tap_state *st = tap__st();

	if (!st->planned)
		tap_plan(st->n);
}

__attribute__((format(printf, 1, 2), noreturn))
static inline void tap_bail(const char *fmt, ...)
{
	struct tap_state *st = tap__st();
	int n = __atomic_add_fetch(&st->n, 1, __ATOMIC_SEQ_CST);
	va_list ap;

	va_start(ap, fmt);
	tap__vline("not ok", n, fmt, ap, NULL);
	va_end(ap);
	va_start(ap, fmt);
	tap__vline("Bail out! ", 0, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

static inline int tap_exit(void)
{
	tap_done();
	return tap__st()->failed ? 1 : 0;
}

#endif /* SMT_TAP_H */

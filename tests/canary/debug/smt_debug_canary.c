// SPDX-License-Identifier: GPL-2.0
/*
 * smt_debug_canary - a deliberately broken module that proves the debug
 * kernel's detectors work and that the VM harness notices their reports.
 * Only loaded by the debug canary (SMT_CANARY=debug, debug kernel only).
 *
 * One bug per load, chosen by the "bug" parameter, committed by the init
 * function (the module then stays loaded until rmmod):
 *
 *   bug=oob      KASAN   "BUG: KASAN: slab-out-of-bounds" (1-byte write
 *                        past a 16-byte kmalloc buffer)
 *   bug=uaf      KASAN   "BUG: KASAN: slab-use-after-free" (read after kfree)
 *   bug=leak     kmemleak "unreferenced object" with smt_canary_leak in the
 *                        backtrace (a 1000-byte kmalloc whose pointer is lost;
 *                        seen by the second of two scans at least 5 s later)
 *   bug=lockdep  lockdep "WARNING: possible circular locking dependency
 *                        detected" (mutexes A->B, then B->A; no real deadlock)
 *   bug=sleep    "BUG: sleeping function called from invalid context"
 *                        (kmalloc(GFP_KERNEL) then msleep() under spin_lock();
 *                        msleep() itself is reported by the scheduler as
 *                        "BUG: scheduling while atomic")
 *   bug=shift    UBSAN   "UBSAN: shift-out-of-bounds" (1 << 40 on an int)
 *   bug=bounds   UBSAN   "UBSAN: array-index-out-of-bounds" (index 4 of int[4])
 *   bug=none     nothing (the default)
 *
 * lockdep and the atomic-sleep check turn lockdep off for the rest of the
 * boot, and a KASAN report marks lockdep unreliable: in one boot, trigger
 * lockdep first.  The indexes and shift counts are module parameters
 * hidden from the optimiser, so that the compiler keeps the bad accesses.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *bug = "none";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "The bug to commit at load: oob, uaf, leak, lockdep, sleep, shift, bounds or none");

static unsigned int oob_index = 16;	/* the buffer has 16 bytes */
module_param(oob_index, uint, 0444);
MODULE_PARM_DESC(oob_index, "bug=oob: byte written in a 16-byte buffer (default 16)");

static unsigned int shift = 40;
module_param(shift, uint, 0444);
MODULE_PARM_DESC(shift, "bug=shift: shift count applied to an int (default 40)");

static unsigned int bounds_index = 4;	/* the array has 4 elements */
module_param(bounds_index, uint, 0444);
MODULE_PARM_DESC(bounds_index, "bug=bounds: index read from an int[4] (default 4)");

static DEFINE_MUTEX(smt_canary_lock_a);
static DEFINE_MUTEX(smt_canary_lock_b);
static DEFINE_SPINLOCK(smt_canary_spin);

/* An array followed by more data, so that index 4 stays inside the object
 * (KASAN sees nothing wrong) and only UBSAN's bounds check fires.
 */
static struct {
	int a[4];
	int after;
} smt_canary_array = { { 1, 2, 3, 4 }, 5 };

static noinline int smt_canary_oob(void)
{
	char *p = kmalloc(16, GFP_KERNEL);
	unsigned int i = oob_index;

	if (!p)
		return -ENOMEM;
	OPTIMIZER_HIDE_VAR(i);
	p[i] = 'x';
	kfree(p);
	return 0;
}

static noinline int smt_canary_uaf(void)
{
	char *p = kmalloc(16, GFP_KERNEL);
	char c;

	if (!p)
		return -ENOMEM;
	memset(p, 'a', 16);
	kfree(p);
	OPTIMIZER_HIDE_VAR(p);
	c = READ_ONCE(p[3]);
	pr_info("smt_debug_canary: read %d after free\n", c);
	return 0;
}

static noinline int smt_canary_leak(void)
{
	char *p = kmalloc(1000, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	/* Contents that cannot be mistaken for pointers; the pointer itself is
	 * dropped on return.
	 */
	memset(p, 0x5a, 1000);
	OPTIMIZER_HIDE_VAR(p);
	return 0;
}

static noinline int smt_canary_lockdep(void)
{
	mutex_lock(&smt_canary_lock_a);
	mutex_lock(&smt_canary_lock_b);
	mutex_unlock(&smt_canary_lock_b);
	mutex_unlock(&smt_canary_lock_a);

	/* The other order: a deadlock waiting for two tasks to meet. */
	mutex_lock(&smt_canary_lock_b);
	mutex_lock(&smt_canary_lock_a);
	mutex_unlock(&smt_canary_lock_a);
	mutex_unlock(&smt_canary_lock_b);
	return 0;
}

static noinline int smt_canary_sleep(void)
{
	void *p;

	spin_lock(&smt_canary_spin);
	/* GFP_KERNEL may sleep: might_sleep() reports it at once. */
	p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	/* msleep() has no might_sleep() of its own in 6.12: the scheduler
	 * reports "scheduling while atomic" when it actually sleeps.
	 */
	msleep(20);
	spin_unlock(&smt_canary_spin);
	return 0;
}

static noinline int smt_canary_shift(void)
{
	unsigned int s = shift;
	int one = 1, v;

	OPTIMIZER_HIDE_VAR(s);
	v = one << s;
	pr_info("smt_debug_canary: 1 << %u = %d\n", s, v);
	return 0;
}

static noinline int smt_canary_bounds(void)
{
	unsigned int i = bounds_index;
	int v;

	OPTIMIZER_HIDE_VAR(i);
	/* A plain access: READ_ONCE() would only take &a[4], which is legal. */
	v = smt_canary_array.a[i];
	pr_info("smt_debug_canary: a[%u] = %d\n", i, v);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} smt_canary_bugs[] = {
	{ "oob", smt_canary_oob },
	{ "uaf", smt_canary_uaf },
	{ "leak", smt_canary_leak },
	{ "lockdep", smt_canary_lockdep },
	{ "sleep", smt_canary_sleep },
	{ "shift", smt_canary_shift },
	{ "bounds", smt_canary_bounds },
};

static int __init smt_debug_canary_init(void)
{
	size_t i;

	if (!strcmp(bug, "none"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(smt_canary_bugs); i++) {
		if (strcmp(bug, smt_canary_bugs[i].name))
			continue;
		pr_info("smt_debug_canary: committing bug=%s on purpose\n", bug);
		return smt_canary_bugs[i].fn();
	}
	pr_err("smt_debug_canary: unknown bug=%s\n", bug);
	return -EINVAL;
}

static void __exit smt_debug_canary_exit(void)
{
}

module_init(smt_debug_canary_init);
module_exit(smt_debug_canary_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sendmmsg_trace debug-kernel canary: commits one detectable bug per load");

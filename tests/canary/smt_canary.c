// SPDX-License-Identifier: GPL-2.0
/*
 * smt_canary - proves that the VM harness notices what it must notice.
 * Loaded only by the canary suites (SMT_CANARY=1):
 *   warn=1 (default)  WARN(1, "smt canary") at init: "kernel log clean" fails
 *   hang=1            spins at init with interrupts off: on a one-CPU guest
 *                     the whole kernel hangs, the host's timeout must kill it
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/irqflags.h>
#include <asm/processor.h>

static bool warn = true;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN() at load (default on)");

static bool hang;
module_param(hang, bool, 0444);
MODULE_PARM_DESC(hang, "spin forever with interrupts off at load");

static int __init smt_canary_init(void)
{
	WARN(warn, "smt canary");
	if (hang) {
		pr_info("smt_canary: hanging this CPU on purpose\n");
		local_irq_disable();
		for (;;)
			cpu_relax();
	}
	return 0;
}

static void __exit smt_canary_exit(void)
{
}

module_init(smt_canary_init);
module_exit(smt_canary_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sendmmsg_trace test harness canary: warns or hangs on load");

// SPDX-License-Identifier: GPL-2.0
/*
 * smt_canary - proves that the VM harness notices kernel warnings: its init
 * does WARN(1, ...), which must turn "kernel log clean" red.  Only loaded by
 * the canary suite (SMT_CANARY=1).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/bug.h>

static int __init smt_canary_init(void)
{
	WARN(1, "smt canary");
	return 0;
}

static void __exit smt_canary_exit(void)
{
}

module_init(smt_canary_init);
module_exit(smt_canary_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sendmmsg_trace test harness canary: warns on load");

#!/bin/sh
# suite-canary-hang.sh - hangs the guest's kernel (SMT_CANARY=1 only): proves
# that a hung guest is killed at its timeout and counted as failed.
# smp: 1
# timeout: 60
# guest-watchdog: 0

. /tests/lib/tap.sh

tap_diag "canary: hanging the kernel on purpose; the host must kill this guest"
# One CPU spinning with interrupts off: nothing in the guest runs any more.
insmod /lib/smt_canary.ko warn=0 hang=1
# (only if that did not work: hang this script instead)
tap_diag "canary: insmod hang=1 returned; hanging the suite instead"
while :; do
	sleep 3600
done

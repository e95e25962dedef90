#!/bin/sh
# suite-canary.sh - must fail (SMT_CANARY=1 only): proves that the harness
# counts a failed test and notices a kernel warning.
# smp: 2
# timeout: 120

. /tests/lib/tap.sh

tap_fail "canary: a deliberately failing test" "this failure is expected with SMT_CANARY=1"
# WARN(1, "smt canary") at init: "kernel log clean" must fail.
tap_ok "insmod /lib/smt_canary.ko" insmod /lib/smt_canary.ko
tap_ok "rmmod smt_canary" rmmod smt_canary
tap_done

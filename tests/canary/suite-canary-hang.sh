#!/bin/sh
# suite-canary-hang.sh - never finishes (SMT_CANARY=1 only): proves that a
# hung guest is killed at its timeout and counted as failed.
# smp: 1
# timeout: 60

. /tests/lib/tap.sh

tap_diag "canary: hanging on purpose; the host must kill this guest"
while :; do
	sleep 3600
done

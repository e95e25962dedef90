#!/bin/sh
# suite-smoke.sh - load the module, trace one sendmmsg call, unload.
# smp: 2
# timeout: 300
#
# Runs in the guest as /tests/suite-smoke.sh (see tests/vm/init); stdout is
# the TAP stream the host counts.

. /tests/lib/tap.sh

KO=/lib/sendmmsg_trace.ko
DEV=/dev/sendmmsg_trace

# The harness itself: the build machine's root over 9p and /tests/host-run.
if [ -n "$SMT_HOST" ]; then
	tap_is "$(/tests/host-run cat /proc/sys/kernel/osrelease 2>&1)" "$(uname -r)" \
		"host-run: a host program runs on the guest's kernel"
else
	tap_fail "the host's root is mounted at /host (9p)" "see console.log"
fi

if [ ! -f $KO ]; then
	tap_fail "$KO is in the guest image" "the module did not build for this kernel"
	tap_done
	exit 0
fi

if ! tap_ok "insmod $KO" insmod $KO; then
	tap_done
	exit 0
fi
tap_ok "sendmmsg_trace is listed in /proc/modules" grep -q '^sendmmsg_trace ' /proc/modules

# Device checks, one traced call and its record.
tap_run smoke

tap_ok "rmmod sendmmsg_trace" rmmod sendmmsg_trace
if grep -q '^sendmmsg_trace ' /proc/modules; then
	tap_fail "module is gone from /proc/modules" "$(grep '^sendmmsg_trace ' /proc/modules)"
else
	tap_pass "module is gone from /proc/modules"
fi
# devtmpfs removes the node asynchronously: give it a moment.
i=0
while [ -e $DEV ] && [ $i -lt 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -e $DEV ]; then
	tap_fail "$DEV is gone after rmmod" "$(ls -l $DEV)"
else
	tap_pass "$DEV is gone after rmmod"
fi

tap_done

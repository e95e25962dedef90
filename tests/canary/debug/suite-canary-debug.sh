#!/bin/sh
# suite-canary-debug.sh - must go red (SMT_CANARY=debug, debug kernel only):
# proves that each detector of the debug kernel reports a planted bug and
# that the report turns the run red.
# smp: 2
# timeout: 360
#
# In one boot (booted with kasan_multi_shot), /lib/smt_debug_canary.ko is
# loaded once per bug (bug=lockdep, sleep, shift, bounds, oob, uaf, leak)
# and unloaded.  After each load, a line "kernel log clean after bug=X"
# checks the kernel log for that detector's report: it must be "not ok",
# with the report as diagnostics.  An "ok" among them means the detector
# (or this canary) is broken.  The harness's own "kernel log clean" of this
# boot must be red too.
#
# Order matters: a lockdep report turns lockdep off for the rest of the
# boot, and so do the atomic-sleep canary (its preemption-count fix-up) and
# any KASAN report (lockdep marked unreliable): lockdep goes first.

. /tests/lib/tap.sh

KO=/lib/smt_debug_canary.ko
# (tap_kmemleak, in tap.sh, checks the leaks; debugfs is mounted by /init.)

# canary BUG DETECTOR REGEX: load with bug=BUG, unload, look for REGEX.
canary() {
	dmesg -c >/dev/null
	tap_ok "insmod smt_debug_canary.ko bug=$1" insmod $KO "bug=$1"
	tap_ok "rmmod smt_debug_canary (bug=$1)" rmmod smt_debug_canary
	_rep=$(dmesg | grep -E -A 1 "$3" | sed 's/^\[[ 0-9.]*\] //' | head -n 4)
	if [ -n "$_rep" ]; then
		tap_fail "kernel log clean after bug=$1 ($2 must report it: red on purpose)" "$_rep"
	else
		tap_pass "kernel log clean after bug=$1 ($2 must report it: red on purpose)"
		tap_diag "$2 did NOT report bug=$1: the detector is broken" "$(dmesg | tail -n 5)"
	fi
}

if [ ! -f $KO ]; then
	tap_fail "$KO is in the guest image" "the debug canary module did not build"
	tap_done
	exit 0
fi

canary lockdep lockdep 'possible circular locking dependency detected'
canary sleep "the atomic-sleep check" 'BUG: sleeping function called from invalid context'
canary shift UBSAN 'UBSAN: shift-out-of-bounds'
canary bounds UBSAN 'UBSAN: array-index-out-of-bounds'
canary oob KASAN 'BUG: KASAN: slab-out-of-bounds|BUG: KFENCE: (out-of-bounds|memory corruption)'
canary uaf KASAN 'BUG: KASAN: slab-use-after-free|BUG: KFENCE: use-after-free'

# kmemleak, while the module is loaded (its functions are named in the
# backtrace), then after unload (bare addresses of freed module code).
tap_ok "insmod smt_debug_canary.ko bug=leak" insmod $KO bug=leak
tap_kmemleak 'smt_debug_canary' \
	"no kmemleak suspect from smt_debug_canary, loaded (kmemleak must report bug=leak: red on purpose)"
tap_ok "rmmod smt_debug_canary (bug=leak)" rmmod smt_debug_canary
tap_ok "insmod smt_debug_canary.ko bug=leak (again)" insmod $KO bug=leak
tap_ok "rmmod smt_debug_canary (bug=leak, again)" rmmod smt_debug_canary
tap_kmemleak 'smt_debug_canary' \
	"no kmemleak suspect from smt_debug_canary, unloaded (kmemleak must report bug=leak: red on purpose)"

tap_done

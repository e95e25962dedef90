# shellcheck shell=sh
# /tests/lib/tap.sh - TAP helpers for guest suite scripts (busybox sh).
#
#   . /tests/lib/tap.sh
#   tap_ok "module loads" insmod /lib/sendmmsg_trace.ko   # run a command
#   tap_is "$(cat /sys/x)" 1 "x is 1"                       # compare strings
#   tap_pass "desc" / tap_fail "desc" [diag...] / tap_skip "desc" "reason"
#   tap_diag "text"                                         # "# text"
#   tap_run smoke [args]      # run /tests/bin/smoke (a TAP program); a crash
#                             # or an exit status other than 0/1 is a failure
#   tap_done                  # prints the plan "1..N" of this script's tests
#
# Every program and the script number their own tests; the host counts
# "ok" / "not ok" lines only.  A suite script exits 0 unless the script
# itself broke: /init reports a non-zero exit as a failed test.

TAP_N=0

tap_diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

tap_pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

tap_fail() {
	TAP_N=$((TAP_N + 1))
	echo "not ok $TAP_N - $1"
	shift
	[ $# -gt 0 ] && tap_diag "$@"
	return 0
}

tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

# tap_ok DESC CMD [ARG...]: passes when CMD exits 0; its output is shown
# as diagnostics when it fails.
tap_ok() {
	_tap_desc=$1
	shift
	if _tap_out=$("$@" 2>&1); then
		tap_pass "$_tap_desc"
		return 0
	fi
	_tap_rc=$?
	tap_fail "$_tap_desc" "command: $*" "exit status: $_tap_rc"
	[ -n "$_tap_out" ] && tap_diag "$_tap_out"
	return 1
}

# tap_is GOT WANT DESC
tap_is() {
	if [ "$1" = "$2" ]; then
		tap_pass "$3"
		return 0
	fi
	tap_fail "$3" "got:  '$1'" "want: '$2'"
	return 1
}

# tap_run PROG [ARG...]: a TAP-printing test program from /tests/bin (or a
# path).  Exit status 0 or 1 (tap_exit()) is its own business; anything else
# (crash, signal, missing binary) adds a failed test.
tap_run() {
	_tap_prog=$1
	shift
	case $_tap_prog in
	*/*) ;;
	*) _tap_prog=/tests/bin/$_tap_prog ;;
	esac
	"$_tap_prog" "$@"
	_tap_rc=$?
	case $_tap_rc in
	0 | 1) return "$_tap_rc" ;;
	esac
	if [ "$_tap_rc" -gt 128 ]; then
		tap_fail "$(basename "$_tap_prog") exited normally" "killed by signal $((_tap_rc - 128))"
	else
		tap_fail "$(basename "$_tap_prog") exited normally" "exit status $_tap_rc"
	fi
	return "$_tap_rc"
}

tap_done() {
	echo "1..$TAP_N"
}


# tap_kmemleak [PATTERN [DESC]]: on kernels with kmemleak (the debug
# kernel), one TAP line, "not ok" when kmemleak suspects a leak whose report
# mentions PATTERN (an extended regular expression, default sendmmsg_trace)
# or has a frame in freed module code (a bare 0xffffffff[a-f]... address:
# the module was unloaded, so its symbols no longer resolve).  Leaks of the
# kernel's own (boot-time noise) are left alone.  The suspects' reports
# follow as "# " lines.  Forgets suspects reported before (clear), waits
# until everything allocated so far is older than kmemleak's minimum age
# (5 s), scans twice (the first scan of a new or changed object only records
# its checksum).  Takes ~15-20 s under TCG.  No line at all elsewhere.
SMT_KMEMLEAK=/sys/kernel/debug/kmemleak
tap_kmemleak() {
	_kl_pat=${1:-sendmmsg_trace}
	_kl_desc=${2:-"no kmemleak suspect from $_kl_pat"}
	[ -e $SMT_KMEMLEAK ] || return 0
	echo clear >$SMT_KMEMLEAK
	sleep 6
	if ! { echo scan >$SMT_KMEMLEAK && echo scan >$SMT_KMEMLEAK; } 2>/dev/null; then
		tap_fail "$_kl_desc" "kmemleak cannot scan (disabled itself?):" \
			"$(dmesg | grep -i kmemleak | tail -n 5)"
		return 0
	fi
	_kl_out=$(awk -v pat="$_kl_pat" '
		function flush() { if (blk != "" && hit) { printf "%s", blk; n++ } blk = ""; hit = 0 }
		/^unreferenced object/ { flush() }
		{ blk = blk $0 "\n" }
		$0 ~ pat || /^ +0xffffffff[a-f][0-9a-f]+$/ { hit = 1 }
		END { flush() }' $SMT_KMEMLEAK)
	if [ -z "$_kl_out" ]; then
		tap_pass "$_kl_desc"
	else
		tap_fail "$_kl_desc" \
			"$(printf '%s\n' "$_kl_out" | grep -c '^unreferenced object') suspected leak(s):" \
			"$_kl_out"
	fi
}

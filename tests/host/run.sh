#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/run.sh - host tests of the user-space reader (no VM, no root
# needed).  Builds the reader and the record generator, then compares the
# reader's output for crafted record files with the files in expected/,
# which were written by hand from the values in gen_records.c.
#
# Output is TAP: "ok N - name" / "not ok N - name", then "1..N".  The exit
# status is non-zero when any test failed.

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EXP=$HERE/expected
WORK=$(mktemp -d "${TMPDIR:-/tmp}/smt-host.XXXXXX")
BIN=$WORK/bin/sendmmsg-trace	# built from a private copy, see build_tests
REC=$WORK/rec
BG_PIDS=()

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

export TZ=UTC LC_ALL=C
unset NO_COLOR
OFF=1700000000000000000	# 2023-11-14 22:13:20 UTC: ts 1.0 s is 22:13:21
# The system python starts fastest (a version-manager shim can take 1 s).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

n=0
failed=0

pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}

fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	if [ -s "$WORK/why" ]; then
		head -n 40 "$WORK/why" | sed 's/^/# /'
	fi
}

# check NAME CMD...: the test passes when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@" >"$WORK/why" 2>&1; then
		pass "$name"
	else
		fail "$name"
	fi
}

# A tool the tests need: install it with apt-get when it is missing.
need_tool() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq "$pkg"; } >/dev/null 2>&1
	fi
	command -v "$cmd" >/dev/null 2>&1
}

trace() {
	"$BIN" --color=never --realtime-offset "$OFF" "$@"
}

# run_case RC STDOUT STDERR ARGS...: exit status, stdout and stderr must be
# exactly as expected; STDERR "-" means stderr must be empty.
run_case() {
	local rc=$1 out=$2 err=$3 got
	shift 3
	trace "$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	if [ "$got" != "$rc" ]; then
		echo "exit status $got, expected $rc"
		cat "$WORK/err"
		return 1
	fi
	diff -u "$EXP/$out" "$WORK/out" || return 1
	if [ "$err" = - ]; then
		[ ! -s "$WORK/err" ] || { echo "unexpected stderr:"; cat "$WORK/err"; return 1; }
	else
		diff -u "$EXP/$err" "$WORK/err" || return 1
	fi
}

# json_case STDOUT ARGS...: exact output, and every line valid per schema.
json_case() {
	local out=$1
	shift
	run_case 0 "$out" - --json "$@" || return 1
	"$PY" "$HERE/check_json.py" "$WORK/out"
}

# ---------------------------------------------------------------- build

copy_sources() {
	mkdir -p "$1/userspace"
	cp "$ROOT/sendmmsg_trace.h" "$1/"
	cp "$ROOT"/userspace/*.[ch] "$ROOT/userspace/Makefile" "$1/userspace/"
}

build_tests() {
	check "tools: gcc, make, python3 present" need_tool gcc gcc
	need_tool make make || fail "make missing"
	need_tool python3 python3 || fail "python3 missing"
	[ -x "$PY" ] || PY=python3
	check "tools: cppcheck present (installed if missing)" need_tool cppcheck cppcheck

	# Builds happen in private copies of the sources: every warning shows
	# (whatever was built before), and a build running in userspace/ at
	# the same time cannot swap the binary under the tests.
	copy_sources "$WORK/ws"
	check "build: warning-free with -Wall -Wextra -Werror" \
		bash -c "make -C '$WORK/ws/userspace' >'$WORK/build.log' 2>&1 &&
		       ! grep -i 'warning' '$WORK/build.log' || { cat '$WORK/build.log'; exit 1; }"
	mkdir -p "$WORK/bin"
	cp "$WORK/ws/userspace/sendmmsg-trace" "$BIN" 2>/dev/null
	copy_sources "$WORK/st"
	check "build: make STATIC=1 gives a static binary" \
		bash -c "make -C '$WORK/st/userspace' STATIC=1 >'$WORK/static.log' 2>&1 &&
		       ! grep -i 'warning' '$WORK/static.log' &&
		       LC_ALL=C readelf -d '$WORK/st/userspace/sendmmsg-trace' | grep -q 'no dynamic section' ||
		       { cat '$WORK/static.log'; exit 1; }"
	STATIC_BIN=$WORK/bin/sendmmsg-trace-static
	cp "$WORK/st/userspace/sendmmsg-trace" "$STATIC_BIN" 2>/dev/null
	check "build: make clean removes the build" \
		bash -c "make -C '$WORK/st/userspace' clean >/dev/null &&
		       ! ls -A '$WORK/st/userspace' | grep -E '\\.[od]\$|^sendmmsg-trace\$|^\\.build-flags\$'"
	check "cppcheck: userspace/ clean" \
		cppcheck --enable=warning,style,performance,portability \
		--error-exitcode=1 --std=c11 -D_GNU_SOURCE -I"$ROOT" -q \
		"$ROOT/userspace"
	check "cppcheck: tests/host/*.c clean" \
		cppcheck --enable=warning,style,performance,portability \
		--error-exitcode=1 --std=c11 -D_GNU_SOURCE -I"$ROOT" \
		-I"$ROOT/userspace" -q "$HERE"/*.c
	check "build: the reader in the tree (make -C userspace)" \
		bash -c "make -C '$ROOT/userspace' >'$WORK/make.log' 2>&1 || { cat '$WORK/make.log'; exit 1; }"
	check "build: gen_records" \
		gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT" \
		-o "$WORK/gen_records" "$HERE/gen_records.c"
	check "build: unit_tests" \
		bash -c "gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I'$ROOT' \
		-I'$WORK/ws/userspace' -o '$WORK/unit_tests' '$HERE/unit_tests.c' \
		\$(ls '$WORK'/ws/userspace/*.o | grep -v '/main\\.o\$') -lm"
	mkdir -p "$REC"
	check "gen_records: writes the record files" "$WORK/gen_records" "$REC"
}

# ---------------------------------------------------------------- units

unit_tests() {
	local line
	if [ ! -x "$WORK/unit_tests" ]; then
		fail "unit tests: not built"
		return
	fi
	: >"$WORK/why"
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass "unit: ${line#ok - }" ;;
		"not ok - "*) fail "unit: ${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done < <("$WORK/unit_tests")
}

# ---------------------------------------------------------------- output

text_tests() {
	local f="--device $REC"
	check "text: every socket family and name form" run_case 0 families.txt - $f/families.bin
	check "text: IPv6 forms, first 4 messages + count" run_case 0 ipv6.txt - $f/ipv6.bin
	check "text: IPv6 forms, -v shows all" run_case 0 ipv6-v.txt - -v $f/ipv6.bin
	check "text: odd bytes in comm" run_case 0 comm.txt - $f/comm.bin
	check "text: failed message mid-vector, truncation, vector fault" run_case 0 vectors.txt - $f/vectors.bin
	check "text: truncated vector with -v" run_case 0 vectors-v.txt - -v $f/vectors.bin
	check "text: compat, every status bit, message faults, cmsgs, flags" run_case 0 status.txt - -v $f/status.bin
	check "text: lost markers and SMT_REC_LOST" run_case 0 lost.txt lost.err $f/lost.bin
	check "text: lost marker kept when its record is filtered out" run_case 0 lost-pid.txt lost.err --pid 812 $f/lost.bin
	check "text: newer ABI and unknown type skipped, one warning each" run_case 0 skip.txt skip.err $f/skip.bin
	check "text: payload, default -s 32" run_case 0 payload.txt - $f/payload.bin
	check "text: payload, -s 4" run_case 0 payload-s4.txt - -s 4 $f/payload.bin
	check "text: payload, -s 100 shows all" run_case 0 payload-s100.txt - --string-limit 100 $f/payload.bin
	check "text: the static binary prints the same" \
		bash -c "'$STATIC_BIN' --color=never --realtime-offset $OFF $f/status.bin -v |
		       diff -u '$EXP/status.txt' -"
}

json_tests() {
	local f="--device $REC" name
	check "json: every socket family and name form" json_case families.json $f/families.bin
	check "json: IPv6 forms" json_case ipv6.json $f/ipv6.bin
	check "json: odd bytes in comm stay valid JSON and UTF-8" json_case comm.json $f/comm.bin
	check "json: vectors" json_case vectors.json $f/vectors.bin
	check "json: status bits and faults" json_case status.json $f/status.bin
	check "json: payload as base64" json_case payload.json $f/payload.bin
	check "json: filters" json_case filters.json $f/filters.bin
	check "json: --errors" json_case filters-errors.json --errors $f/filters.bin
	check "json: lost field and sendmmsg_lost" \
		bash -c "'$BIN' --json --color=never --realtime-offset $OFF $f/lost.bin 2>/dev/null >'$WORK/lj' &&
		       diff -u '$EXP/lost.json' '$WORK/lj' && '$PY' '$HERE/check_json.py' '$WORK/lj'"
	check "json: lost marker of a filtered record" \
		bash -c "'$BIN' --json --pid 812 --realtime-offset $OFF $f/lost.bin 2>/dev/null >'$WORK/lj' &&
		       diff -u '$EXP/lost-pid.json' '$WORK/lj' && '$PY' '$HERE/check_json.py' '$WORK/lj'"
	check "json: skipped records" \
		bash -c "'$BIN' --json --realtime-offset $OFF $f/skip.bin 2>/dev/null >'$WORK/sj' &&
		       diff -u '$EXP/skip.json' '$WORK/sj' && '$PY' '$HERE/check_json.py' '$WORK/sj'"
	check "json: every expected file passes the schema check" \
		"$PY" "$HERE/check_json.py" "$EXP"/*.json
}

filter_tests() {
	local f="--device $REC/filters.bin"
	check "filter: none" run_case 0 filters.txt - $f
	check "filter: --pid" run_case 0 filters-pid.txt - --pid 100 $f
	check "filter: --tid" run_case 0 filters-tid.txt - --tid 101 $f
	check "filter: --uid" run_case 0 filters-uid.txt - --uid 1000 $f
	check "filter: --comm" run_case 0 filters-comm.txt - --comm dnsperf $f
	check "filter: --errors (call or message failed)" run_case 0 filters-errors.txt - --errors $f
	check "filter: --fd" run_case 0 filters-fd.txt - --fd 3 $f
	check "filter: --pid and --fd together" run_case 0 filters-pid-fd.txt - -p 200 --fd 5 $f
	check "filter: no match" run_case 0 filters-none.txt - --pid 4242 $f
	check "bound: --count 2" run_case 0 filters-count.txt - --count 2 $f
	check "bound: --count counts filtered calls only" run_case 0 filters-pid-count.txt - --pid 100 -c 2 $f
	check "stats: --stats summary on stderr" run_case 0 filters.txt filters-stats.err --stats $f
}

corrupt_tests() {
	local b
	for b in bad_msgs bad_payload bad_name bad_callsize bad_msgsize bad_overlap; do
		check "corrupt: $b skipped with one warning, next record printed" \
			run_case 0 bad.txt "$b.err" --device "$REC/$b.bin"
	done
	for b in corrupt_small corrupt_huge corrupt_align corrupt_eof; do
		check "corrupt: $b stops cleanly with exit 1" \
			run_case 1 corrupt.txt "$b.err" --device "$REC/$b.bin"
	done
}

watch_tests() {
	check "alert: only the heavy process is flagged, once a second" \
		run_case 0 alert.txt - --alert-bytes 1M --device "$REC/alert.bin"
	check "alert: JSON rate alert objects" \
		bash -c "'$BIN' --json --alert-bytes 1000k --realtime-offset $OFF --device '$REC/alert.bin' >'$WORK/aj' &&
		       '$PY' '$HERE/check_json.py' '$WORK/aj' &&
		       grep rate_alert '$WORK/aj' | diff -u '$EXP/alert-json.txt' -"
	check "alert: a threshold above the peak gives no alert" \
		bash -c "! '$BIN' --alert-bytes 2.4M --realtime-offset $OFF --device '$REC/alert.bin' | grep -q alert"
	check "top: one table per second of record time (not a tty)" \
		run_case 0 top.txt - --top --device "$REC/alert.bin"
}

# Feed a file through a pipe a few bytes at a time: records split across
# reads must come out the same.
chunked() {
	"$PY" -c '
import sys, time
data = open(sys.argv[1], "rb").read()
for i in range(0, len(data), 13):
    sys.stdout.buffer.write(data[i:i + 13])
    sys.stdout.buffer.flush()
    time.sleep(0.0005)
' "$1"
}

input_tests() {
	check "input: records split across reads (pipe)" \
		bash -c "PY='$PY'; $(declare -f chunked); chunked '$REC/families.bin' |
		       '$BIN' --color=never --realtime-offset $OFF --device /dev/stdin >'$WORK/p' &&
		       diff -u '$EXP/families.txt' '$WORK/p'"
	check "input: a file has offset 0 without --realtime-offset" \
		bash -c "'$BIN' --device '$REC/families.bin' | head -n1 | grep -q '^00:00:01.000000 dnsperf(812/815)'"
	check "input: TZ is honoured when set" \
		bash -c "TZ=UTC-9 '$BIN' --device '$REC/families.bin' | head -n1 | grep -q '^09:00:01.000000 '"
	check "color: --color=always marks errors red and losses yellow" \
		bash -c "'$BIN' --color=always --device '$REC/vectors.bin' | grep -qF \"\$(printf '\\033[31m= -1 EFAULT')\" &&
		       '$BIN' --color=always --device '$REC/lost.bin' 2>/dev/null | grep -qF \"\$(printf '\\033[33m---')\""
	check "color: auto gives none when not a terminal" \
		bash -c "! '$BIN' --device '$REC/vectors.bin' | grep -q \"\$(printf '\\033')\""
}

# error_case NAME RC PATTERN ARGS...: exit status, exactly one stderr line
# matching PATTERN, nothing on stdout.
error_case() {
	local rc=$1 pat=$2 got
	shift 2
	"$BIN" "$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	cat "$WORK/err"
	[ "$got" = "$rc" ] || { echo "exit status $got, expected $rc"; return 1; }
	[ "$(wc -l <"$WORK/err")" = 1 ] || { echo "not one line"; return 1; }
	grep -qE "$pat" "$WORK/err" || { echo "no match for $pat"; return 1; }
	[ ! -s "$WORK/out" ]
}

as_nobody() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

error_tests() {
	check "error: missing device says to load the module" \
		error_case 1 '^sendmmsg-trace: cannot open /nonexistent/sendmmsg_trace: No such file or directory - is the module loaded\? insmod sendmmsg_trace\.ko$' \
		--device /nonexistent/sendmmsg_trace
	check "error: a char device that is not ours (ABI mismatch)" \
		error_case 1 '^sendmmsg-trace: /dev/null does not take SMT_IOC_SET_FORMAT .*not the sendmmsg_trace device, or an ABI mismatch$' \
		--device /dev/null
	check "error: a directory" \
		error_case 1 '^sendmmsg-trace: cannot open .*: Is a directory$' --device "$WORK"
	need_tool setpriv util-linux >/dev/null
	mkdir -p "$WORK/pub"
	chmod 755 "$WORK" "$WORK/pub"
	cp "$BIN" "$WORK/pub/reader"
	cp "$REC/families.bin" "$WORK/pub/secret.bin"
	chmod 000 "$WORK/pub/secret.bin"
	check "error: permission denied says it needs root" \
		bash -c "$(declare -f as_nobody); as_nobody '$WORK/pub/reader' --device '$WORK/pub/secret.bin' 2>'$WORK/err' >/dev/null;
		       rc=\$?; cat '$WORK/err'; [ \$rc = 1 ] &&
		       grep -qx 'sendmmsg-trace: cannot open $WORK/pub/secret.bin: Permission denied - needs root' '$WORK/err'"
	chmod 700 "$WORK"
	check "usage: unknown option, exit 2, one line" error_case 2 'unknown option' --bogus
	check "usage: bad --alert-bytes" error_case 2 'bad value' --alert-bytes 10X
	check "usage: --count 0" error_case 2 'bad value' --count 0
	check "usage: --top with --json" error_case 2 'cannot be combined' --top --json
	check "usage: --help" bash -c "'$BIN' --help | head -n1 | grep -qx 'Usage: sendmmsg-trace \\[OPTION\\]...'"
}

# Start the reader on a FIFO whose writer stays open (like the device:
# no end of input), so only a bound or a signal can end it.  Both are
# simple commands, so $! is the process itself, not a subshell.
fifo_reader() {
	local feed=$1
	shift
	rm -f "$WORK/fifo"
	mkfifo "$WORK/fifo"
	# The subshell execs sleep, so $! stays the writer's own pid.
	(
		[ -z "$feed" ] || cat "$feed"
		exec sleep 20
	) >"$WORK/fifo" &
	WRITER=$!
	BG_PIDS+=("$WRITER")
	"$BIN" --color=never --realtime-offset "$OFF" --device "$WORK/fifo" \
		"$@" >"$WORK/out" 2>"$WORK/err" &
	READER=$!
	BG_PIDS+=("$READER")
}

signal_case() {
	local sig=$1 errpat=$2 rc
	shift 2
	fifo_reader "$REC/lost.bin" "$@"
	# Signal only once everything fed has been printed.
	for _ in $(seq 50); do
		[ "$(wc -l <"$WORK/out")" -ge 7 ] && break
		sleep 0.1
	done
	kill "-$sig" "$READER"
	wait "$READER"
	rc=$?
	kill "$WRITER" 2>/dev/null
	cat "$WORK/err"
	[ "$rc" = 0 ] || { echo "exit status $rc"; return 1; }
	diff -u "$EXP/lost.txt" "$WORK/out" || return 1
	grep -qE "$errpat" "$WORK/err"
}

duration_case() {
	local start end rc
	start=$(date +%s%N)
	fifo_reader "" --duration 0.5 --stats
	wait "$READER"
	rc=$?
	end=$(date +%s%N)
	kill "$WRITER" 2>/dev/null
	cat "$WORK/err"
	[ "$rc" = 0 ] || { echo "exit status $rc"; return 1; }
	[ $(((end - start) / 1000000)) -lt 3000 ] || { echo "took too long"; return 1; }
	grep -q '^--- sendmmsg-trace summary ---$' "$WORK/err"
}

live_tests() {
	check "signal: SIGINT ends cleanly with summary and loss count" \
		signal_case INT '^lost records: 45$' --stats
	check "signal: SIGTERM ends cleanly with the loss count" \
		signal_case TERM '^sendmmsg-trace: 45 records lost$'
	check "bound: --duration ends a run with no input" duration_case
}

build_tests
unit_tests
if [ -x "$BIN" ] && [ -s "$REC/families.bin" ]; then
	text_tests
	json_tests
	filter_tests
	corrupt_tests
	watch_tests
	input_tests
	error_tests
	live_tests
else
	fail "reader or record files missing: later tests not run"
fi

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]

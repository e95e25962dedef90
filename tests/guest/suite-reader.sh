#!/bin/sh
# smp: 2
# timeout: 300
#
# The reader (issue 4) against the real module: JSON field by field against
# a program's ground truth (64-bit and 32-bit), bounds, signals, filters,
# --stats, --alert-bytes, --top and its error messages.
. /tests/lib/tap.sh

R=sendmmsg-trace
KO=/lib/sendmmsg_trace.ko

# reader_bg OUT ARGS...: start the reader in the background, give it time to
# open the device; its pid in $rpid.
reader_bg() {
	_out=$1
	shift
	$R --color=never "$@" >"$_out" 2>"$_out.err" &
	rpid=$!
	sleep 1
}

tap_ok "insmod" insmod $KO

# --- JSON against the ground truth ---------------------------------------------
for w in reader_truth reader_truth_32; do
	reader_bg /tmp/$w.json --json --comm $w
	$w >/tmp/$w.truth
	sleep 0.5
	kill -INT $rpid
	wait $rpid
	tap_is "$?" 0 "$w: reader exits 0 on SIGINT"
	/tests/host-run python3 "$SMT_GUEST/tests/reader_compare.py" \
		/tmp/$w.truth /tmp/$w.json "reader --json vs truth ($w)"
	[ $? -le 1 ] || tap_fail "reader_compare.py ran for $w"
done

# --- bounds ----------------------------------------------------------------------
reader_bg /tmp/count.out --count 3
udp_batch -n 5 -v 2 >/dev/null
sleep 1
if kill -0 $rpid 2>/dev/null; then
	tap_fail "--count 3: exits on its own"
	kill -KILL $rpid
else
	tap_pass "--count 3: exits on its own"
fi
wait $rpid
tap_is "$?" 0 "--count 3: exit status 0"
tap_is "$(grep -c 'sendmmsg(' /tmp/count.out)" 3 "--count 3: exactly 3 lines"

start=$(date +%s)
$R --duration 2 >/tmp/dur.out 2>&1
rc=$?
took=$(($(date +%s) - start))
tap_is "$rc" 0 "--duration 2: exit status 0"
if [ $took -ge 2 ] && [ $took -le 5 ]; then
	tap_pass "--duration 2: ends after ${took}s"
else
	tap_fail "--duration 2: ends after 2 s" "took ${took}s"
fi

# --- SIGINT / SIGTERM with --stats -------------------------------------------------
for sig in INT TERM; do
	reader_bg /tmp/sig.out --stats
	udp_batch -n 4 -v 3 -f 1 >/dev/null
	sleep 0.5
	kill -$sig $rpid
	wait $rpid
	tap_is "$?" 0 "SIG$sig: exit status 0"
	if [ "$(tail -c 1 /tmp/sig.out | od -An -c | tr -d ' ')" = '\n' ]; then
		tap_pass "SIG$sig: output ends with a whole line"
	else
		tap_fail "SIG$sig: output ends with a whole line"
	fi
	if grep -q '^--- sendmmsg-trace summary ---' /tmp/sig.out.err &&
		grep -q 'udp_batch  *5  ' /tmp/sig.out.err &&
		grep -q '^lost records: 0' /tmp/sig.out.err &&
		grep -q '^module: seen ' /tmp/sig.out.err; then
		tap_pass "SIG$sig: --stats summary with 5 calls, lost count and module counters"
	else
		tap_fail "SIG$sig: --stats summary" "$(cat /tmp/sig.out.err)"
	fi
done

# --- filters -------------------------------------------------------------------------
reader_bg /tmp/err.out --errors
udp_batch -n 3 -v 2 -f 1 >/dev/null
sleep 0.5
kill -INT $rpid
wait $rpid
tap_is "$(grep -c 'sendmmsg(' /tmp/err.out)" 1 "--errors: only the call that lost a message"
grep -q 'err=EAFNOSUPPORT' /tmp/err.out && tap_pass "--errors: the lost errno is shown" ||
	tap_fail "--errors: the lost errno is shown" "$(cat /tmp/err.out)"

cp /tests/bin/udp_batch /tmp/quiet
cp /tests/bin/udp_batch /tmp/heavy
reader_bg /tmp/comm.out --comm heavy
/tmp/quiet -n 2 -v 1 >/dev/null
/tmp/heavy -n 3 -v 1 >/dev/null
sleep 0.5
kill -INT $rpid
wait $rpid
tap_is "$(grep -c 'sendmmsg(' /tmp/comm.out)" 3 "--comm heavy: 3 calls"
tap_is "$(grep -c 'quiet(' /tmp/comm.out)" 0 "--comm heavy: none of quiet"

reader_bg /tmp/fd.out --fd 999 --json
udp_batch -n 2 -v 1 >/dev/null
reader_truth >/dev/null
sleep 0.5
kill -INT $rpid
wait $rpid
tap_is "$(grep -c '"eventName":"sendmmsg"' /tmp/fd.out)" 1 "--fd 999: only the call on fd 999"

# --- watching for excess ----------------------------------------------------------
reader_bg /tmp/alert.out --alert-bytes 200k
/tmp/quiet -n 3 -v 1 -s 100 >/dev/null
/tmp/heavy -n 60 -v 16 -s 1000 >/dev/null
sleep 0.5
kill -INT $rpid
wait $rpid
if grep -q 'rate alert heavy(' /tmp/alert.out; then
	tap_pass "--alert-bytes 200k: the heavy process is flagged"
else
	tap_fail "--alert-bytes 200k: the heavy process is flagged" "$(grep -v sendmmsg /tmp/alert.out | head)"
fi
tap_is "$(grep -c 'rate alert quiet(' /tmp/alert.out)" 0 "--alert-bytes 200k: the quiet one is not"

reader_bg /tmp/top.out --top
/tmp/quiet -n 3 -v 1 -s 100 >/dev/null
/tmp/heavy -n 60 -v 16 -s 1000 >/dev/null
sleep 1.5
kill -INT $rpid
wait $rpid
if grep -q 'sendmmsg-trace top' /tmp/top.out &&
	awk '/COMM/ { getline; if ($2 != "") print $2 }' /tmp/top.out | grep -q heavy; then
	tap_pass "--top: a table led by the heavy process"
else
	tap_fail "--top: a table led by the heavy process" "$(head -n 12 /tmp/top.out)"
fi

# --- clear errors ---------------------------------------------------------------------
reader_bg /tmp/busy.out
$R >/dev/null 2>/tmp/busy.err
tap_is "$?" 1 "second reader: exit status 1"
grep -q 'another reader has the device open' /tmp/busy.err && tap_pass "second reader: says the device is busy" ||
	tap_fail "second reader: says the device is busy" "$(cat /tmp/busy.err)"
kill -INT $rpid
wait $rpid

chmod 0755 /tmp
su -s /bin/sh nobody -c "$R --count 1" >/dev/null 2>/tmp/perm.err
tap_is "$?" 1 "unprivileged reader: exit status 1"
grep -q 'needs root' /tmp/perm.err && tap_pass "unprivileged reader: says it needs root" ||
	tap_fail "unprivileged reader: says it needs root" "$(cat /tmp/perm.err)"

tap_ok "rmmod" rmmod sendmmsg_trace
$R >/dev/null 2>/tmp/gone.err
tap_is "$?" 1 "no module: exit status 1"
grep -q 'is the module loaded' /tmp/gone.err && tap_pass "no module: says to load it" ||
	tap_fail "no module: says to load it" "$(cat /tmp/gone.err)"
tap_is "$(wc -l </tmp/gone.err)" 1 "no module: one line on stderr"

tap_done

#!/bin/sh
# smp: 2
# timeout: 420
#
# The module (issue 3): load, every field of real calls (64-bit and 32-bit),
# the device, parameters, symbol overrides and fallbacks, clean unload.
. /tests/lib/tap.sh

KO=/lib/sendmmsg_trace.ko
P=/sys/module/sendmmsg_trace/parameters

loaded() { grep -q '^sendmmsg_trace ' /proc/modules; }

# unload_clean DESC: rmmod, then nothing of the module is left.
unload_clean() {
	tap_ok "$1: rmmod" rmmod sendmmsg_trace
	if loaded || [ -e /dev/sendmmsg_trace ] || [ -d /sys/module/sendmmsg_trace ]; then
		tap_fail "$1: nothing left after unload" "$(grep sendmmsg /proc/modules; ls -l /dev/sendmmsg_trace 2>&1)"
	else
		tap_pass "$1: nothing left after unload"
	fi
}

# cat_calls ARGS...: the text lines of the calls `udp_batch ARGS` makes, as
# `cat /dev/sendmmsg_trace` shows them, in /tmp/cat.txt.
cat_calls() {
	timeout 3 cat /dev/sendmmsg_trace >/tmp/cat.txt &
	sleep 0.5
	udp_batch "$@" >/dev/null
	wait
}

# load_fails DESC PATTERN ARGS...: insmod must fail, dmesg must explain.
load_fails() {
	_desc=$1 _pat=$2
	shift 2
	dmesg -c >/dev/null
	if insmod $KO "$@" 2>/tmp/insmod.err; then
		tap_fail "$_desc: insmod $* fails"
		rmmod sendmmsg_trace
		return
	fi
	tap_pass "$_desc: insmod $* fails ($(cat /tmp/insmod.err))"
	if dmesg | grep -q "$_pat"; then
		tap_pass "$_desc: dmesg explains: $(dmesg | grep "$_pat" | head -n 1 | sed 's/^\[[^]]*\] //')"
	else
		tap_fail "$_desc: dmesg explains" "$(dmesg | tail -n 5)"
	fi
	if loaded || [ -e /dev/sendmmsg_trace ]; then
		tap_fail "$_desc: nothing left registered"
	else
		tap_pass "$_desc: nothing left registered"
	fi
}

# check_msg_hooks DESC LOADLINE: the kprobes list shows the per-message
# hooks that dmesg announced.  With msg_hook=auto they are kprobes after
# the calls of ___sys_sendmsg in __sys_sendmmsg when the optimiser made
# them jumps (6.1's code allows it), else a kretprobe on ___sys_sendmsg
# (6.12 has a branch right after the call) and dmesg says why.
KPLIST=/sys/kernel/debug/kprobes/list
check_msg_hooks() {
	_sites=$(grep -cE ' k +__sys_sendmmsg\+0x[0-9a-f]+ ' $KPLIST)
	_jumps=$(grep -cE ' k +__sys_sendmmsg\+0x[0-9a-f]+ +\[OPTIMIZED\]' $KPLIST)
	_ret=$(grep -cE ' r +___sys_sendmsg\+0x0 ' $KPLIST)
	case $2 in
	*"(messages, at its call sites)"*)
		if [ "$_sites" -ge 1 ] && [ "$_ret" = 0 ]; then
			tap_pass "$1: $_sites call-site kprobes, no per-message kretprobe"
		else
			tap_fail "$1: call-site kprobes, no per-message kretprobe" "$(cat $KPLIST)"
		fi
		# Forced call sites may still be traps: nothing to assert.
		if [ "$3" = traps ]; then
			tap_diag "$1: $_jumps of $_sites call-site kprobes optimised"
		else
			tap_is "$_jumps" "$_sites" "$1: every call-site kprobe is a jump (OPTIMIZED)"
		fi
		;;
	*)
		if [ "$_ret" = 1 ] && [ "$_sites" = 0 ]; then
			tap_pass "$1: a kretprobe on ___sys_sendmsg, no call-site kprobes"
		else
			tap_fail "$1: a kretprobe on ___sys_sendmsg, no call-site kprobes" "$(cat $KPLIST)"
		fi
		# Chosen by msg_hook=kretprobe, there is no reason to give.
		[ "$3" = kretprobe ] && return
		_why=$(dmesg | grep -E 'cannot take a jump|not optimised in time|x86 only' | head -n 1)
		if [ -n "$_why" ]; then
			tap_pass "$1: dmesg says why call sites are not used: $_why"
		else
			tap_fail "$1: dmesg says why call sites are not used" "$(dmesg | tail -n 5)"
		fi
		;;
	esac
}

# --- default load -----------------------------------------------------------
dmesg -c >/dev/null
tap_ok "insmod with defaults" insmod $KO
line=$(dmesg | grep 'sendmmsg_trace: version')
case $line in
*"probing __sys_sendmmsg (call) and ___sys_sendmsg (messages"*) tap_pass "dmesg names the probes: ${line#*] }" ;;
*) tap_fail "dmesg names the probes" "$line" ;;
esac
check_msg_hooks "defaults" "$line"
# The default ring: 64 MiB over the possible CPUs, 256-2048 KiB each, a
# power of two.
possible=$(awk -F, '{ for (i = 1; i <= NF; i++) { n = split($i, a, "-");
	c += n == 2 ? a[2] - a[1] + 1 : 1 } } END { print c }' /sys/devices/system/cpu/possible)
want=2048
while [ $((want * possible)) -gt 65536 ] && [ $want -gt 256 ]; do
	want=$((want / 2))
done
case $line in
*", $want KiB buffer per CPU x "*) tap_pass "default buffer: $want KiB per CPU for $possible possible CPUs" ;;
*) tap_fail "default buffer: $want KiB per CPU for $possible possible CPUs" "$line" ;;
esac
tap_run t_record
tap_run t_record_32
tap_run t_device

# Differential check: strace (from the build machine, over 9p) decodes the
# same calls; fd, vlen, flags, addresses, iov lengths, msg_len and return
# values must agree, for a 64-bit and a 32-bit caller.
if [ -n "$SMT_HOST" ] && [ -x "$SMT_HOST/usr/bin/strace" ]; then
	for w in diff_workload diff_workload_32; do
		rm -f /tmp/dump.err
		smt_dump /tmp/$w.bin 2>/tmp/dump.err &
		dump=$!
		i=0
		while ! grep -q ready /tmp/dump.err 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		# arm64's strace misreads an AArch32 tracee's structures: there
		# the 32-bit program is traced by strace:armhf (kernels.d/arm64.sh).
		st=strace
		[ "$(uname -m)" = aarch64 ] && [ $w = diff_workload_32 ] && st=strace-armhf
		/tests/host-run $st -f -qq -v -s 64 -e trace=sendmmsg \
			-o /tmp/$w.strace "$SMT_GUEST/tests/bin/$w"
		kill -TERM $dump
		wait $dump
		/tests/host-run python3 "$SMT_GUEST/tests/strace_diff.py" \
			/tmp/$w.strace /tmp/$w.bin "strace vs record ($w)"
		[ $? -le 1 ] || tap_fail "strace_diff.py ran for $w"
	done
else
	tap_fail "strace differential check: the host root (with strace) is mounted"
fi

# event logging to dmesg, rate-limited
echo 1 >$P/log_events
dmesg -c >/dev/null
udp_batch -n 1 -v 3 >/dev/null
if dmesg | grep -q 'sendmmsg_trace: udp_batch\[[0-9]*/[0-9]*\] fd=[0-9]* vlen=3 flags=0x40 ret=3 sent=3/3'; then
	tap_pass "log_events=1: one dmesg line per call"
else
	tap_fail "log_events=1: one dmesg line per call" "$(dmesg | tail -n 3)"
fi
echo 0 >$P/log_events
dmesg -c >/dev/null
udp_batch -n 1 -v 3 >/dev/null
tap_is "$(dmesg | grep -c 'sendmmsg_trace: udp_batch')" 0 "log_events=0: no per-call lines"

# cat: text lines, one per call
cat_calls -n 2 -v 4 -f 2
n=$(grep -c '^call .* comm=udp_batch .* vlen=4 ' /tmp/cat.txt)
tap_is "$n" 3 "cat /dev/sendmmsg_trace: one line per call"
if grep -q ' ret=2 .* m2\.res=-97 m2\.err=-EAFNOSUPPORT .* m3\.res=skipped' /tmp/cat.txt; then
	tap_pass "cat: the lost error of message 2 is shown"
else
	tap_fail "cat: the lost error of message 2 is shown" "$(tail -n 1 /tmp/cat.txt)"
fi
dmesg -c >/dev/null
unload_clean "defaults"
line=$(dmesg | grep 'sendmmsg_trace: unloaded')
case $line in
*"calls traced"*"lost"*) tap_pass "dmesg on unload gives totals: ${line#*] }" ;;
*) tap_fail "dmesg on unload gives totals" "$(dmesg | tail -n 3)" ;;
esac
if dmesg | grep 'sendmmsg_trace' | grep -q 'ffff[0-9a-f]\{12\}'; then
	tap_fail "no kernel address in dmesg lines"
else
	tap_pass "no kernel address in dmesg lines"
fi

# --- every message, with payload ----------------------------------------------
tap_ok "insmod max_msgs=1024 capture_bytes=16" insmod $KO max_msgs=1024 capture_bytes=16 buffer_kb=2048
tap_run t_record
tap_run t_record_32
unload_clean "max_msgs=1024"

# --- both per-message hooks, whichever the default is here -----------------
for hook in sites kretprobe; do
	if [ $hook = sites ] && [ "$(uname -m)" = aarch64 ]; then
		# The call-site scan decodes x86 calls: arm64 refuses it clearly.
		load_fails "msg_hook=sites on arm64" \
			"msg_hook=sites: no usable call site of ___sys_sendmsg in __sys_sendmmsg: -EOPNOTSUPP" msg_hook=sites
		continue
	fi
	dmesg -c >/dev/null
	tap_ok "insmod msg_hook=$hook" insmod $KO msg_hook=$hook
	line=$(dmesg | grep 'sendmmsg_trace: version')
	if [ $hook = sites ]; then
		check_msg_hooks "msg_hook=sites" "$line" traps
	else
		check_msg_hooks "msg_hook=kretprobe" "$line" kretprobe
	fi
	tap_run t_record
	tap_run t_record_32
	unload_clean "msg_hook=$hook"
done
load_fails "bad msg_hook" "msg_hook is auto, sites or kretprobe" msg_hook=both

# --- symbol overrides and fallbacks -------------------------------------------
load_fails "bad entry symbol" "cannot probe smt_no_such_function: -" entry_symbol=smt_no_such_function
load_fails "bad message symbol" "cannot probe smt_no_such_function" msg_symbol=smt_no_such_function
load_fails "bad parameter" "invalid parameter" max_msgs=5000
load_fails "buffer below 4 KiB" "invalid parameter" buffer_kb=3

dmesg -c >/dev/null
tap_ok "insmod msg_symbol=____sys_sendmsg (fallback candidate)" insmod $KO msg_symbol=____sys_sendmsg
if dmesg | grep -q 'and ____sys_sendmsg (messages)'; then
	tap_pass "dmesg names the fallback probe"
else
	tap_fail "dmesg names the fallback probe" "$(dmesg | tail -n 2)"
fi
cat_calls -n 1 -v 4 -f 2
if grep -q ' ret=2 .* m1\.res=64 .* m2\.res=-97 ' /tmp/cat.txt; then
	tap_pass "____sys_sendmsg: per-message results"
else
	tap_fail "____sys_sendmsg: per-message results" "$(cat /tmp/cat.txt)"
fi
unload_clean "____sys_sendmsg"

dmesg -c >/dev/null
tap_ok "insmod msg_symbol=sock_sendmsg (not on the path)" insmod $KO msg_symbol=sock_sendmsg
if dmesg | grep -q 'sock_sendmsg is not on the sendmmsg path'; then
	tap_pass "sock_sendmsg: dmesg warns that results will be missing"
else
	tap_fail "sock_sendmsg: dmesg warns that results will be missing" "$(dmesg | tail -n 2)"
fi
cat_calls -n 1 -v 4
# status 0x100 (socket valid) | 0x10 (results unavailable)
if grep -q ' ret=4 .* attempted=0 .* status=0x110 ' /tmp/cat.txt; then
	tap_pass "sock_sendmsg: records say per-message results are unavailable"
else
	tap_fail "sock_sendmsg: records say per-message results are unavailable" "$(cat /tmp/cat.txt)"
fi
unload_clean "sock_sendmsg"

# Debug kernel: the loads, failed loads and unloads above left nothing behind.
tap_kmemleak sendmmsg_trace "kmemleak: nothing of sendmmsg_trace leaked by the loads and unloads of the module suite"
tap_done

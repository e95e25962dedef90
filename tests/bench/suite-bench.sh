#!/bin/sh
# suite-bench.sh - the guest half of `make bench` (tests/bench.sh).
#
# In one boot, ROUNDS rounds; each round sets up every configuration in
# turn (the order rotates by one per round, so slow drift of the host hits
# every configuration alike), runs every workload for WINDOW seconds under
# it and tears it down.  Output lines (ttyS1, the host's tap.log):
#   BENCH <round> <config> <workload> <ns per call> <calls>
#   RATE <target calls/s, or "fail"> <achieved calls/s> <calls> bytes=.. delivered=.. lost=.. missed=.. seen=..
#   CONFIG memory_bytes=.. buffer_kb=.. nr_cpus=.. nr_slots=.. max_msgs=..
#   ok / not ok lines for setup failures (the numbers are not tests)
# /tests/bench.env (written by the host) may set ROUNDS, WINDOW, CONFIGS,
# WORKLOADS, RATES.

ROUNDS=7
WINDOW=0.5
CONFIGS="none smt smt_poll smt_text smt_nores smt_floor ftrace tp bpftrace"
WORKLOADS="fail udp1 udp16 udp64 mt16"
RATES="2000 5000 10000 20000 40000 80000 0"
FAIL_SECONDS=5	# the last step: the fail path flat out
# shellcheck disable=SC1091  # written by the host into the guest image
[ -f /tests/bench.env ] && . /tests/bench.env
# BENCH_BASE: the module of another revision is measured too
if [ -n "${BASE:-}" ]; then
	case " $CONFIGS " in *" smt_base "*) ;; *) CONFIGS="$CONFIGS smt_base" ;; esac
fi

T=/sys/kernel/tracing
KO=/lib/sendmmsg_trace.ko
BT=/tmp/smt.bt
READER=
DRAIN=

# The bpftrace program: the same hooks as the module, fd, vlen, flags and
# return value per call (plus the messages that succeeded) to a file.
write_bt() {
	cat >"$BT" <<'EOF'
kprobe:__sys_sendmmsg {
	@fd[tid] = (int32)arg0; @vlen[tid] = (uint32)arg2;
	@flags[tid] = (uint32)arg3; @sent[tid] = 0;
}
kretprobe:___sys_sendmsg /@vlen[tid]/ {
	if ((int32)retval >= 0) { @sent[tid] = @sent[tid] + 1; }
}
kretprobe:__sys_sendmmsg /@vlen[tid]/ {
	printf("%d fd=%d vlen=%u flags=0x%x ret=%d sent=%d\n", pid, @fd[tid],
	       @vlen[tid], @flags[tid], (int32)retval, @sent[tid]);
	delete(@fd[tid]); delete(@vlen[tid]); delete(@flags[tid]); delete(@sent[tid]);
}
EOF
}

# bg CMD...: start a background reader, remember its pid.
bg() {
	"$@" &
	READER=$!
}

# stop_reader [SIGNAL]: TERM by default; an asynchronous command of a
# non-interactive shell ignores SIGINT, so cat would never see it.
stop_reader() {
	[ -n "$READER" ] || return 0
	kill "-${1:-TERM}" "$READER" 2>/dev/null
	wait "$READER" 2>/dev/null
	READER=
}

# wait_for FILE TEXT SECONDS: until FILE contains TEXT.
wait_for() {
	i=0
	while [ "$i" -lt "$(($3 * 10))" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

smt_load() {
	insmod "$KO" "$@" || { echo "insmod $* failed" >&2; return 1; }
}

# $retval is ftrace's fetch argument, not a shell variable.
# shellcheck disable=SC2016
kprobes_on() {
	if ! echo 'p:smtb/ent __sys_sendmmsg fd=%di:s32 vec=%si:x64 vlen=%dx:u32 flags=%cx:x32' >"$T/kprobe_events" ||
		! echo 'r:smtb/ret __sys_sendmmsg ret=$retval:s32' >>"$T/kprobe_events" ||
		! echo 'r:smtb/msg ___sys_sendmsg ret=$retval:s32' >>"$T/kprobe_events" ||
		! echo 1 >"$T/events/smtb/enable"; then
		echo "kprobe_events refused" >&2
		return 1
	fi
	bg cat "$T/trace_pipe"
}

kprobes_off() {
	stop_reader
	echo 0 >"$T/events/smtb/enable"
	echo >"$T/kprobe_events"
	echo >"$T/trace"
}

tp_on() {
	if ! echo 1 >"$T/events/syscalls/sys_enter_sendmmsg/enable" ||
		! echo 1 >"$T/events/syscalls/sys_exit_sendmmsg/enable"; then
		echo "syscall tracepoints refused" >&2
		return 1
	fi
	bg cat "$T/trace_pipe"
}

tp_off() {
	stop_reader
	echo 0 >"$T/events/syscalls/sys_enter_sendmmsg/enable"
	echo 0 >"$T/events/syscalls/sys_exit_sendmmsg/enable"
	echo >"$T/trace"
}

# bpftrace starts in ~10 s under TCG.  Its BEGIN output can sit unseen
# while nothing else happens, so: wait until its three probes are in the
# kernel's kprobe list, then make calls until their lines arrive.
bpf_on() {
	rm -f /tmp/bpf.out
	bg /tests/host-run bpftrace -o /tmp/bpf.out "$BT"
	i=0
	while [ "$i" -lt 120 ]; do
		if [ "$(grep -c sendm /sys/kernel/debug/kprobes/list)" -ge 3 ]; then
			smt_bench fail 0.01 >/dev/null
			grep -q 'ret=' /tmp/bpf.out 2>/dev/null && return 0
		fi
		sleep 1
		i=$((i + 1))
	done
	echo "bpftrace did not attach in 120 s: $(tail -n 3 /tmp/bpf.out 2>/dev/null)" >&2
	stop_reader INT
	return 1
}

# drain [-n]: smt_drain as the reader, its reports in /tmp/drain.out.
drain() {
	: >/tmp/drain.out
	bg smt_drain "$@" >>/tmp/drain.out
	DRAIN=$READER
}

# The module's counts since the drainer started ("counts seen= lost=
# missed="), asked for with SIGUSR1.  A signal that lands just before
# the drainer blocks in read() is seen only at the next record, so ask
# again until the answer comes.
drain_counts() {
	n=$(grep -c '^counts' /tmp/drain.out)
	try=0
	while [ "$try" -lt 20 ]; do
		kill -USR1 "$DRAIN" 2>/dev/null || return 1
		sleep 0.1
		[ "$(grep -c '^counts' /tmp/drain.out)" -gt "$n" ] && break
		try=$((try + 1))
	done
	grep '^counts' /tmp/drain.out | tail -n 1 | tr '=' ' ' | awk '{ print $3, $5, $7 }'
}

# cfg_on NAME / cfg_off NAME; cfg_on fails when the setup did.
cfg_on() {
	case $1 in
	none) ;;
	smt) smt_load && drain ;;
	smt_poll) smt_load && drain -n ;;
	smt_text) smt_load && bg cat /dev/sendmmsg_trace ;;
	smt_nores) smt_load per_msg_results=0 && drain ;;
	smt_floor) smt_load probe_only=1 ;;
	smt_nomsgs) smt_load max_msgs=0 && drain ;;	# (diagnosis: no vector copy)
	smt_noreader) smt_load ;;	# (diagnosis: the ring fills, then every call is lost)
	smt_base) insmod /lib/sendmmsg_trace_base.ko && drain ;;	# BENCH_BASE
	ftrace) kprobes_on ;;
	tp) tp_on ;;
	bpftrace) bpf_on ;;
	*) echo "unknown configuration $1" >&2; return 1 ;;
	esac
}

# The module's own count of what a configuration traced and lost, from
# its unload line: "UNLOADED <round> <cfg> <calls> <delivered> <lost> <missed>".
# A reader that falls behind makes the traced calls cheaper (a lost record
# is not written), so its times mean little without this.
report_unload() {
	dmesg | grep 'sendmmsg_trace: unloaded:' | tail -n 1 |
		sed -n "s/.*unloaded: \([0-9]*\) calls traced, \([0-9]*\) records delivered, \([0-9]*\) lost, \([0-9]*\) missed.*/UNLOADED $1 $2 \1 \2 \3 \4/p"
}

cfg_off() {
	case $1 in
	smt*) stop_reader; rmmod sendmmsg_trace ;;
	ftrace) kprobes_off ;;
	tp) tp_off ;;
	bpftrace) stop_reader INT ;;	# bpftrace's own handler: clean detach
	esac
}

# rotate N WORDS...: the words starting at the N-th (mod count), wrapped.
rotate() {
	n=$1
	shift
	n=$((n % $#))
	while [ "$n" -gt 0 ]; do
		w=$1
		shift
		set -- "$@" "$w"
		n=$((n - 1))
	done
	echo "$@"
}

run_round() {
	r=$1
	# shellcheck disable=SC2086  # word lists
	for cfg in $(rotate "$r" $CONFIGS); do
		if ! cfg_on "$cfg" >/dev/null 2>/tmp/cfg.err; then
			echo "not ok - round $r: $cfg setup: $(head -c 300 /tmp/cfg.err)"
			cfg_off "$cfg" 2>/dev/null
			continue
		fi
		sleep 0.3	# the reader is blocked in read(), the tracer is quiet
		prev="0 0 0"
		for wl in $WORKLOADS; do
			out=$(smt_bench "$wl" "$WINDOW") && echo "BENCH $r $cfg $wl $out"
			[ -n "$DRAIN" ] || continue
			# LOSS round cfg workload seen lost missed (this workload's)
			now=$(drain_counts) && echo "LOSS $r $cfg $wl $now $prev" |
				awk '{ print $1, $2, $3, $4, $5 - $8, $6 - $9, $7 - $10 }'
			prev=${now:-$prev}
		done
		DRAIN=
		cfg_off "$cfg" 2>/dev/null
		case $cfg in smt*) report_unload "$r" "$cfg" ;; esac
	done
}

# rate_step LABEL CMD...: one step of the zero-loss ladder: CMD, which
# prints "<calls/s> <calls>", runs while smt_drain reads; then the step's
# RATE line with the drainer's counts.
rate_step() {
	label=$1
	shift
	smt_drain >/tmp/drain.out &
	READER=$!
	sleep 0.3
	out=$("$@")
	sleep 0.2	# let the reader empty the ring before the counts
	stop_reader
	echo "RATE $label $out $(tail -n 1 /tmp/drain.out)"
}

# The fail path flat out for FAIL_SECONDS, as "<calls/s> <calls>".
fail_flat_out() {
	smt_bench fail "$FAIL_SECONDS" |
		awk '{ printf "%.0f %s\n", 1e9 / $1, $2 }'
}

# The fastest rate at which the reader keeps up: paced UDP vlen 1 calls at
# increasing rates (0 = flat out), each second checked for lost records
# and missed probe hits.
zero_loss() {
	smt_load || return 1
	smt_drain -c >/tmp/drain.out &
	READER=$!
	wait_for /tmp/drain.out memory_bytes 10 && echo "CONFIG $(head -n 1 /tmp/drain.out)"
	stop_reader
	for rate in $RATES; do
		rate_step "$rate" smt_bench pace "$rate" 1
	done
	# The fastest a single thread can call: the fail path, flat out.
	rate_step fail fail_flat_out
	rmmod sendmmsg_trace
}

# profile: instead of the rounds, a kernel profile (perf from the build
# machine, cpu-clock samples on every CPU) of each configuration under the
# first workload, printed as "# " lines.  Diagnosis only (BENCH_PROFILE=1).
profile() {
	wl=${WORKLOADS%% *}
	for cfg in $CONFIGS; do
		cfg_on "$cfg" >/dev/null 2>/tmp/cfg.err || {
			echo "not ok - profile: $cfg setup: $(head -c 300 /tmp/cfg.err)"
			continue
		}
		sleep 0.3
		/tests/host-run perf record -q -e cpu-clock -F 4000 -a -g -o /tmp/perf.data \
			-- /tmp/.guest/tests/bin/smt_bench "$wl" "$WINDOW" >/dev/null 2>/tmp/perf.err ||
			echo "not ok - profile: perf record: $(head -c 300 /tmp/perf.err)"
		echo "# profile $cfg $wl"
		/tests/host-run perf report -i /tmp/perf.data --stdio --no-children -g none \
			--comm smt_bench --sort sym --percent-limit 0.1 2>/dev/null | grep -v '^#' | grep . | sed 's/^/# /'
		[ "$PROFILE" = ips ] && [ -r /sys/module/sendmmsg_trace/sections/.text ] && {
			# Under TCG a sample lands where a translation block starts:
			# a hot address follows an expensive block.
			base=$(cat /sys/module/sendmmsg_trace/sections/.text)
			/tests/host-run perf script -i /tmp/perf.data --comm smt_bench -G -F ip 2>/dev/null |
				/tests/host-run gawk -v base="$base" '{ a = strtonum("0x" substr($1, length($1) - 7)) - strtonum("0x" substr(base, length(base) - 7))
					if (a >= 0 && a < 65536) n[a]++ }
					END { for (a in n) printf "# ip .text+0x%x %d\n", a, n[a] }' |
				sort -k4 -nr | head -n 80
		}
		cfg_off "$cfg" 2>/dev/null
	done
}

write_bt
if [ -n "${PROFILE:-}" ]; then
	profile
	echo "ok - benchmark finished"
	exit 0
fi
echo "# bench: $ROUNDS rounds of ${WINDOW} s windows; configs: $CONFIGS; workloads: $WORKLOADS"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "# round $r $(date +%T)"
	run_round "$r"
	r=$((r + 1))
done
echo "# zero-loss ladder $(date +%T)"
zero_loss
echo "ok - benchmark finished"

#!/usr/bin/env bash
# tests/bench.sh - `make bench`: cost per traced sendmmsg(2) call of
# sendmmsg_trace against ftrace kprobe events, the syscall tracepoints and
# bpftrace on the same hooks, measured in one QEMU (TCG) boot in
# alternating rounds (tests/bench/suite-bench.sh), written to
# bench/results-<kernel>-<date>.txt and .png.  Not a test: nothing here
# passes or fails on a time.
#
# Variables:
#   KERNELS=6.1           the kernel (first word only; tests/kernels.sh --list)
#   BENCH_ROUNDS=7        rounds (every configuration once per round)
#   BENCH_WINDOW=0.5      seconds per workload and configuration per round
#   BENCH_TCG=            "single" for -accel tcg,thread=single
#   BENCH_CONFIGS=, BENCH_WORKLOADS=   subsets (tests/bench/suite-bench.sh);
#                         smt_nomsgs (max_msgs=0) is a diagnosis-only extra
#   BENCH_BASE=REV        also measure the module as it was at git REV
#                         (configuration smt_base, same boot: before/after)
#   BENCH_PROFILE=1       instead: a perf profile of each configuration under
#                         the first workload (diagnosis, no results file);
#                         BENCH_PROFILE=ips also counts the samples per
#                         address in the module (offsets into its .text)
#   SMT_NO_INSTALL=1      do not install missing Debian packages

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
SMT_ROOT=$PWD
export SMT_ROOT
# shellcheck source-path=SCRIPTDIR/..
source tests/vm/lib.sh
source tests/kernels.sh
source tests/vm/image.sh
source tests/vm/boot.sh

kernel=${KERNELS:-6.1}
kernel=${kernel%% *}
rounds=${BENCH_ROUNDS:-7}
window=${BENCH_WINDOW:-0.5}
out=$SMT_BUILD/bench/$kernel
SMT_T0=$(smt_now)
export SMT_T0

install_tools() {
	[[ ${SMT_NO_INSTALL:-0} == 1 ]] && return 0
	smt_install_missing "${SMT_HOST_PACKAGES[@]}" bpftrace gnuplot-nox
}

fetch_kernel() {
	smt_say "kernel $kernel (cached after the first time)"
	smt_kernel_setup "$kernel" >"$out/kernel.env" 2>"$out/fetch.log" ||
		smt_die "kernel fetch failed, see $out/fetch.log"
	# shellcheck source=/dev/null
	source "$out/kernel.env"
	export SMT_KNAME SMT_KIMAGE SMT_KDIR SMT_KREL SMT_KMODDIR SMT_KAPPEND SMT_QEMU_OPTS \
	SMT_KARCH SMT_KMAKE_ARGS SMT_KCHROOT
}

# The module as it is in the tree, and the two guest programs (static).
build_all() {
	local p
	smt_say "building the module and the benchmark programs"
	rm -rf "${out:?}/module" "${out:?}/bin"
	mkdir -p "$out/module" "$out/bin"
	cp Kbuild sendmmsg_trace.c sendmmsg_trace.h "$out/module/"
	# what was measured, taken now: others may edit the tree during the run
	{
		git rev-parse --short HEAD 2>/dev/null
		git diff --quiet HEAD -- sendmmsg_trace.c sendmmsg_trace.h 2>/dev/null || echo "+ uncommitted changes"
		echo "(sendmmsg_trace.c sha256 $(sha256sum "$out/module/sendmmsg_trace.c" | cut -c1-12))"
	} | paste -sd ' ' >"$out/module-id"
	smt_kbuild_modules "$out/module" >"$out/build.log" 2>&1 ||
		smt_die "module build failed, see $out/build.log"
	build_base
	for p in smt_bench smt_drain; do
		gcc -static -O2 -std=c11 -Wall -Wextra -Werror -I. -o "$out/bin/$p" \
			"tests/bench/$p.c" -lpthread >>"$out/build.log" 2>&1 ||
			smt_die "$p build failed, see $out/build.log"
	done
}

# BENCH_BASE=REV: the module as it was at REV too, for the smt_base
# configuration (before/after in the same boot).
build_base() {
	rm -rf "${out:?}/base"
	[[ -n ${BENCH_BASE:-} ]] || return 0
	mkdir -p "$out/base"
	cp Kbuild "$out/base/"
	git show "$BENCH_BASE:sendmmsg_trace.c" >"$out/base/sendmmsg_trace.c" &&
		git show "$BENCH_BASE:sendmmsg_trace.h" >"$out/base/sendmmsg_trace.h" ||
		smt_die "BENCH_BASE=$BENCH_BASE: no module sources at that revision"
	smt_kbuild_modules "$out/base" >>"$out/build.log" 2>&1 ||
		smt_die "base module build failed, see $out/build.log"
	echo "; smt_base: $(git rev-parse --short "$BENCH_BASE")" >>"$out/module-id"
	paste -sd ' ' "$out/module-id" >"$out/module-id.new" && mv "$out/module-id.new" "$out/module-id"
}

# The guest image: the harness's common root, the module, the bench suite
# and its settings.
build_image() {
	SMT_GUEST_BIN=$out/bin SMT_READER_BIN=
	export SMT_GUEST_BIN SMT_READER_BIN
	if ! smt_image_common "$out/common" >"$out/image.log" 2>&1 ||
		! smt_image_stage "$out/common" "$out/root" >>"$out/image.log" 2>&1; then
		smt_die "guest image failed, see $out/image.log"
	fi
	cp "$out/module/sendmmsg_trace.ko" "$out/root/lib/"
	[[ -f $out/base/sendmmsg_trace.ko ]] &&
		cp "$out/base/sendmmsg_trace.ko" "$out/root/lib/sendmmsg_trace_base.ko"
	install -m 0755 tests/bench/suite-bench.sh "$out/root/tests/suite-bench.sh"
	{
		printf 'ROUNDS=%q\nWINDOW=%q\n' "$rounds" "$window"
		# subsets for diagnosis, e.g. BENCH_CONFIGS="none smt smt_nomsgs smt_floor ftrace"
		[[ -n ${BENCH_CONFIGS:-} ]] && printf 'CONFIGS=%q\n' "$BENCH_CONFIGS"
		[[ -n ${BENCH_WORKLOADS:-} ]] && printf 'WORKLOADS=%q\n' "$BENCH_WORKLOADS"
		[[ -n ${BENCH_PROFILE:-} ]] && printf 'PROFILE=%q\n' "$BENCH_PROFILE"
		[[ -n ${BENCH_BASE:-} ]] && printf 'BASE=1\n'
		true
	} >"$out/root/tests/bench.env"
	smt_image_pack "$out/root" "$out/base.cpio.gz"
	smt_image_suite "$out" "$out/base.cpio.gz" bench "$((boot_timeout - 60))"
}

# Whole-boot budget: ~60 s per round (bpftrace starts take most of it),
# the zero-loss ladder and the boot itself, doubled for a loaded host.
boot_timeout=$((2 * (rounds * 60 + 120)))

run_guest() {
	smt_say "booting $SMT_KREL (TCG, -smp 2): $rounds rounds of $window s windows, several minutes"
	SMT_SUITE_NAME=bench smt_boot "$out" 2 "$boot_timeout" "${BENCH_TCG:-}"
	grep -q '^ok - guest finished' "$out/harness.tap" || {
		cat "$out/harness.tap"
		smt_die "the benchmark guest did not finish (see $out/console.log, $out/tap.log)"
	}
	grep -q '^ok - kernel log clean' "$out/harness.tap" ||
		smt_note "kernel log not clean: $(grep -A3 '^not ok' "$out/harness.tap" | head -n 4)"
}

write_results() {
	local date stamp txt png
	date=$(date '+%Y-%m-%d %H:%M:%S %Z')
	stamp=$(date +%Y%m%d-%H%M)
	mkdir -p bench
	txt=bench/results-$kernel-$stamp.txt
	png=bench/results-$kernel-$stamp.png
	{
		echo "sendmmsg_trace benchmark (make bench; bench/README.md explains the numbers)"
		echo "kernel:   $SMT_KREL ($kernel)"
		echo "date:     $date"
		echo "QEMU:     $(qemu-system-x86_64 --version | head -n 1)"
		echo "host CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs"
		echo "guest:    -accel tcg${BENCH_TCG:+,thread=$BENCH_TCG} -smp 2 -m ${SMT_QEMU_MEM:-1G}; boot $(cat "$out/boot-seconds") s"
		echo "method:   $rounds rounds in one boot; per round every configuration in turn (order"
		echo "          rotated each round), each workload for $window s under it"
		echo "module:   $(cat "$out/module-id")"
		echo
		echo "configurations: none = no tracing; smt = sendmmsg_trace + binary reader (smt_drain)"
		echo "  to /dev/null; smt_text = cat /dev/sendmmsg_trace >/dev/null; smt_nores = smt with"
		echo "  per_msg_results=0; smt_floor = probe_only=1 (probes registered, nothing captured);"
		echo "  ftrace = kprobe_events p:__sys_sendmmsg (4 args), r:__sys_sendmmsg \$retval,"
		echo "  r:___sys_sendmsg \$retval, trace_pipe drained; tp = sys_enter/exit_sendmmsg"
		echo "  tracepoints, trace_pipe drained; bpftrace = bpftrace $(dpkg-query -W -f='${Version}' bpftrace 2>/dev/null)"
		echo "  on the same three hooks printing fd, vlen, flags, retval per call to a file"
		echo "workloads: fail = unconnected UDP, no address, vlen 1 (EDESTADDRREQ); udpN = 64-byte"
		echo "  UDP messages to 127.0.0.1, vlen N; mt16 = udp16 from one thread per vCPU"
		echo
		gawk -v datdir="$out" -f tests/bench/analyze.awk "$out/tap.log"
	} >"$txt"
	gnuplot -e "datdir='$out'; cols='$(cat "$out/columns")'; out='$png'; title='sendmmsg_trace benchmark, $SMT_KREL, TCG -smp 2, $date'" \
		tests/bench/chart.gp 2>"$out/gnuplot.log" || smt_note "chart failed, see $out/gnuplot.log"
	cat "$txt"
	smt_say "results: $txt, chart: $png"
}

mkdir -p "$out"
install_tools
fetch_kernel
build_all
build_image
run_guest
if [[ -n ${BENCH_PROFILE:-} ]]; then
	grep -E '^(# |not ok)' "$out/tap.log"
	exit 0
fi
write_results

#!/usr/bin/env bash
# tests/check.sh - every test of sendmmsg_trace (`make check`).
#
#  1. installs the Debian packages the tests need, if any is missing;
#  2. host unit tests: tests/host/run.sh if present, else every executable
#     tests/host/*.sh (each prints TAP on stdout);
#  3. builds the reader (make -C userspace STATIC=1) and the guest test
#     programs (make -C tests/guest, into build/guest/);
#  4. per kernel of the matrix (tests/kernels.sh): fetches it into the cache,
#     builds the module with W=1 (a warning fails the test), builds the guest
#     initramfs and boots every suite tests/guest/suite-<name>.sh in QEMU;
#     the suite's TAP (ttyS1) is counted, plus the harness's own verdicts
#     "guest finished" and "kernel log clean" per boot;
#  5. prints a table and the line "N passed, N failed[, N skipped]"; exits
#     non-zero when anything failed or was skipped.
#
# Variables:
#   KERNELS="6.1 6.12"     kernels to test (default: all, see tests/kernels.sh)
#   SUITES="smoke ..."     guest suites to boot (default: all; "none": none)
#   SMT_CANARY=1           add the canary suites (tests/canary/): must go red
#   SMT_CANARY=debug       the debug kernel's detectors, one planted bug each
#                          (tests/canary/debug/; KERNELS default: debug)
#   SMT_MODULE_SRC=DIR     take the module sources from DIR (default: repo root)
#   SMT_NO_INSTALL=1       do not check/install Debian packages
#   SMT_QEMU_MEM=1G        guest memory
#   SMT_SUITE_TIMEOUT=S    each suite's timeout (default: its "# timeout:" header)
#   SMT_SOAK_SECONDS, SMT_FUZZ_SECONDS, SMT_UNLOAD_CYCLES, ...: the guest
#                          suites' knobs (tests/guest/suite-reliability.sh)
#   SMT_CACHE=DIR          kernel cache (default ${XDG_CACHE_HOME:-~/.cache}/sendmmsg-trace)
# Everything intermediate goes to build/ (logs included); see build/<kernel>/.

set -uo pipefail
# shellcheck source-path=SCRIPTDIR/..

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
SMT_ROOT=$PWD
source tests/vm/lib.sh
source tests/kernels.sh
source tests/vm/image.sh
source tests/vm/boot.sh

T0=$(smt_now)
export SMT_T0=$T0
SMT_CANARY=${SMT_CANARY:-0}
# The canaries: SMT_CANARY=1, the harness's (a module that breaks the
# rules); SMT_CANARY=debug, the debug kernel's detectors (one planted bug
# each).  Each is a directory with a module and suite-*.sh scripts.
case $SMT_CANARY in
0) CANARY_DIR='' CANARY_MOD='' ;;
1) CANARY_DIR=tests/canary CANARY_MOD=smt_canary ;;
debug) CANARY_DIR=tests/canary/debug CANARY_MOD=smt_debug_canary KERNELS=${KERNELS:-debug} ;;
*) smt_die "SMT_CANARY=$SMT_CANARY: 0, 1 or debug" ;;
esac
KERNELS=${KERNELS:-$SMT_ALL_KERNELS}
SMT_MODULE_SRC=$(cd "${SMT_MODULE_SRC:-$SMT_ROOT}" 2>/dev/null && pwd) ||
	smt_die "SMT_MODULE_SRC=${SMT_MODULE_SRC:-} is not a directory"
export SMT_CANARY SMT_CACHE

# ------------------------------------------------------------ bookkeeping --

declare -a ROWS=() FAILED_TESTS=()
declare -A PASS=() FAIL=() SKIP=() BOOT=()

row() {
	local key="$1|$2"
	if [[ -z ${PASS[$key]+x} ]]; then
		ROWS+=("$key")
		PASS[$key]=0 FAIL[$key]=0 SKIP[$key]=0 BOOT[$key]=-
	fi
}

# count_tap KERNEL SUITE FILE: counts ok / not ok / # SKIP lines into the
# row and echoes failed and skipped lines, with the diagnostics after them.
# At most SMT_SHOW_FAILURES (default 40) failed/skipped lines per file are
# echoed, each with at most 40 diagnostic lines; the rest are only counted.
count_tap() {
	local key="$1|$2" file=$3 line show=0 shown=0 listed=0 max=${SMT_SHOW_FAILURES:-40}
	local pfx="  [$1/$2]"
	row "$1" "$2"
	[[ -f $file ]] || return 0
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		if [[ $line =~ ^not\ ok($|[[:space:]]) ]]; then
			FAIL[$key]=$((FAIL[$key] + 1))
			FAILED_TESTS+=("$pfx $line")
			listed=$((listed + 1)) show=0 shown=0
			((listed <= max)) && printf '%s %s\n' "$pfx" "$line" && show=1
		elif [[ $line =~ ^ok($|[[:space:]]) ]]; then
			show=0
			if [[ $line =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
				SKIP[$key]=$((SKIP[$key] + 1))
				FAILED_TESTS+=("$pfx $line")
				listed=$((listed + 1))
				((listed <= max)) && printf '%s %s\n' "$pfx" "$line"
			else
				PASS[$key]=$((PASS[$key] + 1))
			fi
		elif [[ $line == '# note:'* ]]; then
			printf '%s %s\n' "$pfx" "$line"	# the harness's own notes: always shown
		elif [[ $line == '#'* ]]; then
			if ((show)); then
				shown=$((shown + 1))
				if ((shown <= 40)); then
					printf '%s     %s\n' "$pfx" "$line"
				elif ((shown == 41)); then
					printf '%s     # ... (see %s)\n' "$pfx" "$file"
				fi
			fi
		else
			show=0
		fi
	done <"$file"
	((listed > max)) && printf '%s ... %d more failed/skipped tests: see %s\n' "$pfx" $((listed - max)) "$file"
	return 0
}

# tap_line FILE ok|not-ok DESC [DIAG...]: appends a harness verdict.
tap_line() {
	local file=$1 st=$2 desc=$3
	shift 3
	if [[ $st == ok ]]; then echo "ok - $desc"; else echo "not ok - $desc"; fi >>"$file"
	(($#)) && printf '%s\n' "$@" | sed 's/^/# /' >>"$file"
	return 0
}

# ------------------------------------------------------------ host stages --

install_packages() {
	[[ ${SMT_NO_INSTALL:-0} == 1 ]] && return 0
	smt_install_missing "${SMT_HOST_PACKAGES[@]}" ||
		smt_note "could not install every package; going on"
}

# Host unit tests run in the background (they only write files under
# build/host/); count_host_tests counts them once they are done.
start_host_tests() {
	local out=$SMT_BUILD/host scripts=() s
	mkdir -p "$out"
	row host unit
	if [[ -f tests/host/run.sh ]]; then
		scripts=(tests/host/run.sh)
	else
		for s in tests/host/*.sh; do
			[[ -f $s && -x $s ]] && scripts+=("$s")
		done
	fi
	HOST_SCRIPTS=("${scripts[@]}")
	if ((${#scripts[@]} == 0)); then
		smt_note "no host tests (tests/host/run.sh or executable tests/host/*.sh)"
		return 0
	fi
	smt_say "host: unit tests (${scripts[*]}) start in the background"
	(
		for s in "${scripts[@]}"; do
			name=$(basename "$s" .sh)
			if [[ -x $s ]]; then
				"$s" </dev/null >"$out/$name.tap" 2>"$out/$name.log"
			else
				bash "$s" </dev/null >"$out/$name.tap" 2>"$out/$name.log"
			fi
			echo $? >"$out/$name.rc"
		done
	) &
	HOST_PID=$!
}

count_host_tests() {
	local out=$SMT_BUILD/host s name rc
	((${#HOST_SCRIPTS[@]})) || return 0
	smt_say "host: waiting for the unit tests"
	wait "$HOST_PID"
	HOST_PID=
	for s in "${HOST_SCRIPTS[@]}"; do
		name=$(basename "$s" .sh)
		rc=$(cat "$out/$name.rc" 2>/dev/null || echo "?")
		if [[ $rc != 0 ]] && ! grep -qE '^not ok($|[[:space:]])' "$out/$name.tap"; then
			tap_line "$out/$name.tap" not-ok "$s exits 0" "exit status $rc; stderr in $out/$name.log" \
				"$(tail -n 15 "$out/$name.log")"
		fi
		count_tap host unit "$out/$name.tap"
	done
}

# The reader, static, copied to build/reader/ (before the host unit tests
# start: they build in userspace/ too).  Row host/build.
build_reader() {
	local tap=$SMT_BUILD/userland.tap
	mkdir -p "$SMT_BUILD/reader"
	: >"$tap"
	SMT_READER_BIN=
	if [[ -f userspace/Makefile ]]; then
		smt_say "host: building the reader (make -C userspace STATIC=1)"
		if make -j"$(nproc)" -C userspace STATIC=1 >"$SMT_BUILD/reader.log" 2>&1 &&
			[[ -x userspace/sendmmsg-trace ]]; then
			cp userspace/sendmmsg-trace "$SMT_BUILD/reader/sendmmsg-trace"
			SMT_READER_BIN=$SMT_BUILD/reader/sendmmsg-trace
			tap_line "$tap" ok "reader builds (make -C userspace STATIC=1)"
		else
			tap_line "$tap" not-ok "reader builds (make -C userspace STATIC=1)" \
				"log: $SMT_BUILD/reader.log" "$(grep -iE 'error:|warning:' "$SMT_BUILD/reader.log" | head -n 20)"
		fi
	else
		smt_note "userspace/Makefile does not exist yet: no reader in the guest (/usr/bin/sendmmsg-trace)"
	fi
	export SMT_READER_BIN
}

# Guest test programs into build/guest/.  Row host/build.
build_guest_programs() {
	local tap=$SMT_BUILD/userland.tap
	smt_say "host: building guest programs (make -C tests/guest)"
	SMT_GUEST_BIN=$SMT_BUILD/guest
	if make -k -j"$(nproc)" -C tests/guest OUT="$SMT_GUEST_BIN" >"$SMT_BUILD/guest.log" 2>&1; then
		tap_line "$tap" ok "guest programs build"
	else
		tap_line "$tap" not-ok "guest programs build" "log: $SMT_BUILD/guest.log" \
			"$(grep -E 'error:|warning:|\*\*\*' "$SMT_BUILD/guest.log" | head -n 30)"
	fi
	export SMT_GUEST_BIN
	count_tap host build "$tap"
	smt_image_common "$SMT_BUILD/guest-root" >"$SMT_BUILD/guest-root.log" 2>&1 ||
		smt_note "staging the guest root failed: see $SMT_BUILD/guest-root.log"
	# Other architectures' userland: built when their first kernel comes.
	rm -f "$SMT_BUILD"/userland-arm64.{tap,env}
}

# guest_root ARCH: the staged common guest root of ARCH.
guest_root() {
	if [[ $1 == x86_64 ]]; then echo "$SMT_BUILD/guest-root"; else echo "$SMT_BUILD/guest-root-$1"; fi
}

# userland_for_arch ARCH TAPFILE: the userland of a guest of ARCH, built
# once per run, the first time a kernel of ARCH is tested (an architecture
# is known only from the kernel's block); its verdicts go into TAPFILE
# that first time only (they count in that kernel's build row).  Exports
# SMT_HOST_ROOT, what the guest's /host is.
userland_for_arch() {
	local arch=$1 tap=$2 base=$SMT_BUILD/userland-$1
	[[ $arch == x86_64 ]] && return 0
	if [[ ! -f $base.tap ]]; then
		smt_say "host: building the $arch userland (reader, guest programs, guest root, host-run root)"
		"build_userland_$arch" "$base.tap.tmp" "$base.env.tmp"
		mv "$base.env.tmp" "$base.env"
		mv "$base.tap.tmp" "$base.tap"
		cat "$base.tap" >>"$tap"
	fi
	# shellcheck disable=SC1090
	source "$base.env"
	export SMT_HOST_ROOT
}

# build_userland_arm64 TAPFILE ENVFILE: the reader (built out of tree in
# build/userland-arm64-src, so that userspace/ keeps its x86 objects), the
# guest programs (build/guest-arm64: aarch64 and AArch32), the guest root
# (build/guest-root-arm64, busybox-static:arm64) and the arm64 root that
# the guest's /host is (tests/kernels.d/arm64.sh: strace, python3, jq...).
build_userland_arm64() {
	local tap=$1 env=$2 src=$SMT_BUILD/userland-arm64-src gbin=$SMT_BUILD/guest-arm64 rbin=
	local hroot='' log=$SMT_BUILD/userland-arm64
	: >"$tap"
	rm -rf "$src"
	mkdir -p "$src/userspace" "$SMT_BUILD/reader-arm64"
	cp userspace/Makefile userspace/*.[ch] "$src/userspace/" && cp sendmmsg_trace.h "$src/"
	if make -j"$(nproc)" -C "$src/userspace" CC="${SMT_ARM64_CROSS}gcc" STATIC=1 >"$log-reader.log" 2>&1 &&
		cp "$src/userspace/sendmmsg-trace" "$SMT_BUILD/reader-arm64/sendmmsg-trace"; then
		rbin=$SMT_BUILD/reader-arm64/sendmmsg-trace
		tap_line "$tap" ok "arm64 reader builds (${SMT_ARM64_CROSS}gcc, STATIC=1)"
	else
		tap_line "$tap" not-ok "arm64 reader builds (${SMT_ARM64_CROSS}gcc, STATIC=1)" \
			"log: $log-reader.log" "$(grep -iE 'error:|warning:' "$log-reader.log" | head -n 20)"
	fi
	if make -k -j"$(nproc)" -C tests/guest OUT="$gbin" ARCH=arm64 >"$log-guest.log" 2>&1; then
		tap_line "$tap" ok "arm64 guest programs build (aarch64 and AArch32)"
	else
		tap_line "$tap" not-ok "arm64 guest programs build (aarch64 and AArch32)" "log: $log-guest.log" \
			"$(grep -E 'error:|warning:|\*\*\*' "$log-guest.log" | head -n 30)"
	fi
	if SMT_GUEST_BIN=$gbin SMT_READER_BIN=$rbin smt_image_common "$(guest_root arm64)" arm64 \
		>"$log-root.log" 2>&1; then
		tap_line "$tap" ok "arm64 guest root staged (busybox-static:arm64)"
	else
		tap_line "$tap" not-ok "arm64 guest root staged (busybox-static:arm64)" "log: $log-root.log" \
			"$(tail -n 10 "$log-root.log")"
	fi
	if hroot=$(smt_arm64_host_root 2>"$log-hostroot.log"); then
		tap_line "$tap" ok "arm64 root for /tests/host-run unpacked ($SMT_ARM64_HOST_PACKAGES)"
	else
		tap_line "$tap" not-ok "arm64 root for /tests/host-run unpacked" "log: $log-hostroot.log" \
			"$(tail -n 10 "$log-hostroot.log")"
		# /host stays empty rather than x86-64 programs the guest cannot run
		hroot=$SMT_BUILD/userland-arm64-noroot
		mkdir -p "$hroot"
	fi
	printf 'SMT_HOST_ROOT=%q\n' "$hroot" >"$env"
}

# ----------------------------------------------------------- kernel stages --

# Fetches every kernel in the background, one after the other, so that
# downloads and unpacking overlap with building and booting the previous one.
# build/<k>/kernel.env and build/<k>/fetch.rc appear when kernel k is done.
start_fetching() {
	local k
	for k in $KERNELS; do
		rm -rf "${SMT_BUILD:?}/$k"
		mkdir -p "$SMT_BUILD/$k"
	done
	# Niced: the debug kernel's build overlaps the other kernels' guests,
	# which must keep their CPU share (timing checks in the reliability
	# suite compare rates within one boot, but a starved guest is slow).
	(
		renice -n 10 -p $BASHPID >/dev/null
		for k in $KERNELS; do
			smt_kernel_setup "$k" >"$SMT_BUILD/$k/kernel.env.tmp" 2>"$SMT_BUILD/$k/fetch.log"
			echo $? >"$SMT_BUILD/$k/fetch.rc.tmp"
			mv "$SMT_BUILD/$k/kernel.env.tmp" "$SMT_BUILD/$k/kernel.env"
			mv "$SMT_BUILD/$k/fetch.rc.tmp" "$SMT_BUILD/$k/fetch.rc"
		done
	) </dev/null &
	FETCH_PID=$!
}

wait_fetched() {
	while [[ ! -f $SMT_BUILD/$1/fetch.rc ]]; do
		kill -0 "$FETCH_PID" 2>/dev/null || break
		sleep 0.5
	done
	[[ -f $SMT_BUILD/$1/fetch.rc && $(cat "$SMT_BUILD/$1/fetch.rc") == 0 ]]
}

# build_module NAME SRC_DIR OUT_DIR LOG TAPFILE DESC: copies the top-level
# Kbuild, *.c and *.h of SRC_DIR to OUT_DIR and builds with W=1.
build_module() {
	local name=$1 src=$2 out=$3 log=$4 tap=$5 desc=$6 f rc warn
	rm -rf "$out"
	mkdir -p "$out"
	: >"$tap"
	for f in "$src"/Kbuild "$src"/*.c "$src"/*.h; do
		[[ -f $f ]] && cp "$f" "$out/"
	done
	# The module shares the ABI header with user space.
	[[ $name == sendmmsg_trace && ! -f $out/sendmmsg_trace.h ]] && cp sendmmsg_trace.h "$out/"
	if [[ ! -f $out/$name.c && ! -f $out/Kbuild ]] || ! compgen -G "$out/*.c" >/dev/null; then
		tap_line "$tap" not-ok "$desc" "no module source (Kbuild, *.c) in $src"
		return 1
	fi
	smt_kbuild_modules "$out" W=1 >"$log" 2>&1
	rc=$?
	warn=$(grep -i 'warning:' "$log" | head -n 40)
	if ((rc != 0)) || [[ ! -f $out/$name.ko ]]; then
		tap_line "$tap" not-ok "$desc" "build failed (status $rc); log: $log" \
			"$(grep -E 'error:|warning:|\*\*\*' "$log" | head -n 30)"
		return 1
	elif [[ -n $warn ]]; then
		tap_line "$tap" not-ok "$desc" "log: $log" "$warn"
	else
		tap_line "$tap" ok "$desc"
	fi
	return 0
}

suite_script() {
	local s=$1
	if [[ -f tests/guest/suite-$s.sh ]]; then
		echo "tests/guest/suite-$s.sh"
	elif [[ -n $CANARY_DIR && -f $CANARY_DIR/suite-$s.sh ]]; then
		echo "$CANARY_DIR/suite-$s.sh"
	else
		return 1
	fi
}

list_suites() {
	local s f names=()
	if [[ -n ${SUITES:-} ]]; then
		for s in $SUITES; do
			s=${s#suite-}
			s=${s%.sh}
			[[ $s == none ]] || names+=("$s")
		done
	else
		for f in tests/guest/suite-*.sh; do
			[[ -f $f ]] || continue
			# "# default: no": only when named in SUITES
			head -n 15 "$f" | grep -qE '^#[[:space:]]*default:[[:space:]]*no' && continue
			s=${f##*/suite-}
			names+=("${s%.sh}")
		done
	fi
	if [[ -n $CANARY_DIR ]]; then
		for f in "$CANARY_DIR"/suite-*.sh; do
			[[ -f $f ]] || continue
			s=${f##*/suite-}
			s=${s%.sh}
			# (unless SUITES named it already)
			[[ " ${names[*]} " == *" $s "* ]] || names+=("$s")
		done
	fi
	echo "${names[@]}"
}

test_kernel() {
	local k=$1 kdir=$SMT_BUILD/$1 tap s script sdir smp tmo gtmo tcgt mpid cpid stage
	tap=$kdir/build.tap
	: >"$tap"
	smt_say "$k: fetching kernel"
	if ! wait_fetched "$k"; then
		tap_line "$tap" not-ok "kernel $k fetched and unpacked" "log: $kdir/fetch.log" \
			"$(tail -n 20 "$kdir/fetch.log")"
		count_tap "$k" build "$tap"
		for s in $(list_suites); do row "$k" "$s"; done
		return
	fi
	(
		# shellcheck disable=SC1091
		source "$kdir/kernel.env"
		: "${SMT_KARCH:=x86_64}" "${SMT_KMAKE_ARGS:=}" "${SMT_KCHROOT:=}"
		export SMT_KNAME SMT_KIMAGE SMT_KDIR SMT_KREL SMT_KMODDIR SMT_KAPPEND SMT_QEMU_OPTS \
			SMT_KARCH SMT_KMAKE_ARGS SMT_KCHROOT
		userland_for_arch "$SMT_KARCH" "$tap"
		smt_say "$k: $SMT_KREL: building module (W=1) and guest image"
		build_module sendmmsg_trace "$SMT_MODULE_SRC" "$kdir/module" "$kdir/module.log" \
			"$kdir/module.tap" "module builds with W=1 without warnings on $k" &
		mpid=$!
		if [[ -n $CANARY_DIR ]]; then
			build_module "$CANARY_MOD" "$CANARY_DIR" "$kdir/canary" "$kdir/canary.log" \
				"$kdir/canary.tap" "canary module $CANARY_MOD builds on $k" &
			cpid=$!
		fi
		stage=$kdir/initramfs-root
		smt_image_stage "$(guest_root "$SMT_KARCH")" "$stage" >"$kdir/image.log" 2>&1 ||
			tap_line "$tap" not-ok "guest image staged for $k" "log: $kdir/image.log"
		wait "$mpid"
		cat "$kdir/module.tap" >>"$tap"
		if [[ -f $kdir/module/sendmmsg_trace.ko ]]; then
			cp "$kdir/module/sendmmsg_trace.ko" "$stage/lib/"
		fi
		if [[ -n $CANARY_DIR ]]; then
			wait "$cpid"
			cat "$kdir/canary.tap" >>"$tap"
			[[ -f $kdir/canary/$CANARY_MOD.ko ]] && cp "$kdir/canary/$CANARY_MOD.ko" "$stage/lib/"
		fi
		smt_image_pack "$stage" "$kdir/base.cpio.gz" 2>>"$kdir/image.log"

		for s in $(list_suites); do
			# (not rm -rf: a suite named "module" shares build/<k>/module/)
			sdir=$kdir/$s
			mkdir -p "$sdir"
			rm -rf "$sdir/overlay" "$sdir"/{initramfs.cpio.gz,overlay.cpio.gz,harness.tap,tap.log,console.log}
			if ! script=$(suite_script "$s"); then
				tap_line "$sdir/harness.tap" not-ok "suite $s exists ($k)" \
					"no tests/guest/suite-$s.sh"
				echo "$s" >>"$kdir/suites.done"
				continue
			fi
			smp=$(smt_suite_header "$script" smp 2)
			tmo=${SMT_SUITE_TIMEOUT:-$(smt_suite_header "$script" timeout 300)}
			# guest watchdog: the suite's share of the timeout, less a margin
			# for booting, the task dump and powering off
			gtmo=$(smt_suite_header "$script" guest-watchdog $((tmo - (tmo / 10 > 30 ? tmo / 10 : 30))))
			[[ $gtmo == 0 ]] && gtmo=
			smt_image_suite "$sdir" "$kdir/base.cpio.gz" "$s" "$gtmo"
			tcgt=$(head -n 15 "$script" | sed -n 's/^#[[:space:]]*tcg-thread:[[:space:]]*\(single\|multi\)[[:space:]]*$/\1/p' | head -n 1)
			smt_say "$k: booting suite $s (smp $smp${tcgt:+, tcg thread=$tcgt}, timeout ${tmo}s)"
			SMT_SUITE_NAME=$s smt_boot "$sdir" "$smp" "$tmo" "$tcgt"
			if grep -q '^ok - guest finished' "$sdir/harness.tap" &&
				! grep -qE '^(not )?ok($|[[:space:]])' "$sdir/tap.log"; then
				tap_line "$sdir/harness.tap" not-ok "suite $s reported tests ($k)" \
					"tap.log has no ok / not ok line"
			fi
			echo "$s" >>"$kdir/suites.done"
		done
	)
	count_tap "$k" build "$tap"
	for s in $(list_suites); do
		sdir=$kdir/$s
		row "$k" "$s"
		count_tap "$k" "$s" "$sdir/tap.log"
		count_tap "$k" "$s" "$sdir/harness.tap"
		[[ -f $sdir/boot-seconds ]] && BOOT["$k|$s"]=$(cat "$sdir/boot-seconds")
	done
}

# Code health and packaging (tests/static-checks.sh): checkpatch, sparse and
# dkms against the Debian headers of the kernels tested (not -rt or debug:
# the same source), modinfo, signing.  Row host/static.
run_static_checks() {
	local k kdirs=() out=$SMT_BUILD/host
	for k in $KERNELS; do
		[[ $k == 6.1 || $k == 6.12 ]] || continue
		[[ -f $SMT_BUILD/$k/kernel.env ]] || continue
		# shellcheck disable=SC1090
		kdirs+=("$(source "$SMT_BUILD/$k/kernel.env" && echo "$SMT_KDIR")")
	done
	smt_say "host: static checks (checkpatch, sparse, modinfo, dkms, signing)"
	mkdir -p "$out"
	tests/static-checks.sh "${kdirs[@]}" >"$out/static.tap" 2>"$out/static.log" ||
		grep -qE '^not ok' "$out/static.tap" ||
		tap_line "$out/static.tap" not-ok "tests/static-checks.sh exits 0" "$(tail -n 15 "$out/static.log")"
	count_tap host static "$out/static.tap"
}

# ------------------------------------------------------------------ report --

report() {
	local key k s tp=0 tf=0 ts=0 i
	echo
	# Repeated here, next to the verdict, because a CI log is often read
	# from its tail only.
	if ((${#FAILED_TESTS[@]})); then
		echo "failed or skipped tests (${#FAILED_TESTS[@]}):"
		for ((i = 0; i < ${#FAILED_TESTS[@]} && i < 30; i++)); do
			echo "${FAILED_TESTS[i]}"
		done
		((i < ${#FAILED_TESTS[@]})) && echo "  ... and $((${#FAILED_TESTS[@]} - i)) more (see above)"
		echo
	fi
	printf '%-10s %-14s %7s %7s %8s %7s\n' kernel suite passed failed skipped boot_s
	for key in "${ROWS[@]}"; do
		k=${key%%|*}
		s=${key#*|}
		printf '%-10s %-14s %7d %7d %8d %7s\n' "$k" "$s" "${PASS[$key]}" "${FAIL[$key]}" "${SKIP[$key]}" "${BOOT[$key]}"
		tp=$((tp + PASS[$key])) tf=$((tf + FAIL[$key])) ts=$((ts + SKIP[$key]))
	done
	echo
	echo "total time $(smt_elapsed "$T0") s; logs in build/"
	if ((ts > 0)); then
		echo "$tp passed, $tf failed, $ts skipped"
	else
		echo "$tp passed, $tf failed"
	fi
	((tf == 0 && ts == 0))
}

main() {
	local k
	HOST_SCRIPTS=() HOST_PID='' FETCH_PID=''
	trap 'for p in $FETCH_PID $HOST_PID; do kill "$p" 2>/dev/null; done' EXIT
	install_packages
	mkdir -p "$SMT_BUILD"
	rm -rf "$SMT_BUILD/host"
	start_fetching
	row host unit
	build_reader
	start_host_tests
	build_guest_programs
	for k in $KERNELS; do
		test_kernel "$k"
	done
	wait "$FETCH_PID" 2>/dev/null
	FETCH_PID=
	run_static_checks
	count_host_tests
	report
}

# (one line: bash has read it whole before running it, so editing this file
# while it runs cannot make bash execute a stray line after main returns)
main "$@"; exit $?

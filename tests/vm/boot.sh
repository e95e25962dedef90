# shellcheck shell=bash
# tests/vm/boot.sh - boot one guest and judge the boot (sourced).
#
# smt_boot OUTDIR SMP TIMEOUT [TCG_THREAD]
#   Boots SMT_KIMAGE with OUTDIR/initramfs.cpio.gz under QEMU (TCG; with
#   TCG_THREAD "single" or "multi": -accel tcg,thread=TCG_THREAD):
#     OUTDIR/console.log   ttyS0: kernel messages and /init's own lines
#     OUTDIR/tap.log       ttyS1: the suite's TAP output, then SMT-GUEST-DONE
#     OUTDIR/qemu.log      QEMU's own stdout/stderr
#     OUTDIR/boot-seconds  wall time of the boot
#     OUTDIR/harness.tap   the harness's verdicts on this boot, as TAP:
#       "guest finished (<kernel>/<suite>)"  SMT-GUEST-DONE seen, in time
#       "kernel log clean (<kernel>/<suite>)" no line of console.log matches
#                                             tests/vm/log-patterns
# Environment: SMT_KIMAGE, SMT_KNAME, SMT_KAPPEND, SMT_QEMU_OPTS, SMT_KARCH
# (kernel block), SMT_SUITE_NAME, SMT_QEMU_MEM (default 1G),
# SMT_STALL_SECONDS, SMT_HOST_ROOT (what the guest sees at /host over 9p:
# default /, the build machine's root; an arm64 root for arm64 guests).
#
# Per architecture (SMT_KARCH):
#   x86_64  qemu-system-x86_64, console ttyS0, TAP on a second 16550 (ttyS1)
#   arm64   qemu-system-aarch64 -M virt -cpu max: the machine has one PL011
#           UART (ttyAMA0, the console); the TAP stream goes to a virtio
#           console port (hvc0, module virtio_console), which tests/vm/init
#           picks by the machine's architecture

# Lines after which a guest that has gone quiet is not expected to recover.
SMT_FATAL_RE='BUG:|Oops|general protection fault|kernel BUG at|Kernel panic|double fault|stack guard page'

# smt_run_qemu OUTDIR TIMEOUT: runs "${qemu[@]}" (of the caller) and returns
# its exit status; 124 when killed at TIMEOUT; 125 when killed early because
# console.log shows a fatal kernel error (SMT_FATAL_RE) and neither
# console.log nor tap.log grew for SMT_STALL_SECONDS (default 120): a dead
# guest does not hold the run for the whole timeout.
smt_run_qemu() {
	local out=$1 tmo=$2 qpid t0 now last_change sizes last_sizes="" stall=${SMT_STALL_SECONDS:-120} why=0
	"${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	t0=$(date +%s)
	last_change=$t0
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 2
		now=$(date +%s)
		if ((now - t0 >= tmo)); then
			why=124
			break
		fi
		sizes=$(stat -c %s "$out/console.log" "$out/tap.log" 2>/dev/null | tr '\n' ' ')
		if [[ $sizes != "$last_sizes" ]]; then
			last_sizes=$sizes
			last_change=$now
		elif ((now - last_change >= stall)) && grep -qE "$SMT_FATAL_RE" "$out/console.log"; then
			why=125
			break
		fi
	done
	if ((why)); then
		kill -TERM "$qpid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qpid" 2>/dev/null || break
			sleep 1
		done
		kill -KILL "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
		return $why
	fi
	wait "$qpid"
}

# smt_qemu_cmd OUTDIR SMP TCG_THREAD: sets the caller's qemu array for
# SMT_KARCH.
smt_qemu_cmd() {
	local out=$1 smp=$2 tcg_thread=$3 append="panic=-1 loglevel=7 noirqdebug kasan_multi_shot"
	local virtfs="local,path=${SMT_HOST_ROOT:-/},mount_tag=host,security_model=none,readonly=on,multidevs=remap"
	# shellcheck disable=SC2054  # the commas are QEMU's
	case ${SMT_KARCH:-x86_64} in
	x86_64)
		qemu=(
			qemu-system-x86_64 -accel "tcg${tcg_thread:+,thread=$tcg_thread}" -m "${SMT_QEMU_MEM:-1G}"
			-smp "$smp,sockets=$smp,cores=1,threads=1"
			-nographic -nodefaults -no-user-config -no-reboot
			-kernel "$SMT_KIMAGE" -initrd "$out/initramfs.cpio.gz"
			-append "console=ttyS0 $append ${SMT_KAPPEND:-}"
			-chardev "file,id=con,path=$out/console.log"
			-chardev "file,id=tap,path=$out/tap.log"
			-serial chardev:con -serial chardev:tap
			-virtfs "$virtfs"
			-device virtio-rng-pci
		)
		;;
	arm64)
		# pauth-impdef=on: pointer authentication (the kernel signs return
		# addresses) with QEMU's cheap implementation-defined algorithm
		# instead of QARMA, which under TCG costs a large share of the time.
		qemu=(
			qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on
			-accel "tcg${tcg_thread:+,thread=$tcg_thread}" -m "${SMT_QEMU_MEM:-1G}"
			-smp "$smp,sockets=$smp,cores=1,threads=1"
			-nographic -nodefaults -no-user-config -no-reboot
			-kernel "$SMT_KIMAGE" -initrd "$out/initramfs.cpio.gz"
			-append "console=ttyAMA0 $append ${SMT_KAPPEND:-}"
			-chardev "file,id=con,path=$out/console.log"
			-chardev "file,id=tap,path=$out/tap.log"
			-serial chardev:con
			-device virtio-serial-pci -device virtconsole,chardev=tap
			-virtfs "$virtfs"
			-device virtio-rng-pci
		)
		;;
	*)
		# (the boot then fails with this message in its verdict)
		qemu=(sh -c 'echo "SMT_KARCH=$1: x86_64 or arm64" >&2; exit 1' sh "$SMT_KARCH")
		;;
	esac
}

smt_boot() {
	local out=$1 smp=$2 tmo=$3 tcg_thread=${4:-} id="$SMT_KNAME/$SMT_SUITE_NAME" start rc secs
	local -a qemu
	rm -f "$out"/{console.log,console.try1.log,tap.log,qemu.log,harness.tap,boot-seconds}
	: >"$out/console.log"
	: >"$out/tap.log"
	# noirqdebug: on PREEMPT_RT the 8250's interrupt handler runs in a
	# thread, and under TCG it often finds nothing to do; the spurious-IRQ
	# detector then disables IRQ 3 ("irq 3: nobody cared") and the rest of
	# the TAP stream on ttyS1 never leaves the guest.
	smt_qemu_cmd "$out" "$smp" "$tcg_thread"
	# shellcheck disable=SC2206
	[[ -n ${SMT_QEMU_OPTS:-} ]] && qemu+=($SMT_QEMU_OPTS)
	printf '%q ' "${qemu[@]}" >"$out/qemu.cmd"
	echo >>"$out/qemu.cmd"
	start=$(smt_now)
	smt_run_qemu "$out" "$tmo"
	rc=$?
	# A kernel that died before /init ran none of our code (the module is
	# loaded by the suite): boot once more, keep the first console log and
	# say so in the verdicts.  A second early death fails as usual.
	local retried=''
	if ! grep -q 'smt-init: kernel' "$out/console.log"; then
		mv "$out/console.log" "$out/console.try1.log"
		: >"$out/console.log"
		: >"$out/tap.log"
		retried="# note: the first boot died before /init (status $rc, see $out/console.try1.log): booted again"
		smt_run_qemu "$out" "$tmo"
		rc=$?
	fi
	secs=$(smt_elapsed "$start")
	echo "$secs" >"$out/boot-seconds"
	# TAP lines must not carry the \r a cooked tty would add.
	sed -i 's/\r$//' "$out/tap.log"

	{
		[[ -n $retried ]] && echo "$retried"
		if grep -qx 'SMT-GUEST-DONE' "$out/tap.log" && ((rc != 124 && rc != 125 && rc != 137)); then
			echo "ok - guest finished ($id)"
		else
			echo "not ok - guest finished ($id)"
			if ((rc == 124 || rc == 137)); then
				echo "# guest hung or panicked: no SMT-GUEST-DONE within $tmo s, QEMU killed"
			elif ((rc == 125)); then
				echo "# guest hung or panicked: a fatal kernel error in console.log, then no output" \
					"for ${SMT_STALL_SECONDS:-120} s: QEMU killed after $secs s"
			else
				echo "# guest hung or panicked: QEMU exited (status $rc) without SMT-GUEST-DONE"
				[[ -s $out/qemu.log ]] && sed 's/^/# qemu: /' "$out/qemu.log" | tail -n 10
			fi
			echo "# last 30 lines of $out/console.log:"
			tail -n 30 "$out/console.log" | tr -d '\r' | sed 's/^/#   /'
		fi
		local bad
		bad=$(tr -d '\r' <"$out/console.log" |
			grep -E -f <(grep -vE '^(#|[[:space:]]*$)' "$SMT_ROOT/tests/vm/log-patterns") || true)
		if [[ -z $bad ]]; then
			echo "ok - kernel log clean ($id)"
		else
			echo "not ok - kernel log clean ($id)"
			echo "# $(printf '%s\n' "$bad" | wc -l) offending line(s) in $out/console.log:"
			printf '%s\n' "$bad" | head -n 40 | sed 's/^/#   /'
		fi
	} >"$out/harness.tap"
}

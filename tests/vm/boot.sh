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
# Environment: SMT_KIMAGE, SMT_KNAME, SMT_KAPPEND, SMT_QEMU_OPTS (kernel
# block), SMT_SUITE_NAME, SMT_QEMU_MEM (default 1G), SMT_STALL_SECONDS.

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

smt_boot() {
	local out=$1 smp=$2 tmo=$3 tcg_thread=${4:-} id="$SMT_KNAME/$SMT_SUITE_NAME" start rc secs
	local -a qemu
	rm -f "$out"/{console.log,tap.log,qemu.log,harness.tap,boot-seconds}
	: >"$out/console.log"
	: >"$out/tap.log"
	# noirqdebug: on PREEMPT_RT the 8250's interrupt handler runs in a
	# thread, and under TCG it often finds nothing to do; the spurious-IRQ
	# detector then disables IRQ 3 ("irq 3: nobody cared") and the rest of
	# the TAP stream on ttyS1 never leaves the guest.
	# shellcheck disable=SC2054  # the commas are QEMU's
	qemu=(
		qemu-system-x86_64 -accel "tcg${tcg_thread:+,thread=$tcg_thread}" -m "${SMT_QEMU_MEM:-1G}"
		-smp "$smp,sockets=$smp,cores=1,threads=1"
		-nographic -nodefaults -no-user-config -no-reboot
		-kernel "$SMT_KIMAGE" -initrd "$out/initramfs.cpio.gz"
		-append "console=ttyS0 panic=-1 loglevel=7 noirqdebug kasan_multi_shot ${SMT_KAPPEND:-}"
		-chardev "file,id=con,path=$out/console.log"
		-chardev "file,id=tap,path=$out/tap.log"
		-serial chardev:con -serial chardev:tap
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap
		-device virtio-rng-pci
	)
	# shellcheck disable=SC2206
	[[ -n ${SMT_QEMU_OPTS:-} ]] && qemu+=($SMT_QEMU_OPTS)
	printf '%q ' "${qemu[@]}" >"$out/qemu.cmd"
	echo >>"$out/qemu.cmd"
	start=$(smt_now)
	smt_run_qemu "$out" "$tmo"
	rc=$?
	secs=$(smt_elapsed "$start")
	echo "$secs" >"$out/boot-seconds"
	# TAP lines must not carry the \r a cooked tty would add.
	sed -i 's/\r$//' "$out/tap.log"

	{
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

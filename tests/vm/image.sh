# shellcheck shell=bash
# tests/vm/image.sh - guest initramfs (busybox-static, cpio newc, gzip).
# Sourced by tests/check.sh after tests/vm/lib.sh.
#
# Guest layout:
#   /init                     tests/vm/init
#   /bin/busybox + applet links
#   /lib/sendmmsg_trace.ko    the module under test (if it built)
#   /lib/smt_canary.ko        a canary module (SMT_CANARY=1 or debug only)
#   /lib/modules/<release>/   9p + virtio modules and their modules.dep
#   /usr/bin/sendmmsg-trace   the reader (if it built)
#   /tests/bin/               guest test programs (build/guest/*)
#   /tests/*                  tests/guest/* but *.c, *.h, Makefile: suites,
#                             helpers (*.py), data (+ tests/canary/*.sh)
#   /tests/host-run           run a host program (tests/vm/host-run)
#   /tests/lib/tap.sh         TAP helpers for suite scripts
#   /etc/smt.env              SMT_KERNEL, SMT_SUITE, ... (per-suite overlay)
#   /host                     the build machine's root (9p, read-only)
#
# The image of a suite is the kernel's base archive followed by a small
# per-suite archive (the kernel unpacks concatenated archives in order).

# Modules the guest loads for 9p, when they are not built in.
SMT_GUEST_KMODS=${SMT_GUEST_KMODS:-"virtio_pci 9pnet_virtio 9p"}
# Modules copied when the kernel has them (the debug kernel has no hwrng).
SMT_GUEST_KMODS_OPTIONAL=${SMT_GUEST_KMODS_OPTIONAL:-"virtio-rng"}

# smt_image_kmods STAGE KMODDIR KREL: copies SMT_GUEST_KMODS and their
# dependencies (from modules.dep), decompressed, with a modules.dep for them.
smt_image_kmods() {
	local stage=$1 moddir=$2 krel=$3 dst m line f out
	dst=$stage/lib/modules/$krel
	mkdir -p "$dst"
	[[ -f $moddir/modules.dep ]] || { echo "no modules.dep in $moddir" >&2; return 0; }
	: >"$dst/modules.dep"
	local -A want=()
	for m in $SMT_GUEST_KMODS $SMT_GUEST_KMODS_OPTIONAL; do
		line=$(grep -E "(^|/)${m}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n 1)
		if [[ -z $line ]]; then
			grep -qE "(^|/)${m}\.ko\$" "$moddir/modules.builtin" 2>/dev/null ||
				[[ " $SMT_GUEST_KMODS_OPTIONAL " == *" $m "* ]] ||
				echo "module $m is neither in modules.dep nor built in" >&2
			continue
		fi
		for f in ${line/:/}; do want[$f]=1; done
	done
	for f in "${!want[@]}"; do
		out=$dst/${f%.ko*}.ko
		mkdir -p "$(dirname "$out")"
		case $f in
		*.ko) cp "$moddir/$f" "$out" ;;
		*.ko.xz) xz -dc "$moddir/$f" >"$out" ;;
		*.ko.zst) zstd -qdc "$moddir/$f" >"$out" ;;
		*.ko.gz) gzip -dc "$moddir/$f" >"$out" ;;
		*) echo "cannot handle $f" >&2; return 1 ;;
		esac
		# its modules.dep line, with decompressed names
		grep -E "^${f//./\\.}:" "$moddir/modules.dep" |
			sed -E 's/\.ko\.(xz|zst|gz)/.ko/g' >>"$dst/modules.dep"
	done
}

# Modules an arm64 guest needs as well: its TAP channel is a virtio console
# port (see tests/vm/boot.sh).
SMT_GUEST_KMODS_ARM64=${SMT_GUEST_KMODS_ARM64:-"virtio_console"}

# smt_image_common DIR [ARCH]: the kernel-independent part of the guest root
# (busybox, /init, scripts, guest programs, reader), staged once per run and
# architecture (ARCH: x86_64, the default, or arm64).
# Uses SMT_GUEST_BIN (guest programs), SMT_READER_BIN (may be empty), both
# built for ARCH, CANARY_DIR (the canary's directory under the repository,
# if any).
smt_image_common() {
	local stage=$1 arch=${2:-x86_64} l bb
	case $arch in
	x86_64) bb=/bin/busybox ;;
	# busybox-static:arm64 from the archive (tests/kernels.d/arm64.sh)
	arm64) bb=$(smt_arm64_busybox) || return 1 ;;
	*) echo "smt_image_common: ARCH=$arch: x86_64 or arm64" >&2; return 1 ;;
	esac
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,etc,proc,sys,dev,tmp,run,host,root,var/tmp,tests/bin,tests/lib}
	cp "$bb" "$stage/bin/busybox"
	# applet links, made by one process.  The list is the build machine's
	# busybox's: the same Debian version and configuration as the arm64
	# one, which cannot run here.
	busybox --list-full | grep -vx 'bin/busybox' |
		(cd "$stage" && xargs -n 64 sh -c 'for l; do [ -e "$l" ] || ln -s /bin/busybox "$l"; done' sh)
	install -m 0755 "$SMT_ROOT/tests/vm/init" "$stage/init"
	install -m 0755 "$SMT_ROOT/tests/vm/host-run" "$stage/tests/host-run"
	install -m 0644 "$SMT_ROOT/tests/vm/tap.sh" "$stage/tests/lib/tap.sh"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$stage/etc/passwd"
	printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$stage/etc/group"
	printf '127.0.0.1 localhost smt-guest\n::1 localhost ip6-localhost\n' >"$stage/etc/hosts"
	shopt -s nullglob
	# suite scripts and helpers (*.sh, *.py, data): all but sources and Makefile
	for l in "$SMT_ROOT"/tests/guest/*; do
		case ${l##*/} in
		*.c | *.h | *.o | Makefile) continue ;;
		esac
		[[ -f $l ]] || continue
		if [[ -x $l || $l == *.sh || $l == *.py ]]; then
			install -m 0755 "$l" "$stage/tests/"
		else
			install -m 0644 "$l" "$stage/tests/"
		fi
	done
	if [[ -n ${CANARY_DIR:-} ]]; then
		for l in "$SMT_ROOT/$CANARY_DIR"/*.sh; do
			install -m 0755 "$l" "$stage/tests/"
		done
	fi
	for l in "$SMT_GUEST_BIN"/*; do
		[[ -f $l && -x $l ]] && install -m 0755 "$l" "$stage/tests/bin/"
	done
	shopt -u nullglob
	if [[ -n ${SMT_READER_BIN:-} && -f $SMT_READER_BIN ]]; then
		install -m 0755 "$SMT_READER_BIN" "$stage/usr/bin/sendmmsg-trace"
	fi
}

# smt_image_stage COMMON STAGE: a copy of COMMON plus the 9p modules of the
# kernel described by SMT_KREL / SMT_KMODDIR.
smt_image_stage() {
	local common=$1 stage=$2 SMT_GUEST_KMODS=$SMT_GUEST_KMODS
	rm -rf "$stage"
	cp -a "$common" "$stage" || return 1
	[[ ${SMT_KARCH:-x86_64} == arm64 ]] && SMT_GUEST_KMODS+=" $SMT_GUEST_KMODS_ARM64"
	smt_image_kmods "$stage" "$SMT_KMODDIR" "$SMT_KREL"
}

# smt_image_pack DIR OUT.cpio.gz
smt_image_pack() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$2"
}

SMT_GUEST_KNOBS="SMT_SOAK_SECONDS SMT_RATE_SECONDS SMT_RATE_ROUNDS SMT_UNLOAD_CYCLES
	SMT_FUZZ_SECONDS SMT_FUZZ_SEED SMT_LEAK_CALLS"

# smt_image_suite OUTDIR BASE.cpio.gz SUITE [GUEST_TIMEOUT]:
# OUTDIR/initramfs.cpio.gz.
smt_image_suite() {
	local out=$1 base=$2 suite=$3 gtmo=${4:-} ov
	ov=$out/overlay
	rm -rf "$ov"
	mkdir -p "$ov/etc"
	{
		printf 'SMT_KERNEL=%q\n' "$SMT_KNAME"
		printf 'SMT_SUITE=%q\n' "$suite"
		printf 'SMT_KREL=%q\n' "$SMT_KREL"
		printf 'SMT_HOST_REPO=%q\n' "$SMT_ROOT"
		printf 'SMT_GUEST_TIMEOUT=%q\n' "$gtmo"
		# Knobs of the guest suites (durations, cycles, seeds) set on the
		# host, e.g. `SMT_FUZZ_SECONDS=600 make check`.
		local v
		for v in $SMT_GUEST_KNOBS; do
			if [[ -n ${!v:-} ]]; then printf '%s=%q\n' "$v" "${!v}"; fi
		done
	} >"$ov/etc/smt.env"
	smt_image_pack "$ov" "$out/overlay.cpio.gz"
	cat "$base" "$out/overlay.cpio.gz" >"$out/initramfs.cpio.gz"
}

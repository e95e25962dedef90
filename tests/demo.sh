#!/usr/bin/env bash
# tests/demo.sh - `make demo`: boot Debian's 6.1 kernel in QEMU, load the
# module, trace a small workload with the reader and with cat, and show it.
# Installs what it needs; the kernel is cached like `make check` does.
# KERNELS=6.12 picks another kernel of the matrix.

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
SMT_ROOT=$PWD
source tests/vm/lib.sh
source tests/kernels.sh
source tests/vm/image.sh
source tests/vm/boot.sh

kernel=${KERNELS:-6.1}
kernel=${kernel%% *}
out=$SMT_BUILD/demo
mkdir -p "$out"

[[ ${SMT_NO_INSTALL:-0} == 1 ]] || smt_install_missing "${SMT_HOST_PACKAGES[@]}"
smt_say "fetching kernel $kernel (cached after the first time)"
smt_kernel_setup "$kernel" >"$out/kernel.env" 2>"$out/fetch.log" ||
	smt_die "kernel fetch failed, see $out/fetch.log"
source "$out/kernel.env"
export SMT_KNAME SMT_KIMAGE SMT_KDIR SMT_KREL SMT_KMODDIR SMT_KAPPEND SMT_QEMU_OPTS \
	SMT_KARCH SMT_KMAKE_ARGS SMT_KCHROOT

smt_say "building the module, the reader and the workload"
rm -rf "$out/module"
mkdir -p "$out/module"
cp Kbuild sendmmsg_trace.c sendmmsg_trace.h "$out/module/"
smt_kbuild_modules "$out/module" >"$out/build.log" 2>&1 ||
	smt_die "module build failed, see $out/build.log"
make -C userspace STATIC=1 >>"$out/build.log" 2>&1 ||
	smt_die "reader build failed, see $out/build.log"
make -C tests/guest OUT="$out/guest" "$out/guest/udp_batch" >>"$out/build.log" 2>&1 ||
	smt_die "workload build failed, see $out/build.log"

SMT_GUEST_BIN=$out/guest SMT_READER_BIN=userspace/sendmmsg-trace
export SMT_GUEST_BIN SMT_READER_BIN
smt_image_common "$out/common" >"$out/image.log" 2>&1 &&
	smt_image_stage "$out/common" "$out/root" >>"$out/image.log" 2>&1 ||
	smt_die "guest image failed, see $out/image.log"
cp "$out/module/sendmmsg_trace.ko" "$out/root/lib/"
install -m 0755 tests/demo/suite-demo.sh "$out/root/tests/suite-demo.sh"
smt_image_pack "$out/root" "$out/base.cpio.gz"
smt_image_suite "$out" "$out/base.cpio.gz" demo

smt_say "booting $SMT_KREL in QEMU (TCG)"
SMT_SUITE_NAME=demo smt_boot "$out" 2 180
sed '/^SMT-GUEST-DONE/d' "$out/tap.log"
echo
if grep -q '^ok - kernel log clean' "$out/harness.tap" &&
	grep -q '^ok - guest finished' "$out/harness.tap"; then
	smt_say "done in $(cat "$out/boot-seconds") s of guest time; kernel log clean (build/demo/console.log)"
else
	cat "$out/harness.tap"
	exit 1
fi

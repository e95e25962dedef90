#!/usr/bin/env bash
# tests/debug-kernel.sh - the "debug" kernel of the VM matrix: Debian's
# linux-source-6.12 built with KASAN, lockdep, kmemleak, UBSAN, KFENCE, ...
#
# Debian ships no such kernel, so this one is built from source:
#   1. the version of linux-source-6.12 is resolved in bookworm-backports
#      with the private apt configuration of tests/kernels.sh (the machine's
#      own apt configuration is not touched);
#   2. the package is fetched with `apt-get download`, unpacked (dpkg -x,
#      then the tarball inside) into
#          ${XDG_CACHE_HOME:-$HOME/.cache}/sendmmsg-trace/debug/src/
#   3. `make tinyconfig`, the fragment tests/debug.config on top
#      (scripts/kconfig/merge_config.sh -m), `make olddefconfig`; every option
#      of the fragment is then checked and each one that did not stick is
#      named (the build fails);
#   4. `make bzImage modules` (~5 minutes on 2 cores; log in debug/build.log),
#      `make modules_install` into debug/modroot (modules.dep, modules.builtin).
# The result is reused until the package version, tests/debug.config, the
# compiler or the recipe of this script changes (debug/.smt-stamp).
#
# Usage:
#   tests/debug-kernel.sh            build if needed, print the KEY=value block
#                                    of tests/kernels.sh (SMT_KNAME=debug, ...)
#   tests/debug-kernel.sh --force    rebuild even if the cache is up to date
#   tests/debug-kernel.sh --check-config
#                                    configure only, check tests/debug.config
# Sourced (by tests/kernels.sh), it only defines functions: kernel_debug
# prints the block, so `tests/kernels.sh debug` works.
#
# Progress goes to stderr, the build output to debug/build.log; stdout
# carries the block only.
#
# Variables: SMT_CACHE (cache root), SMT_DEBUG_DIR (default $SMT_CACHE/debug),
# SMT_DEBUG_PACKAGE (default linux-source-6.12), SMT_DEBUG_RELEASE (apt
# target release, default bookworm-backports; empty: the default candidate,
# which may be bookworm-security), SMT_DEBUG_JOBS (default nproc),
# SMT_NO_INSTALL=1 (do not install missing build packages), SMT_OFFLINE=1
# (never refresh the package lists; use what is cached).

if [[ ${BASH_SOURCE[0]} == "$0" && -z ${_SMT_DEBUG_KERNEL_MAIN:-} ]]; then
	_SMT_DEBUG_KERNEL_MAIN=loading
	# kernels.sh defines the private apt configuration (and sources
	# tests/vm/lib.sh: SMT_ROOT, SMT_CACHE, smt_install_missing).  If it
	# sources this file in turn, only the functions below are defined.
	# shellcheck source=kernels.sh
	source "$(dirname "${BASH_SOURCE[0]}")/kernels.sh" || exit 1
	_SMT_DEBUG_KERNEL_MAIN=main
fi

# Bump when the build procedure below changes in a way that needs a rebuild.
SMT_DEBUG_RECIPE=1

SMT_DEBUG_DIR=${SMT_DEBUG_DIR:-$SMT_CACHE/debug}
SMT_DEBUG_PACKAGE=${SMT_DEBUG_PACKAGE:-linux-source-6.12}
SMT_DEBUG_RELEASE=${SMT_DEBUG_RELEASE-${SMT_DEBIAN_SUITE:-bookworm}-backports}
SMT_DEBUG_CONFIG=${SMT_DEBUG_CONFIG:-$SMT_ROOT/tests/debug.config}
# Kernel command line of the debug kernel (tests/vm/boot.sh already asks for
# every KASAN report, kasan_multi_shot, on every kernel): kmemleak on even if DEFAULT_OFF gets turned on;
# PCI interrupts routed from the BIOS's tables, not by ACPI AML, whose _PRT
# loop can time out under KASAN+lockdep in TCG (see tests/debug.config).
SMT_DEBUG_KAPPEND=${SMT_DEBUG_KAPPEND:-"kmemleak=on pci=noacpi"}
# With ACPI built in, `-smp N` alone brings up N CPUs and `poweroff -f` ends
# QEMU: no extra QEMU option is needed.  (tests/vm/boot.sh passes
# -smp N,sockets=N,cores=1,threads=1, which also works without ACPI.)
SMT_DEBUG_QEMU_OPTS=${SMT_DEBUG_QEMU_OPTS:-}

# What building a kernel needs besides gcc and make (Debian names).
SMT_DEBUG_BUILD_PACKAGES=(
	gcc gcc-12 make flex bison bc libelf-dev libssl-dev dwarves cpio
	xz-utils kmod python3 perl dpkg apt
)

kernel_debug() { smt_debug_kernel debug; }

smt_dbg() { printf 'debug kernel: %s\n' "$*" >&2; }

# smt_debug_config_check CONFIG FRAGMENT: every "CONFIG_X=v" line of FRAGMENT
# must be in CONFIG as is, every "# CONFIG_X is not set" must be unset there.
# Prints one line per option that did not stick; non-zero if any.
smt_debug_config_check() {
	awk '
		FNR == NR {
			if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) { i = index($0, "="); have[substr($0, 1, i - 1)] = substr($0, i + 1) }
			next
		}
		/^CONFIG_[A-Za-z0-9_]+=/ {
			i = index($0, "="); k = substr($0, 1, i - 1); v = substr($0, i + 1)
			if (!(k in have)) { printf "  %s=%s wanted, but it is not set (missing dependency or unknown option)\n", k, v; bad++ }
			else if (have[k] != v) { printf "  %s=%s wanted, got %s=%s\n", k, v, k, have[k]; bad++ }
			next
		}
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ {
			k = $2
			if (k in have && have[k] != "n") { printf "  %s wanted unset, got %s=%s (selected by another option?)\n", k, k, have[k]; bad++ }
			next
		}
		/^[ \t]*(#|$)/ { next }
		{ printf "  cannot parse fragment line %d: %s\n", FNR, $0; bad++ }
		END { exit bad > 0 }' "$1" "$2"
}

# smt_debug_resolve: prints the candidate version of SMT_DEBUG_PACKAGE.
smt_debug_resolve() {
	(
		flock 9
		smt_apt_update >&2 || exit 1
		smt_apt_version "$SMT_DEBUG_PACKAGE" "$SMT_DEBUG_RELEASE"
	) 9>"$SMT_CACHE/.lock"
}

# smt_debug_unpack VERSION: downloads SMT_DEBUG_PACKAGE=VERSION and unpacks
# its tarball into $SMT_DEBUG_DIR/src (replacing what was there).
smt_debug_unpack() {
	local ver=$1 dl=$SMT_DEBUG_DIR/dl tmp=$SMT_DEBUG_DIR/src.new deb tarball top
	rm -rf "$dl" "$tmp"
	mkdir -p "$dl/x" "$tmp"
	smt_dbg "downloading $SMT_DEBUG_PACKAGE=$ver"
	(
		flock 9
		cd "$dl" && apt-get "${SMT_APT_OPTS[@]}" -q download "$SMT_DEBUG_PACKAGE=$ver"
	) 9>"$SMT_CACHE/.lock" >&2 || { smt_dbg "apt-get download failed"; return 1; }
	deb=$(find "$dl" -maxdepth 1 -name '*.deb' | head -n 1)
	[[ -n $deb ]] || { smt_dbg "no .deb downloaded"; return 1; }
	dpkg -x "$deb" "$dl/x" || return 1
	tarball=$(find "$dl/x/usr/src" -maxdepth 1 -name 'linux-source-*.tar.*' | head -n 1)
	[[ -n $tarball ]] || { smt_dbg "no linux-source tarball in $deb"; return 1; }
	smt_dbg "unpacking $(basename "$tarball")"
	tar -xf "$tarball" -C "$tmp" || { smt_dbg "cannot unpack $tarball"; return 1; }
	top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[[ -n $top && -f $top/Makefile && -f $top/scripts/kconfig/merge_config.sh ]] ||
		{ smt_dbg "unexpected layout in $tarball"; return 1; }
	rm -rf "$SMT_DEBUG_DIR/src"
	mv "$top" "$SMT_DEBUG_DIR/src" || return 1
	printf '%s\n' "$ver" >"$SMT_DEBUG_DIR/src/.smt-source"
	rm -rf "$dl" "$tmp"
}

# smt_debug_configure: .config of $SMT_DEBUG_DIR/src from tinyconfig and
# the fragment; checks it.
smt_debug_configure() {
	local src=$SMT_DEBUG_DIR/src log=$SMT_DEBUG_DIR/config.log bad
	smt_dbg "configuring: make tinyconfig + $(basename "$SMT_DEBUG_CONFIG") + make olddefconfig"
	{
		make -C "$src" tinyconfig &&
			(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$SMT_DEBUG_CONFIG") &&
			make -C "$src" olddefconfig
	} >"$log" 2>&1 || {
		smt_dbg "configuration failed; last lines of $log:"
		tail -n 30 "$log" >&2
		return 1
	}
	if ! bad=$(smt_debug_config_check "$src/.config" "$SMT_DEBUG_CONFIG"); then
		smt_dbg "options of $SMT_DEBUG_CONFIG that did not stick after make olddefconfig:"
		printf '%s\n' "$bad" >&2
		smt_dbg "(resulting config: $src/.config)"
		return 1
	fi
	if grep -q '=m$' "$src/.config"; then
		smt_dbg "note: modular options (installed into the module folder): $(grep -c '=m$' "$src/.config")"
	fi
	smt_dbg "every option of $(basename "$SMT_DEBUG_CONFIG") stuck"
}

# smt_debug_build: make bzImage modules + modules_install into modroot.
smt_debug_build() {
	local src=$SMT_DEBUG_DIR/src log=$SMT_DEBUG_DIR/build.log jobs start rc krel
	jobs=${SMT_DEBUG_JOBS:-$(nproc)}
	start=$(date +%s)
	smt_dbg "building with -j$jobs (~5 min on 2 cores; log: $log)"
	make -C "$src" -j"$jobs" bzImage modules >"$log" 2>&1
	rc=$?
	if ((rc != 0)) || [[ ! -f $src/arch/x86/boot/bzImage ]]; then
		smt_dbg "build failed (status $rc); errors in $log:"
		{ grep -E 'error|Error [0-9]' "$log" | head -n 30; tail -n 20 "$log"; } >&2
		return 1
	fi
	krel=$(make -s -C "$src" kernelrelease) || return 1
	rm -rf "$SMT_DEBUG_DIR/modroot"
	make -C "$src" INSTALL_MOD_PATH="$SMT_DEBUG_DIR/modroot" modules_install >>"$log" 2>&1 || {
		smt_dbg "make modules_install failed; see $log"
		return 1
	}
	# Nothing is modular: make sure modules.dep exists all the same.
	[[ -f $SMT_DEBUG_DIR/modroot/lib/modules/$krel/modules.dep ]] ||
		depmod -b "$SMT_DEBUG_DIR/modroot" "$krel" >&2 || return 1
	smt_dbg "built $krel in $(($(date +%s) - start)) s"
}

# smt_debug_stamp VERSION: what the cached kernel must have been built from.
smt_debug_stamp() {
	printf 'package=%s=%s\n' "$SMT_DEBUG_PACKAGE" "$1"
	printf 'config=%s\n' "$(sha256sum <"$SMT_DEBUG_CONFIG" | cut -d' ' -f1)"
	printf 'compiler=%s\n' "$(gcc --version | head -n 1)"
	printf 'recipe=%s\n' "$SMT_DEBUG_RECIPE"
}

# smt_debug_kernel NAME [--force|--check-config]: builds if needed and prints
# the block.
smt_debug_kernel() {
	local name=$1 mode=${2:-}
	mkdir -p "$SMT_DEBUG_DIR" || return 1
	(
		flock 8
		D=$SMT_DEBUG_DIR
		src=$D/src
		[[ -f $SMT_DEBUG_CONFIG ]] || { smt_dbg "$SMT_DEBUG_CONFIG is missing"; exit 1; }
		if [[ ${SMT_NO_INSTALL:-0} != 1 ]]; then
			smt_install_missing "${SMT_DEBUG_BUILD_PACKAGES[@]}" ||
				smt_dbg "could not install every build package; trying anyway"
		fi
		ver=$(smt_debug_resolve)
		if [[ -z $ver ]]; then
			if [[ -f $src/.smt-source ]]; then
				ver=$(cat "$src/.smt-source")
				smt_dbg "cannot resolve $SMT_DEBUG_PACKAGE${SMT_DEBUG_RELEASE:+ ($SMT_DEBUG_RELEASE)}; using the unpacked $ver"
			else
				smt_dbg "cannot resolve $SMT_DEBUG_PACKAGE${SMT_DEBUG_RELEASE:+ ($SMT_DEBUG_RELEASE)} from the package index"
				exit 1
			fi
		fi
		want=$(smt_debug_stamp "$ver")
		if [[ $mode != --force && $mode != --check-config && -f $D/.smt-stamp &&
			$(cat "$D/.smt-stamp") == "$want" && -f $src/arch/x86/boot/bzImage ]]; then
			smt_dbg "$SMT_DEBUG_PACKAGE $ver: cached in $src"
		else
			if [[ ! -f $src/.smt-source || $(cat "$src/.smt-source") != "$ver" ]]; then
				rm -f "$D/.smt-stamp"
				smt_debug_unpack "$ver" || exit 1
			fi
			rm -f "$D/.smt-stamp"
			smt_debug_configure || exit 1
			[[ $mode == --check-config ]] && exit 0
			smt_debug_build || exit 1
			printf '%s\n' "$want" >"$D/.smt-stamp"
		fi
		krel=$(cat "$src/include/config/kernel.release") && [[ -n $krel ]] || exit 1
		smt_kernel_block "$name" "$(smt_debug_boot_image "$src")" "$src" "$krel" \
			"$D/modroot/lib/modules/$krel" "$SMT_DEBUG_KAPPEND" "$SMT_DEBUG_QEMU_OPTS"
	) 8>"$SMT_DEBUG_DIR/.lock"
}

# smt_debug_boot_image SRC: the ELF vmlinux when it has a PVH entry point
# (CONFIG_PVH: QEMU boots it directly, without SeaBIOS decompressing the
# bzImage, which costs seconds under TCG), else the bzImage; SMT_PVH=0
# forces the bzImage (as for the Debian kernels of tests/kernels.sh).
smt_debug_boot_image() {
	if [[ ${SMT_PVH:-1} == 1 && -s $1/vmlinux ]] &&
		readelf -n "$1/vmlinux" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
		echo "$1/vmlinux"
	else
		echo "$1/arch/x86/boot/bzImage"
	fi
}

if [[ ${BASH_SOURCE[0]} == "$0" && ${_SMT_DEBUG_KERNEL_MAIN:-} == main ]]; then
	_SMT_DEBUG_KERNEL_MAIN=ran
	set -uo pipefail
	case ${1:-} in
	"" | --force | --check-config) smt_debug_kernel debug "${1:-}" ;;
	-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" ;;
	*) echo "usage: $0 [--force|--check-config]" >&2; exit 2 ;;
	esac
fi

# shellcheck shell=bash
# tests/vm/lib.sh - helpers shared by the VM test harness scripts (sourced).

SMT_ROOT=${SMT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SMT_BUILD=${SMT_BUILD:-$SMT_ROOT/build}
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
SMT_CACHE=${SMT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/sendmmsg-trace}

# Progress line on stderr: "== <what>", with the seconds since SMT_T0 if set.
smt_say() {
	if [[ -n ${SMT_T0:-} ]]; then
		printf '== [%4ss] %s\n' "$(($(date +%s) - ${SMT_T0%.*}))" "$*" >&2
	else
		printf '== %s\n' "$*" >&2
	fi
}
# A note that is neither progress nor a test result.
smt_note() { printf 'note: %s\n' "$*" >&2; }
smt_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Packages the harness needs on the build machine (Debian names).
# shellcheck disable=SC2034  # used by tests/check.sh
SMT_HOST_PACKAGES=(
	qemu-system-x86 busybox-static cpio kmod musl-tools sparse
	# 32-bit and arm64 guest programs: cross compilers (gcc-multilib conflicts
	# with them, so i386 is built by i686-linux-gnu-gcc), and the arm64 guest
	gcc-i686-linux-gnu libc6-dev-i386-cross gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-system-arm
	jq python3 gcc gcc-12 make dwarves libelf1 xz-utils zstd gzip util-linux
	coreutils findutils gawk sed grep dpkg apt strace dkms openssl perl
	linux-source-6.1 cppcheck tshark mandoc
)

# smt_install_missing PKG...: apt-get install only the packages that are not
# installed yet (apt-get update first, once, and only if something is missing).
smt_install_missing() {
	local missing=() p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || st=
		[[ $st == installed ]] || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	smt_say "installing missing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || smt_note "apt-get update failed; trying the install anyway"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# smt_suite_header FILE KEY DEFAULT: value of a "# KEY: value" line among the
# first 15 lines of a suite script (e.g. "# smp: 4", "# timeout: 900").
smt_suite_header() {
	local v
	v=$(head -n 15 "$1" | sed -n "s/^#[[:space:]]*$2:[[:space:]]*\([0-9][0-9]*\)[[:space:]]*\$/\1/p" | head -n 1)
	printf '%s\n' "${v:-$3}"
}

# smt_now: seconds since the epoch with centiseconds.
smt_now() { date +%s.%N | cut -c1-13; }
# smt_elapsed START: seconds since START, one decimal.
smt_elapsed() { awk -v s="$1" -v e="$(smt_now)" 'BEGIN { printf "%.1f", e - s }'; }

# smt_kbuild_modules DIR [MAKE_ARG...]: `make modules` of the out-of-tree module
# in DIR against SMT_KDIR, with the kernel's SMT_KMAKE_ARGS.  With
# SMT_KCHROOT (a kernel built by a compiler this machine lacks), DIR is
# copied into the chroot, built there in a private mount namespace (objtool
# reads /proc) and copied back.
smt_kbuild_modules() {
	local dir=$1 inner rc
	shift
	# shellcheck disable=SC2086  # SMT_KMAKE_ARGS is a list of words
	if [[ -z ${SMT_KCHROOT:-} ]]; then
		make -C "$SMT_KDIR" M="$dir" $SMT_KMAKE_ARGS "$@" modules
		return
	fi
	inner=/tmp/smt-kbuild.$BASHPID
	rm -rf "${SMT_KCHROOT:?}$inner"
	cp -a "$dir" "$SMT_KCHROOT$inner" || return 1
	# shellcheck disable=SC2086
	unshare -m -- sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh \
		"$SMT_KCHROOT" "$SMT_KCHROOT" make -C "$SMT_KDIR" M="$inner" $SMT_KMAKE_ARGS "$@" modules
	rc=$?
	cp -a "$SMT_KCHROOT$inner/." "$dir/" && rm -rf "${SMT_KCHROOT:?}$inner"
	return $rc
}

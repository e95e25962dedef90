#!/usr/bin/env bash
# tests/kernels.sh - the kernel matrix of the VM tests.
#
# Fetches Debian kernels (image + headers) without installing anything on
# this machine: versions are resolved from package indexes with a private
# apt configuration (bookworm, -updates, -security and -backports, on the
# archive host this machine already uses), the .debs are fetched with
# `apt-get download`, unpacked with `dpkg -x` into
#     ${XDG_CACHE_HOME:-$HOME/.cache}/sendmmsg-trace/kernels/<release>/
# and the headers are made usable where they were unpacked.  A stamp file
# per release makes a second run reuse the cache.
#
# Usage:
#   tests/kernels.sh [NAME...]     fetch and describe kernels (default: $KERNELS
#                                  or all); one KEY=value block per kernel
#   tests/kernels.sh --list        the known kernel names
# Sourced (as tests/check.sh does), it only defines functions; the main one is
#   smt_kernel_setup NAME          prints the KEY=value block on stdout
#
# The block (sourceable shell, values %q-quoted):
#   SMT_KNAME    matrix name (6.1, 6.12, 6.12-rt, ...)
#   SMT_KIMAGE   the bzImage / vmlinuz to boot
#   SMT_KDIR     the tree to build modules against (make -C $SMT_KDIR M=...)
#   SMT_KREL     the kernel release (uname -r, vermagic)
#   SMT_KMODDIR  the unpacked /lib/modules/$SMT_KREL, with modules.dep
#   SMT_KAPPEND  extra kernel command line (optional)
#   SMT_QEMU_OPTS extra QEMU options (optional)
#   SMT_KARCH    the guest's architecture: x86_64 (default) or arm64
#   SMT_KMAKE_ARGS extra arguments of the module's make (CC=gcc, ARCH=arm64
#                CROSS_COMPILE=aarch64-linux-gnu-, ...) (optional)
#   SMT_KCHROOT  build the module inside this chroot (a toolchain the build
#                machine lacks); SMT_KDIR is then a path inside it (optional)
#
# Adding a kernel: write a function kernel_<name with every character that
# is not a letter or digit turned into _>, e.g. kernel_debug for "debug",
# that prints such a block (smt_kernel_block helps) and returns non-zero on
# failure, in this file, in tests/debug-kernel.sh or in tests/kernels.d/*.sh
# (both sourced below); add the name to SMT_ALL_KERNELS if it belongs to the
# default run, else select it with KERNELS=.
#
# Variables: KERNELS (subset, space separated), SMT_CACHE (cache folder),
# SMT_APT_MAX_AGE (seconds before the private package lists are refreshed,
# default 21600), SMT_OFFLINE=1 (never refresh; use the cache as it is),
# SMT_DEBIAN_MIRROR / SMT_DEBIAN_SECURITY_MIRROR (override the archive URIs).

# shellcheck source-path=SCRIPTDIR source=vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

# "debug" last: tests/check.sh builds it in the background (niced) while the
# Debian kernels are tested.
SMT_ALL_KERNELS=${SMT_ALL_KERNELS:-"5.10 6.1 6.12 6.12-rt newest arm64 debug"}
SMT_DEBIAN_SUITE=${SMT_DEBIAN_SUITE:-bookworm}
SMT_APT_MAX_AGE=${SMT_APT_MAX_AGE:-21600}

# ---------------------------------------------------------------- kernels --

kernel_6_1() { smt_debian_kernel 6.1 linux-image-amd64 ""; }
kernel_6_12() { smt_debian_kernel 6.12 linux-image-amd64 "$SMT_DEBIAN_SUITE-backports"; }
kernel_6_12_rt() { smt_debian_kernel 6.12-rt linux-image-rt-amd64 "$SMT_DEBIAN_SUITE-backports"; }
# Debian 11's headers name gcc-10 as CC; bookworm's gcc (12) builds for it.
kernel_5_10() { smt_debian_kernel 5.10 linux-image-amd64 "" bullseye CC=gcc; }

smt_kernel_func() { printf 'kernel_%s\n' "${1//[^a-zA-Z0-9]/_}"; }

smt_kernel_known() { declare -F "$(smt_kernel_func "$1")" >/dev/null; }

# smt_kernel_setup NAME: fetch if needed, print the KEY=value block.
smt_kernel_setup() {
	local f
	f=$(smt_kernel_func "$1")
	declare -F "$f" >/dev/null || { echo "unknown kernel '$1' (known: $SMT_ALL_KERNELS)" >&2; return 1; }
	"$f"
}

# smt_kernel_block NAME IMAGE KDIR RELEASE MODDIR [KAPPEND [QEMU_OPTS [ARCH
#                  [MAKE_ARGS [CHROOT]]]]]
smt_kernel_block() {
	printf 'SMT_KNAME=%q\nSMT_KIMAGE=%q\nSMT_KDIR=%q\nSMT_KREL=%q\nSMT_KMODDIR=%q\nSMT_KAPPEND=%q\nSMT_QEMU_OPTS=%q\n' \
		"$1" "$2" "$3" "$4" "$5" "${6:-}" "${7:-}"
	printf 'SMT_KARCH=%q\nSMT_KMAKE_ARGS=%q\nSMT_KCHROOT=%q\n' "${8:-x86_64}" "${9:-}" "${10:-}"
}

# ------------------------------------------------------ private apt config --

# A private apt configuration per Debian distribution and architecture (a
# "profile"), each with its own lists: one sources list naming several
# distributions would make apt's candidate the newest of them all.
#   smt_apt_use DIST [ARCH]   selects the profile: SMT_APT_DIR, SMT_APT_OPTS
#                             (DIST: bookworm, bullseye, trixie, sid; ARCH:
#                             amd64 by default, or arm64)
# Each distribution's list has its -updates, -backports and -security
# suites where Debian has them.
smt_apt_use() {
	SMT_APT_DIST=$1 SMT_APT_ARCH=${2:-amd64}
	SMT_APT_DIR=$SMT_CACHE/apt/$SMT_APT_DIST-$SMT_APT_ARCH
	SMT_APT_OPTS=(
		-o "Dir::Etc::SourceList=$SMT_APT_DIR/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$SMT_APT_DIR/lists"
		-o "Dir::State::status=$SMT_APT_DIR/status"
		-o "Dir::Cache=$SMT_APT_DIR/cache"
		-o "Dir::Cache::pkgcache=pkgcache.bin"
		-o "Dir::Cache::srcpkgcache="
		-o "Dir::Etc::Preferences=/dev/null"
		-o "Dir::Etc::PreferencesParts=/dev/null"
		-o "APT::Architecture=$SMT_APT_ARCH"
		-o "APT::Architectures=$SMT_APT_ARCH"
		-o "APT::Sandbox::User=root"
		-o "Acquire::Retries=3"
	)
}
smt_apt_use "$SMT_DEBIAN_SUITE"

# smt_apt_suites DIST: the suites of DIST's profile, "main" and "security"
# ones separated by a "|".
smt_apt_suites() {
	case $1 in
	sid) echo "sid|" ;;
	bullseye) echo "bullseye bullseye-updates|bullseye-security" ;; # no -backports now
	*) echo "$1 $1-updates $1-backports|$1-security" ;;
	esac
}

# The archive URIs this machine already uses (deb822 .sources and one-line
# .list files), printed as "main-uri security-uri".
smt_debian_mirrors() {
	local main=${SMT_DEBIAN_MIRROR:-} sec=${SMT_DEBIAN_SECURITY_MIRROR:-} files=() f found
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] && files+=("$f")
	done
	found=$(awk -v suite="$SMT_DEBIAN_SUITE" '
		function add(uris, suites,   nu, ns, u, s, U, S) {
			nu = split(uris, U, /[ \t]+/); ns = split(suites, S, /[ \t]+/)
			for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++) {
				if (U[u] == "") continue
				if (S[s] == suite && main == "") main = U[u]
				if (S[s] == suite "-security" && sec == "") sec = U[u]
			}
		}
		function flush() { if (enabled && types ~ /(^|[ \t])deb([ \t]|$)/) add(uris, suites); uris = suites = types = ""; enabled = 1 }
		FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
		deb822 {
			if ($0 ~ /^[ \t]*$/) { flush(); next }
			if ($0 ~ /^#/) next
			if (tolower($1) == "uris:") { $1 = ""; uris = $0 }
			else if (tolower($1) == "suites:") { $1 = ""; suites = $0 }
			else if (tolower($1) == "types:") { $1 = ""; types = $0 }
			else if (tolower($1) == "enabled:" && tolower($2) == "no") enabled = 0
			next
		}
		$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			add($i, $(i + 1))
		}
		END { flush(); print main "|" sec }' enabled=1 "${files[@]}" /dev/null 2>/dev/null) || found=
	[[ -n $main ]] || main=${found%%|*}
	[[ -n $sec ]] || sec=${found#*|}
	[[ -n $main ]] || main=http://deb.debian.org/debian
	[[ -n $sec ]] || sec=${main%/debian}/debian-security
	printf '%s %s\n' "$main" "$sec"
}

# Writes the private sources.list and refreshes its package lists when they
# are older than SMT_APT_MAX_AGE (or missing).  Never touches the machine's
# own apt configuration, lists or caches.
smt_apt_update() {
	local stamp=$SMT_APT_DIR/lists/.smt-updated main sec kr=/usr/share/keyrings/debian-archive-keyring.gpg
	local want age suites d
	mkdir -p "$SMT_APT_DIR/lists/partial" "$SMT_APT_DIR/cache/archives/partial"
	touch "$SMT_APT_DIR/status"
	read -r main sec < <(smt_debian_mirrors)
	suites=$(smt_apt_suites "$SMT_APT_DIST")
	want=$(
		for d in ${suites%|*}; do
			printf 'deb [arch=%s signed-by=%s] %s %s main\n' "$SMT_APT_ARCH" "$kr" "$main" "$d"
		done
		for d in ${suites#*|}; do
			printf 'deb [arch=%s signed-by=%s] %s %s main\n' "$SMT_APT_ARCH" "$kr" "$sec" "$d"
		done
	)
	if [[ ! -f $SMT_APT_DIR/sources.list ]] || [[ $(cat "$SMT_APT_DIR/sources.list") != "$want" ]]; then
		printf '%s\n' "$want" >"$SMT_APT_DIR/sources.list"
		rm -f "$stamp"
	fi
	if [[ -f $stamp ]]; then
		age=$(($(date +%s) - $(stat -c %Y "$stamp")))
		if [[ ${SMT_OFFLINE:-0} == 1 ]] || ((age < SMT_APT_MAX_AGE)); then
			return 0
		fi
	elif [[ ${SMT_OFFLINE:-0} == 1 ]]; then
		echo "SMT_OFFLINE=1 but there are no cached package lists" >&2
		return 1
	fi
	echo "apt-get update (private lists in $SMT_APT_DIR)" >&2
	if apt-get "${SMT_APT_OPTS[@]}" -q update >&2; then
		touch "$stamp"
	else
		echo "apt-get update of the private lists failed" >&2
		[[ -f $stamp ]]   # stale lists are still usable
	fi
}

# smt_apt_dep PKG REGEX [TARGET_RELEASE]: first plain Depends of the candidate
# version of PKG whose name matches REGEX.
smt_apt_dep() {
	local t=()
	[[ -n ${3:-} ]] && t=(-t "$3")
	apt-cache "${SMT_APT_OPTS[@]}" "${t[@]}" depends "$1" 2>/dev/null |
		awk -v re="$2" '$1 == "Depends:" && $2 ~ re { print $2; exit }'
}

# smt_apt_version PKG [TARGET_RELEASE]: candidate version of PKG.
smt_apt_version() {
	local t=()
	[[ -n ${2:-} ]] && t=(-t "$2")
	apt-cache "${SMT_APT_OPTS[@]}" "${t[@]}" policy "$1" 2>/dev/null |
		awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }'
}

# --------------------------------------------------------- Debian kernels --

# smt_debian_kernel NAME META_PACKAGE TARGET_RELEASE [DIST [MAKE_ARGS]]
# Resolves META_PACKAGE (linux-image-amd64, linux-image-rt-amd64) in
# TARGET_RELEASE of DIST's profile (default $SMT_DEBIAN_SUITE; an empty
# TARGET_RELEASE: the default candidate, e.g. bookworm/-security), downloads
# and unpacks image (-unsigned), headers, headers-common and kbuild.
# MAKE_ARGS go into the block (SMT_KMAKE_ARGS).
smt_debian_kernel() {
	local name=$1 meta=$2 rel=$3 dist=${4:-$SMT_DEBIAN_SUITE} margs=${5:-} resolved=$SMT_CACHE/resolved/$1
	local image krel hdr common kbuild pkg ver pkgs=() root stamp want old
	mkdir -p "$SMT_CACHE/resolved" "$SMT_CACHE/kernels"
	(
		flock 9
		smt_apt_use "$dist"
		if smt_apt_update; then
			image=$(smt_apt_dep "$meta" '^linux-image-[0-9]' "$rel")
			krel=${image#linux-image-}
			hdr=linux-headers-$krel
			common=$(smt_apt_dep "$hdr" '^linux-headers-.*-common' "$rel")
			kbuild=$(smt_apt_dep "$hdr" '^linux-kbuild-' "$rel")
		fi
		if [[ -z ${krel:-} || -z ${common:-} || -z ${kbuild:-} ]]; then
			if [[ -f $resolved ]]; then
				echo "cannot resolve $meta${rel:+ ($rel)} from the package index; using the last resolution" >&2
				cat "$resolved"
				exit 0
			fi
			echo "cannot resolve $meta${rel:+ ($rel)} from the package index" >&2
			exit 1
		fi
		for pkg in "linux-image-$krel-unsigned" "$hdr" "$common" "$kbuild"; do
			ver=$(smt_apt_version "$pkg" "$rel")
			[[ -n $ver ]] || { echo "no candidate version for $pkg" >&2; exit 1; }
			pkgs+=("$pkg=$ver")
		done
		root=$SMT_CACHE/kernels/$krel
		stamp=$root/.smt-stamp
		want=$(printf '%s\n' "${pkgs[@]}")
		if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
			smt_unpack_debian_kernel "$root" "$krel" "${pkgs[@]}" || exit 1
			printf '%s\n' "$want" >"$stamp"
			# The release this name had before (an older ABI) is not needed.
			old=$(sed -n 's/^SMT_KREL=//p' "$resolved" 2>/dev/null)
			if [[ -n $old && $old != "$krel" && -d $SMT_CACHE/kernels/$old ]]; then
				echo "kernel $name: removing the previous release $old from the cache" >&2
				rm -rf "${SMT_CACHE:?}/kernels/$old"
			fi
		else
			echo "kernel $krel: cached in $root" >&2
		fi
		smt_kernel_block "$name" "$(smt_boot_image "$root/boot/vmlinuz-$krel")" \
			"$root/usr/src/linux-headers-$krel" "$krel" "$root/lib/modules/$krel" "" "" \
			x86_64 "$margs" >"$resolved.tmp"
		mv "$resolved.tmp" "$resolved"
		cat "$resolved"
	) 9>"$SMT_CACHE/.lock"
}

# smt_boot_image VMLINUZ: the image QEMU should boot.  An x86 bzImage boots
# through SeaBIOS and decompresses itself, which under TCG costs several
# seconds per boot; the uncompressed ELF vmlinux inside it boots directly
# through its PVH entry point.  Extracts it once (next to VMLINUZ) and prints
# its path; prints VMLINUZ when that is not possible or SMT_PVH=0.
smt_boot_image() {
	local img=$1 out=${1/vmlinuz/vmlinux} magic cmd pos
	if [[ ${SMT_PVH:-1} != 1 || $out == "$img" ]]; then
		echo "$img"
		return 0
	fi
	if [[ ! -s $out ]]; then
		for magic in '\xfd\x37\x7a\x58\x5a\x00:xz -dcq --single-stream' \
			'\x28\xb5\x2f\xfd:zstd -dcq' '\x1f\x8b\x08:gzip -dcq' \
			'\x02\x21\x4c\x18:lz4 -dcq'; do
			cmd=${magic#*:}
			command -v "${cmd%% *}" >/dev/null || continue
			for pos in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$img" | cut -d: -f1 | head -n 5); do
				tail -c +$((pos + 1)) "$img" | $cmd >"$out.tmp" 2>/dev/null
				if [[ $(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] &&
					readelf -n "$out.tmp" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
					mv "$out.tmp" "$out"
					break 2
				fi
			done
		done
		rm -f "$out.tmp"
	fi
	if [[ -s $out ]]; then echo "$out"; else echo "$img"; fi
}

# smt_unpack_debian_kernel ROOT RELEASE PKG=VER...
smt_unpack_debian_kernel() {
	local root=$1 krel=$2 dl deb hdrdir mk inc
	shift 2
	dl=$SMT_CACHE/debs/$krel
	rm -rf "$root" "$dl"
	mkdir -p "$dl" "$root"
	echo "kernel $krel: downloading $*" >&2
	(cd "$dl" && apt-get "${SMT_APT_OPTS[@]}" -q download "$@") >&2 || {
		echo "apt-get download failed" >&2
		return 1
	}
	for deb in "$dl"/*.deb; do
		echo "kernel $krel: unpacking $(basename "$deb")" >&2
		dpkg -x "$deb" "$root" || return 1
	done
	# A merged-/usr package puts modules in usr/lib/modules.
	if [[ ! -d $root/lib/modules/$krel && -d $root/usr/lib/modules/$krel ]]; then
		mkdir -p "$root/lib"
		ln -s ../usr/lib/modules "$root/lib/modules"
	fi
	hdrdir=$root/usr/src/linux-headers-$krel
	[[ -f $root/boot/vmlinuz-$krel && -d $hdrdir && -d $root/lib/modules/$krel ]] || {
		echo "kernel $krel: unexpected package layout in $root" >&2
		return 1
	}
	# The arch headers' Makefile includes the common headers by absolute path.
	mk=$hdrdir/Makefile
	inc=$(sed -n 's|^include /usr/src/\([^/]*\)/Makefile$|\1|p' "$mk")
	if [[ -n $inc ]]; then
		[[ -d $root/usr/src/$inc ]] || { echo "kernel $krel: $inc missing" >&2; return 1; }
		sed -i "s|^include /usr/src/$inc/Makefile\$|include $root/usr/src/$inc/Makefile|" "$mk"
	fi
	# lib/modules/<release>/{build,source} point at /usr/src: make them relative.
	for inc in build source; do
		local tgt
		tgt=$(readlink "$root/lib/modules/$krel/$inc" 2>/dev/null) || continue
		[[ $tgt == /usr/src/* ]] && ln -sfn "../../..$tgt" "$root/lib/modules/$krel/$inc"
	done
	echo "kernel $krel: depmod" >&2
	depmod -b "$root" "$krel" || return 1
	rm -rf "$dl"
}

# ---------------------------------------------------------------- plugins --

# Kernels defined elsewhere: tests/debug-kernel.sh (kernel_debug) and any
# tests/kernels.d/*.sh; each only defines functions when sourced.
for _smt_plugin in "$SMT_ROOT/tests/debug-kernel.sh" "$SMT_ROOT"/tests/kernels.d/*.sh; do
	# shellcheck disable=SC1090,SC1091
	[[ -f $_smt_plugin ]] && source "$_smt_plugin"
done
unset _smt_plugin

# ------------------------------------------------------------------- main --

smt_kernels_main() {
	local names k rc=0
	if [[ ${1:-} == --list ]]; then
		echo "default: $SMT_ALL_KERNELS"
		echo "functions: $(declare -F | sed -n 's/^declare -f \(kernel_.*\)/\1/p' | tr '\n' ' ')"
		return 0
	fi
	if (($#)); then names="$*"; else names=${KERNELS:-$SMT_ALL_KERNELS}; fi
	for k in $names; do
		smt_kernel_setup "$k" || { echo "kernel $k: setup failed" >&2; rc=1; }
		echo
	done
	return $rc
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	smt_kernels_main "$@"
fi

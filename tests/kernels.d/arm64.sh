# shellcheck shell=bash
# tests/kernels.d/arm64.sh - arm64 kernels and the arm64 guest's userland
# pieces that come from Debian's archive (sourced by tests/kernels.sh; it
# only defines functions).
#
#   kernel_arm64            Debian 12's 6.1 arm64 kernel (bookworm/-security)
#   smt_arm64_busybox       busybox-static:arm64, unpacked: prints its busybox
#   smt_arm64_host_root     an arm64 root with strace, python3, jq, getent...
#                           for /tests/host-run in an arm64 guest: prints it
#
# Everything is resolved from the package index of the private arm64 apt
# profile (smt_apt_use DIST arm64), downloaded with `apt-get download`,
# unpacked with `dpkg -x` into the cache (nothing is installed) and reused
# while its stamp (package=version lines) matches the index.  The cache lock
# ($SMT_CACHE/.lock) serialises it with the other kernels' fetches.

SMT_ARM64_CROSS=${SMT_ARM64_CROSS:-aarch64-linux-gnu-}

kernel_arm64() { smt_debian_arm64_kernel arm64 linux-image-arm64 ""; }

# smt_debian_arm64_kernel NAME META_PACKAGE TARGET_RELEASE [DIST]
# As smt_debian_kernel, for Debian's arm64 packages: image (-unsigned),
# headers and headers-common from the arm64 profile; linux-kbuild-* (the
# host tools: fixdep, modpost... which run on this machine) from the amd64
# profile, at the same version as the arm64 one where the index has it.
smt_debian_arm64_kernel() {
	local name=$1 meta=$2 rel=$3 dist=${4:-$SMT_DEBIAN_SUITE} resolved=$SMT_CACHE/resolved/$1
	local image krel hdr common kbuild kbver pkg ver pkgs=() root stamp want old
	mkdir -p "$SMT_CACHE/resolved" "$SMT_CACHE/kernels"
	(
		flock 9
		smt_apt_use "$dist" arm64
		if smt_apt_update; then
			image=$(smt_apt_dep "$meta" '^linux-image-[0-9]' "$rel")
			krel=${image#linux-image-}
			hdr=linux-headers-$krel
			common=$(smt_apt_dep "$hdr" '^linux-headers-.*-common' "$rel")
			kbuild=$(smt_apt_dep "$hdr" '^linux-kbuild-' "$rel")
			kbver=$(smt_apt_version "$kbuild" "$rel")
		fi
		if [[ -z ${krel:-} || -z ${common:-} || -z ${kbuild:-} ]]; then
			if [[ -f $resolved ]]; then
				echo "cannot resolve $meta${rel:+ ($rel)} (arm64) from the package index; using the last resolution" >&2
				cat "$resolved"
				exit 0
			fi
			echo "cannot resolve $meta${rel:+ ($rel)} (arm64) from the package index" >&2
			exit 1
		fi
		for pkg in "linux-image-$krel-unsigned" "$hdr" "$common"; do
			ver=$(smt_apt_version "$pkg" "$rel")
			[[ -n $ver ]] || { echo "no candidate version for $pkg (arm64)" >&2; exit 1; }
			pkgs+=("$pkg=$ver")
		done
		# The host tools: amd64.  The same version as arm64's if the amd64
		# index has it (a security update can reach one index first).
		smt_apt_use "$dist"
		smt_apt_update || exit 1
		ver=$(smt_apt_version "$kbuild" "$rel")
		[[ -n $ver ]] || { echo "no candidate version for $kbuild (amd64)" >&2; exit 1; }
		if [[ -n $kbver && $kbver != "$ver" ]]; then
			if apt-cache "${SMT_APT_OPTS[@]}" show "$kbuild=$kbver" >/dev/null 2>&1; then
				ver=$kbver
			else
				echo "note: $kbuild is $kbver for arm64 but $ver for amd64: using $ver" >&2
			fi
		fi
		root=$SMT_CACHE/kernels/$krel
		stamp=$root/.smt-stamp
		want=$(printf '%s\n' "${pkgs[@]}" "$kbuild:amd64=$ver")
		if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
			smt_apt_use "$dist" arm64
			smt_unpack_debian_kernel "$root" "$krel" "${pkgs[@]}" || exit 1
			smt_apt_use "$dist"
			smt_unpack_debs "$SMT_CACHE/debs/$krel-kbuild" "$root" "$kbuild=$ver" || exit 1
			printf '%s\n' "$want" >"$stamp"
			old=$(sed -n 's/^SMT_KREL=//p' "$resolved" 2>/dev/null)
			if [[ -n $old && $old != "$krel" && -d $SMT_CACHE/kernels/$old ]]; then
				echo "kernel $name: removing the previous release $old from the cache" >&2
				rm -rf "${SMT_CACHE:?}/kernels/$old"
			fi
		else
			echo "kernel $krel: cached in $root" >&2
		fi
		# vmlinuz is a gzip-compressed Image: qemu-system-aarch64 -kernel
		# unpacks it itself.
		smt_kernel_block "$name" "$root/boot/vmlinuz-$krel" \
			"$root/usr/src/linux-headers-$krel" "$krel" "$root/lib/modules/$krel" "" "" \
			arm64 "ARCH=arm64 CROSS_COMPILE=$SMT_ARM64_CROSS" >"$resolved.tmp"
		mv "$resolved.tmp" "$resolved"
		cat "$resolved"
	) 9>"$SMT_CACHE/.lock"
}

# smt_unpack_debs DLDIR ROOT PKG[=VER]...: apt-get download (current
# profile) into DLDIR, dpkg -x each into ROOT, DLDIR removed afterwards.
smt_unpack_debs() {
	local dl=$1 root=$2 deb
	shift 2
	rm -rf "$dl"
	mkdir -p "$dl" "$root"
	echo "downloading ($SMT_APT_ARCH) $*" >&2
	(cd "$dl" && apt-get "${SMT_APT_OPTS[@]}" -q download "$@") >&2 || {
		echo "apt-get download failed" >&2
		return 1
	}
	for deb in "$dl"/*.deb; do
		dpkg -x "$deb" "$root" || return 1
	done
	rm -rf "$dl"
}

# smt_arm64_unpacked NAME PKG...: the packages PKG (and, when SMT_CLOSURE=1,
# their dependency closure) of architecture SMT_UNPACK_ARCH (default arm64)
# unpacked into $SMT_CACHE/arm64/NAME, kept while the stamp matches the
# index.  Prints the directory.
smt_arm64_unpacked() {
	local name=$1 dir=$SMT_CACHE/arm64/$1 arch=${SMT_UNPACK_ARCH:-arm64}
	shift
	mkdir -p "$SMT_CACHE/arm64"
	(
		flock 9
		local p ver list=() want
		smt_apt_use "$SMT_DEBIAN_SUITE" "$arch"
		if ! smt_apt_update; then
			[[ -f $dir/.smt-stamp ]] && { echo "$dir"; exit 0; }
			exit 1
		fi
		if [[ ${SMT_CLOSURE:-0} == 1 ]]; then
			# Real packages only (virtual ones are printed as <name>).
			mapfile -t list < <(apt-cache "${SMT_APT_OPTS[@]}" depends --recurse --no-recommends \
				--no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$@" 2>/dev/null |
				grep -v '^[ <]' | sort -u)
		else
			list=("$@")
		fi
		local pkgs=()
		for p in "${list[@]}"; do
			ver=$(smt_apt_version "$p")
			[[ -n $ver ]] || { echo "no candidate version for $p ($arch)" >&2; exit 1; }
			pkgs+=("$p=$ver")
		done
		want=$(printf '%s\n' "${pkgs[@]}")
		if [[ -f $dir/.smt-stamp && $(cat "$dir/.smt-stamp") == "$want" ]]; then
			echo "$dir"
			exit 0
		fi
		rm -rf "$dir"
		smt_unpack_debs "$SMT_CACHE/debs/$arch-$name" "$dir" "${pkgs[@]}" || exit 1
		printf '%s\n' "$want" >"$dir/.smt-stamp"
		echo "$dir"
	) 9>"$SMT_CACHE/.lock"
}

# The static arm64 busybox of busybox-static:arm64.
smt_arm64_busybox() {
	local dir
	dir=$(smt_arm64_unpacked busybox busybox-static) || return 1
	[[ -x $dir/bin/busybox ]] || { echo "no bin/busybox in busybox-static:arm64" >&2; return 1; }
	echo "$dir/bin/busybox"
}

# Programs an arm64 guest runs through /tests/host-run (the build machine's
# own root holds x86-64 programs): strace (the module suite's differential
# check), python3 (strace_diff.py, reader_compare.py), jq, getent (libc-bin),
# env and cat (coreutils), sh.
SMT_ARM64_HOST_PACKAGES=${SMT_ARM64_HOST_PACKAGES:-"python3 strace jq coreutils libc-bin dash bash"}

# smt_arm64_host_root: SMT_ARM64_HOST_PACKAGES and their dependency closure,
# unpacked, with what host-run's chroot needs (the mount points, /bin/sh;
# the 9p export is read-only, so they must exist beforehand).
smt_arm64_host_root() {
	local dir d
	# shellcheck disable=SC2086
	dir=$(SMT_CLOSURE=1 smt_arm64_unpacked host-root $SMT_ARM64_HOST_PACKAGES) || return 1
	for d in proc sys dev tmp run var/tmp root; do
		mkdir -p "$dir/$d"
	done
	chmod 1777 "$dir/tmp" "$dir/var/tmp"
	# dash's /bin/sh link is made by its maintainer script, not shipped.
	[[ -e $dir/bin/sh ]] || ln -s dash "$dir/bin/sh"
	smt_arm64_add_strace_armhf "$dir" || return 1
	[[ -x $dir/usr/bin/env && -x $dir/usr/bin/strace && -e $dir/usr/bin/python3 ]] || {
		echo "the arm64 host root in $dir lacks env, strace or python3" >&2
		return 1
	}
	echo "$dir"
}

# smt_arm64_add_strace_armhf ROOT: strace:armhf as ROOT/usr/bin/strace-armhf,
# with its libraries beside the arm64 ones (multiarch paths do not clash).
# arm64's strace cannot decode the structures of an AArch32 tracee (Debian
# builds it without a decoder for that personality: its msghdr fields come
# out as garbage), so the 32-bit differential check needs a 32-bit strace.
smt_arm64_add_strace_armhf() {
	local root=$1 dir
	dir=$(SMT_UNPACK_ARCH=armhf SMT_CLOSURE=1 smt_arm64_unpacked strace-armhf strace) || return 1
	[[ -x $dir/usr/bin/strace ]] || { echo "no usr/bin/strace in strace:armhf" >&2; return 1; }
	# the libraries and the loader; no file of the arm64 root is replaced
	(cd "$dir" && find lib usr/lib -path '*arm-linux-gnueabihf*' -o -name 'ld-linux-armhf.so*' 2>/dev/null) |
		while IFS= read -r f; do
			if [[ -d $dir/$f && ! -L $dir/$f ]]; then
				mkdir -p "$root/$f"
			elif [[ ! -e $root/$f && ! -L $root/$f ]]; then
				mkdir -p "$root/$(dirname "$f")" && cp -a "$dir/$f" "$root/$f"
			fi
		done
	cp "$dir/usr/bin/strace" "$root/usr/bin/strace-armhf"
}

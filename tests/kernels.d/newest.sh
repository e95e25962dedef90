# shellcheck shell=bash
# tests/kernels.d/newest.sh - kernel "newest": the newest kernel Debian ships
# for amd64 (sourced by tests/kernels.sh; only defines functions).
#
# Resolved at run time: the highest linux-binary-REL (REL = VER+debN-amd64,
# not -rt or -cloud) in trixie-backports, else in sid.  From 7.x Debian
# packages a kernel as linux-binary-REL (the image, /usr/lib/modules/REL/
# vmlinuz), linux-modules-REL, linux-headers-REL, linux-headers-VER-common
# and linux-kbuild-VER; there is no linux-image-REL-unsigned any more.
#
# Those kernels are built with a gcc that bookworm lacks (gcc-14), and a
# module must be built with the kernel's compiler, so the module is built
# in a trixie chroot (debootstrap, minbase + gcc-14, cached in
# $SMT_CACHE/chroot/trixie) into which the headers and kbuild are
# unpacked; the block's SMT_KCHROOT tells tests/vm/lib.sh's
# smt_kbuild_modules to build there.

SMT_CHROOT_RECIPE=1
SMT_CHROOT_PACKAGES=gcc-14,make,libc6-dev,bc,binutils,libelf1t64,dwarves,kmod

kernel_newest() { smt_newest_kernel newest amd64; }

# smt_newest_release ARCH: "DIST REL" of the newest linux-binary-*-ARCH, from
# trixie's profile (trixie-backports) or else sid's.
smt_newest_release() {
	local arch=$1 dist rel
	for dist in trixie sid; do
		smt_apt_use "$dist"
		smt_apt_update || continue
		rel=$(apt-cache "${SMT_APT_OPTS[@]}" search --names-only "^linux-binary-[0-9].*-$arch\$" 2>/dev/null |
			awk '{ print $1 }' | sed -n "s/^linux-binary-\([0-9][0-9.]*+deb[0-9]*-$arch\)\$/\1/p" |
			sort -V | tail -n 1)
		if [[ -n $rel ]]; then
			echo "$dist $rel"
			return 0
		fi
	done
	return 1
}

# smt_trixie_chroot: prints the chroot's path; makes it once (about 2 min).
smt_trixie_chroot() {
	local dir=$SMT_CACHE/chroot/trixie main sec want
	want="recipe $SMT_CHROOT_RECIPE: $SMT_CHROOT_PACKAGES"
	if [[ -f $dir/.smt-stamp && $(cat "$dir/.smt-stamp") == "$want" ]]; then
		echo "$dir"
		return 0
	fi
	command -v debootstrap >/dev/null || smt_install_missing debootstrap >&2
	read -r main sec < <(smt_debian_mirrors)
	echo "trixie chroot: debootstrap into $dir (gcc-14 for the kernel's modules)" >&2
	rm -rf "$dir"
	mkdir -p "$(dirname "$dir")"
	if ! debootstrap --variant=minbase --include="$SMT_CHROOT_PACKAGES" \
		trixie "$dir" "$main" >"$dir.log" 2>&1; then
		echo "trixie chroot: debootstrap failed; log $dir.log:" >&2
		tail -n 20 "$dir.log" >&2
		return 1
	fi
	rm -rf "$dir/var/cache/apt/archives/"*.deb
	printf '%s\n' "$want" >"$dir/.smt-stamp"
	echo "$dir"
}

# smt_newest_kernel NAME ARCH
smt_newest_kernel() {
	local name=$1 arch=$2 resolved=$SMT_CACHE/resolved/$1
	mkdir -p "$SMT_CACHE/resolved" "$SMT_CACHE/kernels"
	(
		flock 9
		local dist rel hdr common kbuild chroot root stamp want pkg ver pkgs=() old
		if read -r dist rel < <(smt_newest_release "$arch"); then
			smt_apt_use "$dist"
			hdr=linux-headers-$rel
			common=$(smt_apt_dep "$hdr" '^linux-headers-.*-common')
			kbuild=$(smt_apt_dep "$hdr" '^linux-kbuild-')
		fi
		if [[ -z ${rel:-} || -z ${common:-} || -z ${kbuild:-} ]]; then
			if [[ -f $resolved ]]; then
				echo "cannot resolve the newest kernel from the package index; using the last resolution" >&2
				cat "$resolved"
				exit 0
			fi
			echo "cannot resolve the newest $arch kernel (trixie-backports, sid)" >&2
			exit 1
		fi
		echo "kernel $name: $rel (from $dist)" >&2
		chroot=$(smt_trixie_chroot) || exit 1
		for pkg in "linux-binary-$rel" "linux-modules-$rel" "$hdr" "$common" "$kbuild"; do
			ver=$(smt_apt_version "$pkg")
			[[ -n $ver ]] || { echo "no candidate version for $pkg" >&2; exit 1; }
			pkgs+=("$pkg=$ver")
		done
		root=$SMT_CACHE/kernels/$rel
		stamp=$root/.smt-stamp
		want=$(printf '%s\n' "${pkgs[@]}")
		if [[ ! -f $stamp || $(cat "$stamp") != "$want" || ! -d $chroot/usr/src/$hdr ]]; then
			smt_unpack_binary_kernel "$root" "$rel" "$chroot" "${pkgs[@]}" || exit 1
			printf '%s\n' "$want" >"$stamp"
			old=$(sed -n 's/^SMT_KREL=//p' "$resolved" 2>/dev/null)
			if [[ -n $old && $old != "$rel" ]]; then
				echo "kernel $name: removing the previous release $old from the cache" >&2
				rm -rf "${SMT_CACHE:?}/kernels/$old" "${chroot:?}/usr/src/linux-headers-$old"
			fi
		else
			echo "kernel $rel: cached in $root" >&2
		fi
		smt_kernel_block "$name" "$(smt_boot_image "$root/boot/vmlinuz-$rel")" \
			"/usr/src/$hdr" "$rel" "$root/lib/modules/$rel" "" "" x86_64 "" "$chroot" >"$resolved.tmp"
		mv "$resolved.tmp" "$resolved"
		cat "$resolved"
	) 9>"$SMT_CACHE/.lock"
}

# smt_unpack_binary_kernel ROOT RELEASE CHROOT PKG=VER...: image and modules
# into ROOT (boot/vmlinuz-REL, lib/modules/REL with modules.dep), headers
# and kbuild into CHROOT (where their absolute paths are right).
smt_unpack_binary_kernel() {
	local root=$1 rel=$2 chroot=$3 dl deb
	shift 3
	dl=$SMT_CACHE/debs/$rel
	rm -rf "$root" "$dl"
	mkdir -p "$dl" "$root/boot"
	echo "kernel $rel: downloading $*" >&2
	(cd "$dl" && apt-get "${SMT_APT_OPTS[@]}" -q download "$@") >&2 || {
		echo "apt-get download failed" >&2
		return 1
	}
	for deb in "$dl"/*.deb; do
		echo "kernel $rel: unpacking $(basename "$deb")" >&2
		case ${deb##*/} in
		linux-headers-* | linux-kbuild-*) dpkg -x "$deb" "$chroot" ;;
		*) dpkg -x "$deb" "$root" ;;
		esac || return 1
	done
	if [[ ! -d $root/lib/modules/$rel && -d $root/usr/lib/modules/$rel ]]; then
		ln -s usr/lib "$root/lib"
	fi
	[[ -f $root/lib/modules/$rel/vmlinuz && -d $chroot/usr/src/linux-headers-$rel ]] || {
		echo "kernel $rel: unexpected package layout in $root" >&2
		return 1
	}
	ln -sf "../lib/modules/$rel/vmlinuz" "$root/boot/vmlinuz-$rel"
	echo "kernel $rel: depmod" >&2
	depmod -b "$root" "$rel" || return 1
	rm -rf "$dl"
}

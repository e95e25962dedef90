#!/usr/bin/env bash
# tests/static-checks.sh - code health and packaging checks of the module,
# on the build machine (no VM).  Prints TAP.
#
#   checkpatch.pl --strict (from Debian's linux-source-6.1) on the module
#   sparse (make C=2) against every kernel given, no warning
#   modinfo: description, author, GPL, version, every parameter described
#   dkms build against every kernel given (private dkms and source trees)
#   make sign with a throwaway key: modinfo shows the signature
#
# Usage: tests/static-checks.sh KDIR...   (kernel build trees: the harness
# passes the cached Debian headers of 6.1 and 6.12)

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
source tests/vm/lib.sh
OUT=$SMT_BUILD/static
rm -rf "$OUT"
mkdir -p "$OUT"
N=0
FAILED=0

pass() { N=$((N + 1)); echo "ok $N - $1"; }
fail() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
	shift
	[[ $# -gt 0 ]] && printf '%s\n' "$@" | head -n 30 | sed 's/^/# /'
	return 0
}

# A copy of the module sources, so builds never touch the work tree.
module_copy() {
	local dst=$1
	rm -rf "$dst"
	mkdir -p "$dst"
	cp "$ROOT"/Kbuild "$ROOT"/sendmmsg_trace.c "$ROOT"/sendmmsg_trace.h \
		"$ROOT"/dkms.conf "$dst"/
}

# checkpatch.pl comes from the kernel source package; kept in the cache.
checkpatch_path() {
	local dir=$SMT_CACHE/checkpatch tarball=/usr/src/linux-source-6.1.tar.xz
	if [[ ! -x $dir/scripts/checkpatch.pl ]]; then
		smt_install_missing linux-source-6.1 >&2
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1 \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch >&2 || return 1
	fi
	echo "$dir/scripts/checkpatch.pl"
}

# LINUX_VERSION_CODE is ignored: checkpatch rightly asks in-tree code not to
# test versions, but an out-of-tree module that builds on 5.10 to 7.x must
# where no macro tells the interfaces apart.  check_version_tests keeps such
# tests inside the module's compatibility section.
check_checkpatch() {
	local cp log=$OUT/checkpatch.log
	cp=$(checkpatch_path) || { fail "checkpatch.pl available"; return; }
	if perl "$cp" --strict --no-tree --terse --ignore LINUX_VERSION_CODE \
		-f sendmmsg_trace.c sendmmsg_trace.h >"$log" 2>&1 &&
		! grep -qE ': (ERROR|WARNING|CHECK):' "$log"; then
		pass "checkpatch.pl --strict: sendmmsg_trace.c and .h clean"
	else
		fail "checkpatch.pl --strict: sendmmsg_trace.c and .h clean" "$(cat "$log")"
	fi
}

# Every kernel-version test of the module sits in its "kernel
# compatibility" section (up to the next "/* ---- " section line).
check_version_tests() {
	local stray
	stray=$(awk '/^\/\* ---- kernel compatibility/ { inside = 1; next }
		/^\/\* ---- / { inside = 0 }
		/LINUX_VERSION_CODE|KERNEL_VERSION\(/ && !inside { print FILENAME ":" FNR ": " $0 }' \
		sendmmsg_trace.c sendmmsg_trace.h)
	if [[ -z $stray ]] && grep -q '^/\* ---- kernel compatibility' sendmmsg_trace.c; then
		pass "kernel version tests only in the module's compatibility section"
	else
		fail "kernel version tests only in the module's compatibility section" "${stray:-no such section}"
	fi
}

check_sparse() {
	local kdir=$1 rel dir log
	rel=$(basename "$kdir")
	dir=$OUT/sparse-$rel
	log=$dir.log
	module_copy "$dir"
	if make -C "$kdir" M="$dir" C=2 modules >"$log" 2>&1; then
		if grep -E 'warning:|error:' "$log" | grep -q sendmmsg_trace; then
			fail "sparse (make C=2) clean on $rel" "$(grep -E 'warning:|error:' "$log")"
		elif ! grep -q 'CHECK' "$log"; then
			fail "sparse (make C=2) ran on $rel" "$(tail -n 5 "$log")"
		else
			pass "sparse (make C=2) clean on $rel"
		fi
	else
		fail "sparse (make C=2) build on $rel" "$(tail -n 20 "$log")"
	fi
}

check_modinfo() {
	local ko=$1 field p params missing=()
	for field in description author license version; do
		if [[ -n $(modinfo -F "$field" "$ko") ]]; then
			pass "modinfo $field: $(modinfo -F "$field" "$ko")"
		else
			fail "modinfo $field"
		fi
	done
	[[ $(modinfo -F license "$ko") == GPL ]] && pass "modinfo license is GPL" ||
		fail "modinfo license is GPL"
	params=$(modinfo -F parm "$ko")
	while IFS= read -r p; do
		# "name:description (type)": a description must be there
		[[ $p =~ ^[a-z_]+:.{12,} ]] || missing+=("$p")
	done <<<"$params"
	if [[ ${#missing[@]} -eq 0 && $(wc -l <<<"$params") -ge 12 ]]; then
		pass "modinfo: all $(wc -l <<<"$params") parameters described"
	else
		fail "modinfo: every parameter described" "${missing[@]}" "$params"
	fi
}

check_dkms() {
	local kdir=$1 rel ver tree=$OUT/dkms log
	rel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null) ||
		rel=$(make -s -C "$kdir" kernelrelease 2>/dev/null)
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
	log=$OUT/dkms-$rel.log
	mkdir -p "$tree/var" "$tree/src"
	module_copy "$tree/src/sendmmsg_trace-$ver"
	local dk=(dkms --dkmstree "$tree/var" --sourcetree "$tree/src")
	"${dk[@]}" add -m sendmmsg_trace -v "$ver" >"$log" 2>&1 || true
	if "${dk[@]}" build -m sendmmsg_trace -v "$ver" -k "$rel" \
		--kernelsourcedir "$kdir" --no-depmod >>"$log" 2>&1 &&
		ls "$tree/var/sendmmsg_trace/$ver/$rel/x86_64/module/"sendmmsg_trace.ko* >/dev/null 2>&1; then
		pass "dkms build against $rel"
	else
		fail "dkms build against $rel" "$(tail -n 20 "$log")"
	fi
}

check_sign() {
	local kdir=$1 dir=$OUT/sign log=$OUT/sign.log
	module_copy "$dir"
	cp "$ROOT/Makefile" "$dir/"
	mkdir -p "$dir/userspace"
	printf 'all:\nclean:\n' >"$dir/userspace/Makefile"
	openssl req -new -nodes -utf8 -sha256 -days 1 -batch -x509 \
		-subj "/CN=smt test signing key/" -outform PEM \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >"$log" 2>&1
	if make -C "$dir" KDIR="$kdir" sign KEY="$dir/key.pem" CERT="$dir/cert.pem" >>"$log" 2>&1 &&
		[[ $(modinfo -F signer "$dir/sendmmsg_trace.ko") == "smt test signing key" ]]; then
		pass "make sign: module signed ($(modinfo -F sig_hashalgo "$dir/sendmmsg_trace.ko"))"
	else
		fail "make sign: module signed" "$(tail -n 20 "$log")"
	fi
}

smt_install_missing sparse dkms openssl kmod perl >&2
check_checkpatch
check_version_tests
for kdir in "$@"; do
	check_sparse "$kdir"
	check_dkms "$kdir"
done
if [[ $# -gt 0 ]]; then
	ko=$(ls "$OUT"/sparse-*/sendmmsg_trace.ko 2>/dev/null | head -n 1)
	if [[ -n $ko ]]; then
		check_modinfo "$ko"
	else
		fail "modinfo: a built module to read"
	fi
	check_sign "$1"
fi
echo "1..$N"
[[ $FAILED -eq 0 ]]

#!/usr/bin/env bash
# rootfs.sh SYSROOT BINDIR OUT
#
# Lays out the root filesystems of the two images under OUT:
#   OUT/webhook/gpuguard-webhook              (static: nothing else)
#   OUT/labeler/gpuguard-labeler              (cgo, for NVML)
#   OUT/labeler/lib/x86_64-linux-gnu/<lib>    glibc libraries it needs
#   OUT/labeler/lib64/ld-linux-x86-64.so.2    its program interpreter
# The libraries are what `ldd` lists for the labeler plus those NVML needs
# (nvml-deps.txt), taken from SYSROOT: a Debian libc6 package unpacked with
# dpkg -x (make image), or / of the Go build image (Dockerfile).
set -euo pipefail
sysroot=${1:?usage: rootfs.sh SYSROOT BINDIR OUT}
bindir=${2:?usage: rootfs.sh SYSROOT BINDIR OUT}
out=${3:?usage: rootfs.sh SYSROOT BINDIR OUT}
here=$(cd "$(dirname "$0")" && pwd)
multiarch=lib/x86_64-linux-gnu
interp=lib64/ld-linux-x86-64.so.2

rm -rf "$out"
mkdir -p "$out/webhook" "$out/labeler/$multiarch" "$out/labeler/lib64"

if ldd "$bindir/gpuguard-webhook" >/dev/null 2>&1; then
  echo "rootfs.sh: $bindir/gpuguard-webhook is dynamically linked; build it with CGO_ENABLED=0" >&2
  exit 1
fi
install -m 0755 "$bindir/gpuguard-webhook" "$out/webhook/gpuguard-webhook"
install -m 0755 "$bindir/gpuguard-labeler" "$out/labeler/gpuguard-labeler"

# find_lib NAME: the file behind NAME in SYSROOT (lib/ before Debian's
# /usr merge, usr/lib/ after), following a soname symlink to its target.
find_lib() {
  local d src target
  for d in "$multiarch" "usr/$multiarch"; do
    src=$sysroot/$d/$1
    if [[ -L $src ]]; then
      target=$(readlink "$src")
      if [[ $target == /* ]]; then src=$sysroot$target; else src=$(dirname "$src")/$target; fi
    fi
    if [[ -f $src ]]; then echo "$src"; return; fi
  done
  echo "rootfs.sh: $1 not found in $sysroot/{,usr/}$multiarch (is SYSROOT an unpacked libc6?)" >&2
  return 1
}
# Libraries: what ldd lists for the labeler ("name => path" lines) plus
# NVML's, and whatever those need in turn (readelf's NEEDED entries). The
# interpreter is installed once, at the path the binary names.
queue=($(ldd "$bindir/gpuguard-labeler" | awk '$2 == "=>" {print $1}') $(grep -v -e '^#' -e '^$' "$here/nvml-deps.txt"))
declare -A seen=([ld-linux-x86-64.so.2]=1)
while ((${#queue[@]})); do
  lib=${queue[0]}; queue=("${queue[@]:1}")
  [[ -n ${seen[$lib]:-} ]] && continue
  seen[$lib]=1
  src=$(find_lib "$lib")
  install -m 0755 "$src" "$out/labeler/$multiarch/$lib"
  queue+=($(readelf -d "$src" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'))
done
src=$(find_lib ld-linux-x86-64.so.2)
install -m 0755 "$src" "$out/labeler/$interp"
echo "rootfs.sh: webhook: $(cd "$out/webhook" && find . -type f | sort | tr '\n' ' ')"
echo "rootfs.sh: labeler: $(cd "$out/labeler" && find . -type f | sort | tr '\n' ' ')"

#!/usr/bin/env bash
# libc6.sh DEBS SYSROOT
#
# Unpacks Debian's libc6 package into SYSROOT, for the labeler image's glibc
# layer: the same version as this machine's libc6 (the labeler is linked
# against it), downloaded once into DEBS with `apt-get download`.
set -euo pipefail
debs=${1:?usage: libc6.sh DEBS SYSROOT}
sysroot=${2:?usage: libc6.sh DEBS SYSROOT}
if ! command -v dpkg-query >/dev/null; then
  echo "libc6.sh: make image assembles the labeler's glibc from Debian packages and needs a Debian-based machine (apt, dpkg)" >&2
  exit 1
fi
version=$(dpkg-query -W -f='${Version}' libc6)
arch=$(dpkg --print-architecture)
deb=$debs/libc6_${version//:/%3a}_$arch.deb
if [[ ! -f $deb ]]; then
  echo "==> Downloading libc6 $version with apt-get (once)"
  mkdir -p "$debs"
  if ! (cd "$debs" && apt-get download -q "libc6=$version"); then
    echo "==> apt-get download failed; refreshing the package lists (apt-get update) and retrying"
    sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -q
    (cd "$debs" && apt-get download -q "libc6=$version")
  fi
fi
rm -rf "$sysroot"
dpkg -x "$deb" "$sysroot"
echo "libc6.sh: unpacked $(basename "$deb") into $sysroot"

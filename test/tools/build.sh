#!/usr/bin/env bash
# Builds the real control plane (etcd, kube-apiserver, kube-scheduler,
# kube-controller-manager, kubectl) and kwok, which plays the kubelets, from the
# pinned Go modules in test/tools/{etcd,k8s,kwok} into bin/k8s. Nothing
# prebuilt is downloaded. The result is stamped with a hash of the pins and
# rebuilt only when they change.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/bin/k8s"
tools="$root/test/tools"
binaries=(etcd kube-apiserver kube-scheduler kube-controller-manager kubectl kwok)
stamp=$(cat "$tools"/build.sh "$tools"/k8s/go.mod "$tools"/k8s/go.sum "$tools"/etcd/go.mod "$tools"/etcd/go.sum "$tools"/etcd/main.go \
  "$tools"/kwok/go.mod "$tools"/kwok/go.sum "$tools"/kwok/main.go | sha256sum | cut -c1-16)

built() {
  [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]] || return 1
  local b
  for b in "${binaries[@]}"; do [[ -x "$out/$b" ]] || return 1; done
}
if built; then
  exit 0
fi

mkdir -p "$out"
rm -f "$out/.stamp"

# progress prints a line every 30 s while a long build runs, so a first run
# never looks hung.
progress() {
  local what=$1 start=$SECONDS
  while sleep 30; do echo "    ... still building $what ($((SECONDS - start)) s)"; done
}

build() {
  local what=$1 dir=$2; shift 2
  progress "$what" &
  local ticker=$!
  local start=$SECONDS
  if ! (cd "$dir" && CGO_ENABLED=0 go build -trimpath -o "$out/" "$@"); then
    kill "$ticker" 2>/dev/null || true
    echo "!!! building $what failed; the Go module proxy must be reachable (see README: Development)" >&2
    exit 1
  fi
  kill "$ticker" 2>/dev/null || true
  echo "    built $what in $((SECONDS - start)) s"
}

echo "==> Building the control plane from source into bin/k8s (first time only)"
echo "==> etcd v3.6.8 (about 30 s)"
build etcd "$tools/etcd" .
# One `go build` for the four Kubernetes binaries: their packages are compiled
# once and shared, which keeps a cold build close to kube-apiserver's alone.
echo "==> kube-apiserver, kube-scheduler, kube-controller-manager and kubectl v1.37.2 (about 8 minutes on 2 cores)"
build "the Kubernetes binaries" "$tools/k8s" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl
echo "==> kwok v0.8.0 (about 2 minutes)"
build kwok "$tools/kwok" .
echo "$stamp" > "$out/.stamp"
echo "==> Control plane ready in bin/k8s"

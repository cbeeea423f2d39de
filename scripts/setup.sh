#!/usr/bin/env bash
# Sets up a fresh Debian machine with Node 20 for ssdkit: the libtorch packages and oneDNN's headers (for the
# Winograd convolution) and Gloo's headers (c10d's process group), and for the tests Chromium (the `ssdkit serve` page test) and python3-onnx (ONNX's
# checker) — installed when run as root, otherwise named —, npm dependencies, and the native + TypeScript build.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Debian packages of a list that are not installed yet.
missing_of() {
  local p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s\n' "$p"; done
}

# Installs packages with apt-get (as root).
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

mapfile -t missing < <(missing_of libtorch-dev libopenblas0-pthread libdnnl-dev libgloo-dev)
if [ -z "${LIBTORCH:-}" ] && [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "ssdkit setup: installing ${missing[*]} with apt-get"
    apt_install "${missing[@]}"
  else
    echo "ssdkit setup: missing Debian packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install ${missing[*]}" >&2
    echo "  (or set LIBTORCH=/path/to/libtorch to build against another libtorch)" >&2
    exit 1
  fi
fi

# Only the tests need these (the page test's browser, ONNX's checker, python3-torchvision for the torchvision
# SSD300 parity test, which makes its ~140 MB weights file at test time): installed as root, otherwise named.
mapfile -t test_missing < <(missing_of chromium python3-onnx python3-torchvision)
if [ "${#test_missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "ssdkit setup: installing ${test_missing[*]} with apt-get (for the tests)"
    apt_install "${test_missing[@]}"
  else
    echo "ssdkit setup: the tests skip what needs ${test_missing[*]} (install: sudo apt-get install ${test_missing[*]})" >&2
  fi
fi

# onnxruntime-node's postinstall would download CUDA libraries (unreachable here); its CPU library ships in the
# package. npm 11 reads package.json's allowScripts; npm 10 needs this variable.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# Rebuild the addon only when its sources or the libtorch choice changed.
stamp=build/.ssdkit-native-stamp
want="$(cat binding.gyp native/src/* native/libtorch-config.cjs | sha1sum | cut -d' ' -f1) ${LIBTORCH:-debian} $(node native/libtorch-config.cjs defines) $(node native/libtorch-config.cjs openmp)"
if [ ! -f build/Release/ssdkit_native.node ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npx node-gyp rebuild -j "$(nproc)" >/dev/null
  echo "$want" > "$stamp"
fi
npx tsc -p tsconfig.json

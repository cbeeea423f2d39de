#!/usr/bin/env bash
# The prepared GPU check (issue 15): on a GPU machine with python3 + a CUDA torch and no Node, from the
# repository root, after `bash scripts/gpu-pack.sh` made .gpu/ here (the device tool carries it: carry [".gpu"]):
#   1. unpacks Node 20 and the runtime (dist/, node_modules/) from .gpu/;
#   2. compiles the addon with g++ against the machine's torch (LIBTORCH, default: python3's torch folder),
#      one g++ per source file in parallel, no node-gyp, no downloads; SSDKIT_ADDON points Node at it;
#   3. `ssdkit env`; the CUDA tests (test/gpu/cuda.test.ts: device moves, GPU checkpoints on CPU and back, CPU-vs-GPU
#      SGD losses, --amp steps) and the dtype/autocast/GradScaler/device tests;
#   4. NCCL all_reduce with 2 processes on one GPU (scripts/nccl_probe.py, with the machine's torch), or why not;
#   5. the GPU benchmark: node dist/bench/ssd.js --device cuda (ssdkit vs torchvision ssd300_vgg16 eager, train and
#      infer at batch 32/64, fp32 and AMP, peak GPU memory);
# and writes one report, $OUT/gpu-check.md (OUT unset: .gpu/out/). Budget: under 8 minutes in all.
#
#   bash scripts/gpu-check.sh                     # on the GPU machine
#   bash scripts/gpu-check.sh --cpu-dry-run       # here: Debian's libtorch in a pip-shaped folder, CPU only; proves
#                                                 # unpacking, the g++ build and every invocation (GPU tests skip)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DRY=0
[ "${1:-}" = "--cpu-dry-run" ] && DRY=1
OUTDIR=${OUT:-$ROOT/.gpu/out}
mkdir -p "$OUTDIR"
REPORT=$OUTDIR/gpu-check.md
T0=$(date +%s)
: > "$REPORT"
say() { printf '%s\n' "$@" | tee -a "$REPORT"; }
elapsed() { echo "$(( $(date +%s) - T0 )) s"; }
# run LABEL TIMEOUT CMD...: runs CMD with a time limit, its output into the report, and says how it ended
run() {
  local label=$1 limit=$2; shift 2
  local t=$(date +%s)
  say "" "## $label" "" '```'
  timeout "$limit" "$@" 2>&1 | tee -a "$REPORT"
  local rc=${PIPESTATUS[0]}
  say '```' "$label: exit $rc after $(( $(date +%s) - t )) s (at $(elapsed))"
  return "$rc"
}
fail() { say "" "STOPPED: $*"; exit 1; }

say "# ssdkit GPU check ($(date -u +%FT%TZ)$([ $DRY = 1 ] && echo ', --cpu-dry-run'))" ""
say "host: $(uname -m), $(nproc) cores; git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
command -v nvidia-smi >/dev/null && say "gpu: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -4 | tr '\n' ';')"

# ---- 1. Node and the runtime ----
[ -f .gpu/node.xz ] && [ -f .gpu/runtime.tar.xz ] || fail ".gpu/ is missing: run bash scripts/gpu-pack.sh on the build machine and carry .gpu"
mkdir -p .gpu/bin
# xz, or python3's lzma where the machine has no xz
if command -v xz >/dev/null; then
  xz -dc .gpu/node.xz > .gpu/bin/node && tar -xJf .gpu/runtime.tar.xz || fail "cannot unpack .gpu/"
else
  python3 -c 'import lzma, shutil, tarfile
with lzma.open(".gpu/node.xz") as f, open(".gpu/bin/node", "wb") as o: shutil.copyfileobj(f, o)
tarfile.open(".gpu/runtime.tar.xz", "r:xz").extractall(".")' || fail "cannot unpack .gpu/ with python3's lzma"
fi
chmod +x .gpu/bin/node
export PATH=$ROOT/.gpu/bin:$PATH
say "node: $(node --version), runtime unpacked (at $(elapsed))"

# ---- 2. the addon, with g++ against the machine's torch ----
PY=${SSDKIT_PYTHON:-$(command -v python3)}
export SSDKIT_PYTHON=$PY
if [ $DRY = 1 ]; then
  # Debian's libtorch in the shape of a pip torch folder: include/ and lib/ (what LIBTORCH=<torch dir> reads)
  LIBTORCH=$ROOT/.gpu/debian-torch
  rm -rf "$LIBTORCH" && mkdir -p "$LIBTORCH/lib" && ln -s /usr/include "$LIBTORCH/include"
  for f in /usr/lib/x86_64-linux-gnu/lib{torch,torch_cpu,c10}.so*; do ln -s "$f" "$LIBTORCH/lib/"; done
else
  LIBTORCH=${LIBTORCH:-$("$PY" -c 'import torch, os; print(os.path.dirname(torch.__file__))')} || fail "no torch in $PY"
fi
export LIBTORCH
CXX=${CXX:-$(command -v g++ || command -v c++ || command -v clang++)}
[ -n "$CXX" ] && command -v "$CXX" >/dev/null || fail "no C++ compiler (g++, c++ or clang++) on this machine"
CFLAGS=$(node native/libtorch-config.cjs cflags) || fail "libtorch-config.cjs cannot use LIBTORCH=$LIBTORCH"
LIBS=$(node native/libtorch-config.cjs libs)
STD=$(node native/libtorch-config.cjs std)
say "libtorch: $LIBTORCH" "flags: $STD $CFLAGS" "libs: $LIBS"
BUILD=$ROOT/.gpu/build
rm -rf "$BUILD" && mkdir -p "$BUILD"
compile() {
  local src=$1 obj=$BUILD/$(basename "$1" .cc).o
  # shellcheck disable=SC2086
  "$CXX" -c -fPIC -O2 "$STD" -fexceptions -frtti -Wno-unused-parameter -Wno-deprecated-declarations \
    -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION \
    -I"$ROOT/.gpu/include/node" -I"$ROOT/node_modules/node-addon-api" $CFLAGS "$src" -o "$obj" > "$obj.log" 2>&1
  echo $? > "$obj.rc"
}
t=$(date +%s)
for src in native/src/*.cc; do compile "$src" & done
wait
status=0
for rc in "$BUILD"/*.rc; do
  if [ "$(cat "$rc")" != 0 ]; then status=1; say "compile failed: ${rc%.rc}" '```'; tail -40 "${rc%.rc}.log" | tee -a "$REPORT"; say '```'; fi
done
[ $status = 0 ] || fail "the addon does not compile against $LIBTORCH"
# shellcheck disable=SC2086
"$CXX" -shared -o "$BUILD/ssdkit_native.node" "$BUILD"/*.o $LIBS > "$BUILD/link.log" 2>&1 || { tail -40 "$BUILD/link.log" | tee -a "$REPORT"; fail "link failed"; }
export SSDKIT_ADDON=$BUILD/ssdkit_native.node
say "addon: built in $(( $(date +%s) - t )) s with $("$CXX" --version | head -1) (at $(elapsed))"

# ---- 3. environment and tests ----
run "ssdkit env" 60 node dist/src/cli/main.js env
run "tests: CUDA (test/gpu) and dtypes/autocast/GradScaler/devices" 180 node --test --test-reporter=spec \
  dist/test/gpu/cuda.test.js dist/test/tensor/device.test.js dist/test/tensor/halfDtypes.test.js \
  dist/test/tensor/autocast.test.js dist/test/nn/gradScaler.test.js
run "tests: c10d collectives built against this torch (Gloo, CPU tensors)" 120 node --test --test-reporter=spec \
  dist/test/train/distributed.test.js
run "train: 4 steps of the demo SSD on the GPU with --amp" 120 node dist/src/cli/main.js train --network demo \
  --device cuda --amp --epochs 1 --max-batches 4 --batch-size 8 --num-workers 2 --val-limit 8 --save-prefix /tmp/gpu-check/demo

# ---- 4. NCCL with 2 processes on one GPU ----
if [ $DRY = 1 ]; then
  say "" "## NCCL" "" "skipped: --cpu-dry-run (no GPU)"
else
  run "NCCL all_reduce, 2 processes on cuda:0 ($PY, the machine's torch)" 120 "$PY" scripts/nccl_probe.py
fi

# ---- 5. GPU benchmark ----
if [ $DRY = 1 ]; then
  # the invocation, which must refuse cuda here and name the flag
  run "benchmark invocation (expects: no CUDA in this build)" 60 node dist/bench/ssd.js --device cuda --rounds 1
else
  left=$(( 460 - ($(date +%s) - T0) ))
  [ $left -gt 60 ] || left=60
  only=()
  if ! "$PY" -c 'import torchvision' 2>/dev/null; then only=(--ssdkit-only); say "" "no torchvision in $PY: the benchmark runs ssdkit alone"; fi
  run "GPU benchmark: ssdkit vs torchvision ssd300_vgg16 eager (images/s, higher is better)" "$left" \
    node dist/bench/ssd.js --device cuda --rounds 3 --verbose "${only[@]}"
fi
say "" "total: $(elapsed)"

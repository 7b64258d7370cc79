#!/usr/bin/env bash
# The README's two commands:
#   packaging/quickstart.sh run    set everything up, build, open the workbench (without a display:
#                                  train its Fashion-MNIST example headless)
#   packaging/quickstart.sh test   set everything up, build, run the whole test suite
# Safe to repeat: installed packages and built objects are reused (Ninja, ccache).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
if [ "$what" != run ] && [ "$what" != test ]; then
  echo "usage: $0 run|test" >&2
  exit 2
fi

# Running needs the run and build groups; the tests add theirs.
if [ "$what" = run ]; then
  bash packaging/install-deps.sh run build
else
  bash packaging/install-deps.sh run build test
fi
# ccache hashes paths relative to the checkout, so a fresh clone elsewhere (CI) reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset release
cmake --build --preset release

if [ "$what" = run ]; then
  # The workbench, with the local node ready and the Fashion-MNIST job in its Job tab (Run);
  # without a display it says so and trains that example headless.
  exec build/release/app/tensor-workbench
fi
exec ctest --preset release

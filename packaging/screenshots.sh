#!/usr/bin/env bash
# Refreshes docs/screenshots/ (shown in the README): every tab of the workbench as the GUI test
# (tests/tst_workbench_gui.cpp) leaves it after a real "Compare precisions" on the local node,
# drawn by a real X server (Xvfb) rather than the offscreen platform the CI run uses.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset release
cmake --build --preset release --target tst_workbench_gui twb-engine
rm -rf build/release/screenshots
QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" build/release/tests/tst_workbench_gui
mkdir -p docs/screenshots
for name in job job-invalid monitor profile compare export nodes monitor-zh; do
  cp "build/release/screenshots/$name.png" docs/screenshots/
done
echo "docs/screenshots/ updated"

#!/usr/bin/env bash
# Refreshes docs/screenshots/ (shown in the README): every tab of the workbench as the GUI tests
# (tests/workbench_gui/, tests/tst_run_recovery.cpp) leave it after a real "Compare
# precisions" and a real restart on the local node, drawn by a real X server (Xvfb) rather than
# the offscreen platform the CI run uses.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset release
cmake --build --preset release --target tst_workbench_gui tst_run_recovery tensor-workbench twb-engine
rm -rf build/release/screenshots
for suite in tst_workbench_gui tst_run_recovery; do
  QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" "build/release/tests/$suite"
done
mkdir -p docs/screenshots
for name in job job-invalid job-advanced-error job-advanced-error-zh monitor monitor-zoomed \
            monitor-after-restart reconnecting reconnecting-zh profile compare compare-by-class \
            compare-confusion compare-confusion-change compare-scaling-study compare-scaling-across-nodes compare-sweep compare-sweep-zh \
            export nodes \
            monitor-zh job-data-parallel job-global-batch-error monitor-ranks monitor-communication monitor-network \
            profile-data-parallel job-across-nodes monitor-across-nodes profile-graph \
            profile-graph-int8 designer-lenet5 designer-error designer-error-zh designer-resnet50 \
            designer-blocks designer-file-notes designer-input-sizes job-input-sizes plugins plugins-zh report-pdf-1; do
  cp "build/release/screenshots/$name.png" docs/screenshots/
done
echo "docs/screenshots/ updated"

#!/bin/bash
# Brings translations/twb_zh_CN.ts up to date with the strings in app/, ui/ and plugins/ (lupdate); new
# strings arrive marked unfinished, and tests/tst_translations.cpp fails until they are translated.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ts=${1:-$root/translations/twb_zh_CN.ts}
/usr/lib/qt6/bin/lupdate -no-obsolete -locations none -I "$root" "$root/ui" "$root/app" "$root/plugins" -ts "$ts"

#!/bin/bash
# Packs the engine into one self-contained archive that runs on any Linux x86-64 machine with
# glibc and nothing else installed:
#   OUT/twb-engine-VERSION-HASH-linux-x86_64.tar.gz
#     twb-engine-VERSION-HASH-linux-x86_64/bin/twb-engine   rpath $ORIGIN/../lib
#     twb-engine-VERSION-HASH-linux-x86_64/lib/*.so*         every library it needs but glibc's
#     twb-engine-VERSION-HASH-linux-x86_64/lib/libtwb-cuda.so the CUDA backend, where it was built:
#                                                           it uses the node's own driver and
#                                                           cuBLASLt, which are not bundled
#     twb-engine-VERSION-HASH-linux-x86_64/SHA256SUMS
# HASH is the commit the binary was built from (`twb-engine info --json`): it names the version
# the workbench deploys and skips the upload for when a node already has it.
# Usage: packaging/make-engine-bundle.sh [BINARY] [OUT_DIR]   (prints the archive's path)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:-$root/build/release/engine/twb-engine}
out=${2:-$root/build/bundle}
[ -x "$binary" ] || { echo "make-engine-bundle: $binary: not an executable (build first)" >&2; exit 1; }
command -v patchelf >/dev/null || { echo "make-engine-bundle: patchelf missing (packaging/install-deps.sh)" >&2; exit 1; }

facts=$("$binary" info --json)
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$facts" "$1"; }
name="twb-engine-$(field version)-$(field build_hash)-linux-x86_64"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin" "$stage/$name/lib"
cp "$binary" "$stage/$name/bin/twb-engine"

# glibc's own libraries stay the target's: they must match its kernel interface and loader.
is_glibc() {
  case "$1" in
    ld-linux*|libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libutil.so*|libresolv.so*|\
    libnsl.so*|libanl.so*|libmvec.so*|libBrokenLocale.so*|libnss_*|libthread_db.so*|libcrypt.so*) return 0 ;;
  esac
  return 1
}
ldd "$binary" | awk '/=> \// { print $1, $3 }' | while read -r soname path; do
  is_glibc "$soname" && continue
  cp -L "$path" "$stage/$name/lib/$soname"
done
# Each bundled library finds its own dependencies next to itself.
patchelf --set-rpath '$ORIGIN/../lib' --force-rpath "$stage/$name/bin/twb-engine"
for lib in "$stage/$name/lib"/*; do
  chmod u+w "$lib"
  patchelf --set-rpath '$ORIGIN' --force-rpath "$lib"
done
plugin=$(dirname "$binary")/libtwb-cuda.so
if [ -f "$plugin" ]; then
  cp "$plugin" "$stage/$name/lib/"
  patchelf --set-rpath '$ORIGIN:/usr/local/cuda/lib64:/usr/local/cuda/targets/x86_64-linux/lib' \
    --force-rpath "$stage/$name/lib/libtwb-cuda.so"
fi
(cd "$stage/$name" && find bin lib -type f | sort | xargs sha256sum > SHA256SUMS)

mkdir -p "$out"
tar -C "$stage" --owner=0 --group=0 --sort=name -czf "$out/$name.tar.gz.part" "$name"
mv "$out/$name.tar.gz.part" "$out/$name.tar.gz"
echo "$out/$name.tar.gz"

#!/usr/bin/env bash
# Installs everything Tensor Workbench needs to build, test and run on Debian 12.
# Idempotent: a second run installs nothing new. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # engine
  libdnnl-dev nlohmann-json3-dev libcli11-dev zlib1g-dev libonnx-dev
  # data-parallel ranks: Gloo's collectives, OpenSSL's HMAC for the rendezvous
  libgloo-dev libssl-dev
  # node service and remote nodes (later issues build on these)
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libssh-dev
  # engine bundle: rpath rewriting, and a bare Debian root to test it in
  patchelf debootstrap
  # remote nodes: tests start their own sshd on loopback and in network namespaces
  openssh-server openssh-client iproute2
  # application
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev libqcustomplot-dev
  libsqlite3-dev sqlite3 xvfb xauth
  # packages: CPack's .deb with dpkg-shlibdeps' runtime dependencies, checked by lintian, its
  # desktop entry and AppStream metadata validated
  dpkg-dev lintian desktop-file-utils appstream
  # a CJK font, so the Chinese translation can be seen in screenshots
  fonts-wqy-microhei
  # data and reference tests / benchmarks
  dataset-fashion-mnist python3 python3-numpy python3-torch python3-onnx libopenblas0-pthread
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
# Packages must not start services here (openssh-server would start sshd on port 22): the tests
# start their own. policy-rc.d refuses every start while we install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

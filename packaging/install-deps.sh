#!/usr/bin/env bash
# Installs the Debian 12 packages Tensor Workbench needs, in three groups:
#   packaging/install-deps.sh run     what running the workbench and its engine needs (beyond the
#                                     libraries the build's -dev packages bring)
#   packaging/install-deps.sh build   compilers, tools and -dev packages
#   packaging/install-deps.sh test    what the test suite and the benchmarks add: servers, network
#                                     tools, Python peers, package checkers
# Several groups may be named; none means all three. Idempotent: a second run installs nothing
# new. Needs root (or sudo).
set -euo pipefail

run_packages=(
  # the example's data, and what deploying the engine bundle to remote nodes runs (rpath rewriting)
  dataset-fashion-mnist patchelf
  # the workbench's display plugins and SVG icons, and a CJK font for its Chinese translation
  qt6-qpa-plugins libqt6svg6 fonts-wqy-microhei
)
build_packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # engine
  libdnnl-dev nlohmann-json3-dev libcli11-dev zlib1g-dev libonnx-dev
  # image-folder datasets: PNG and JPEG decoding; NumPy .npz archives
  libpng-dev libjpeg62-turbo-dev libzip-dev
  # data-parallel ranks: Gloo's collectives; OpenSSL: the rendezvous' HMAC and TCP nodes' TLS
  libgloo-dev libssl-dev
  # node service and remote nodes
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libssh-dev
  # application
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev libqcustomplot-dev
  libsqlite3-dev
  # the desktop keyring (Secret Service) for SSH key passphrases the user asks to keep
  libsecret-1-dev
)
test_packages=(
  # the engine bundle in a bare Debian root
  debootstrap
  # remote nodes: tests start their own sshd on loopback and in network namespaces; tcpdump
  # captures a TCP node's session to show the token is not in it
  openssh-server openssh-client iproute2 tcpdump
  # the GUI tests' display, and the store looked at from outside
  xvfb xauth sqlite3
  # a real keyring for the keyring test, in a D-Bus session of its own
  gnome-keyring dbus-daemon
  # packages: CPack's .deb with dpkg-shlibdeps' runtime dependencies, checked by lintian, its
  # desktop entry and AppStream metadata validated
  dpkg-dev lintian desktop-file-utils appstream
  # reference tests and benchmarks' peers; the protocol's conformance suite in Python (grpcio,
  # stubs from protoc's grpc_python_plugin)
  python3 python3-numpy python3-torch python3-onnx libopenblas0-pthread
  # image-folder tests and the loader benchmark: PIL writes the images; torchvision's ImageFolder
  # with PIL decoding is the peer
  python3-pil python3-torchvision
  python3-grpcio python3-protobuf
  # the comparison report's PDF pages turned into PNGs to be looked at
  poppler-utils
)

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(run build test)
packages=()
for group in "${groups[@]}"; do
  case "$group" in
    run) packages+=("${run_packages[@]}") ;;
    build) packages+=("${build_packages[@]}") ;;
    test) packages+=("${test_packages[@]}") ;;
    *) echo "install-deps: unknown group '$group' (run, build or test)" >&2; exit 2 ;;
  esac
done

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

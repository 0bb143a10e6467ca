#!/usr/bin/env bash
# Installs the Debian packages rotagent needs to build, run and test; does nothing when all are present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libgrpc-dev
  libssl-dev libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsystemd-dev
  libssh-dev libcrypt-dev libboost-dev libp11-kit-dev softhsm2 opensc
  libgtest-dev libgmock-dev libbenchmark-dev clang-format clang-tidy clang libclang-rt-14-dev
  openssl util-linux openssh-server openssh-client passwd
  systemd systemd-container dpkg-dev rpm lintian rpmlint jq
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Hardware validation kit: runs `rotctl validate` against one lab device and keeps the report.
#
#   tests/lab/validate-device.sh INVENTORY DEVICE ACCOUNT [SSH_ADDRESS]
#
# INVENTORY names the device, rotctl's client identity and the trust bundle (see
# config/inventory.example.yaml). ACCOUNT is a dedicated test account on the device: its password
# and the device's certificate for the inventory's first server profile are rotated. The lab CA
# is created on first use. Exit status: 0 when every check passed.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
inventory=$1 device=$2 account=$3 ssh=${4:-}
rotctl=${ROTCTL:-$(command -v rotctl || echo "$(dirname "$0")/../../build/ctl/rotctl")}
report="validate-${device}-$(date -u +%Y%m%dT%H%M%SZ).json"
"$rotctl" --inventory "$inventory" ca show >/dev/null 2>&1 || "$rotctl" --inventory "$inventory" ca init
args=(--inventory "$inventory" validate "$device" --account "$account" --report "$report")
[ -n "$ssh" ] && args+=(--ssh-address "$ssh")
"$rotctl" "${args[@]}"

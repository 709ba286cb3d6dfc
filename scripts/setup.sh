#!/usr/bin/env bash
# One command that installs everything the tests and the demo use on Debian or Ubuntu: the Debian
# packages (Prometheus and promtool, Alertmanager and amtool, node_exporter, cloud-init for
# `cloud-init schema`, shellcheck, systemd-analyze; debootstrap, systemd-nspawn, nftables, iproute2 and gnupg
# for `npm run rehearse`), then the npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(prometheus prometheus-alertmanager prometheus-node-exporter cloud-init shellcheck systemd
  debootstrap systemd-container nftables iproute2 gnupg)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root, or install sudo, to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund

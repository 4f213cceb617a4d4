#!/usr/bin/env bash
# Makes sure an etcd server binary is available, installing Debian's etcd-server when it is not,
# and iproute2's 'ip' (the peer-partition tests run members in network namespaces), installing
# Debian's iproute2 when it is missing. Sourced by scripts/test.sh and scripts/demo.sh; prints what
# it does.
set -euo pipefail

if [ -n "${ETCD_BIN:-}" ] && [ -x "${ETCD_BIN}" ]; then
  echo "etcd-cache: using etcd from ETCD_BIN=${ETCD_BIN} ($("${ETCD_BIN}" --version | head -n 1))"
elif command -v etcd >/dev/null 2>&1; then
  echo "etcd-cache: using etcd on PATH: $(command -v etcd) ($(etcd --version | head -n 1))"
else
  echo "etcd-cache: 'etcd' is not on PATH; installing Debian's etcd-server package (apt-get update && apt-get install -y etcd-server)."
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq etcd-server >/dev/null
  # The package may start a system etcd service on :2379; the tests never use it (they start
  # their own members on free ports), so it is left as the package manager set it up.
  echo "etcd-cache: installed $(command -v etcd) ($(etcd --version | head -n 1))"
fi

if command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ]; then
  echo "etcd-cache: using iproute2 for network namespaces: $(command -v ip || echo /usr/sbin/ip)"
else
  echo "etcd-cache: 'ip' is missing; installing Debian's iproute2 (apt-get update && apt-get install -y iproute2)."
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends iproute2 >/dev/null
  echo "etcd-cache: installed $(command -v ip || echo /usr/sbin/ip)"
fi

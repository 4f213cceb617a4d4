#!/usr/bin/env bash
# Makes sure the third-party etcd clients that cache-server's client suites drive are installed,
# installing the Debian packages that are missing (apt-get; sudo only when not root):
#   etcd-client            etcdctl 3.4.23 (ETCDCTL_API=3)
#   python3-etcd3          python-etcd3 0.12 for Debian's /usr/bin/python3 (pulls python3-grpcio,
#                          python3-protobuf, python3-tenacity, python3-six)
#   golang-go              the Go toolchain (1.19)
#   golang-etcd-server-dev clientv3 and its dependencies as GOPATH sources under /usr/share/gocode,
#                          so the Go suite builds offline with GO111MODULE=off
# Sourced by scripts/test.sh right after ensure-etcd.sh; prints what it does.
set -euo pipefail

missing=()
if ! command -v etcdctl >/dev/null 2>&1; then missing+=(etcd-client); fi
if ! /usr/bin/python3 -c 'import etcd3, grpc' >/dev/null 2>&1; then missing+=(python3-etcd3 python3-grpcio); fi
if ! command -v go >/dev/null 2>&1; then missing+=(golang-go); fi
if [ ! -f /usr/share/gocode/src/go.etcd.io/etcd/clientv3/client.go ]; then missing+=(golang-etcd-server-dev); fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "etcd-cache: installing Debian packages for the client suites: ${missing[*]} (apt-get update && apt-get install -y ...)."
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "etcd-cache: clients: $(command -v etcdctl) ($(ETCDCTL_API=3 etcdctl version | head -n 1)), /usr/bin/python3 etcd3 $(/usr/bin/python3 -c 'import etcd3; print(etcd3.__version__)'), $(go version), clientv3 sources in /usr/share/gocode"

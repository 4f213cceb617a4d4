#!/usr/bin/env bash
# The README's test command: provisions etcd (Debian etcd-server via apt-get when 'etcd' is not
# on PATH) and the third-party clients cache-server is tested with (scripts/ensure-clients.sh:
# etcdctl, python3-etcd3, Go clientv3), then builds the whole Maven reactor and runs every test
# against real etcd processes that the tests start and stop themselves on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-etcd.sh
source scripts/ensure-clients.sh
echo "etcd-cache: running all tests (mvn -B verify); etcd logs go to */target/etcd-logs/"
exec mvn -B -ntp verify "$@"

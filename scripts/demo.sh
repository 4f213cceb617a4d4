#!/usr/bin/env bash
# The README's demo command: bash scripts/demo.sh [--endpoints http://host:2379] [--keys 50000] ...
# Provisions etcd (Debian etcd-server via apt-get when 'etcd' is not on PATH), builds the demo and
# the modules it needs, then runs it: it starts a local etcd of its own (unless --endpoints is
# given), loads keys, and prints plain jetcd and etcd-cache side by side. `--help` lists options.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-etcd.sh
echo "etcd-cache: building the demo (mvn -B -q -ntp -pl demo -am install -DskipTests)"
mvn -B -q -ntp -pl demo -am install -DskipTests ${MAVEN_ARGS:-}
mkdir -p demo/target/etcd-logs
exec java ${DEMO_JAVA_OPTS:--Xmx1g} -jar demo/target/etcd-cache-demo.jar --log-dir demo/target/etcd-logs "$@"

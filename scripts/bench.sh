#!/usr/bin/env bash
# The README's benchmark command: bash scripts/bench.sh [--quick] [--out DIR]
# Provisions etcd (Debian etcd-server via apt-get when 'etcd' is not on PATH), builds the
# benchmarks module and what it needs, then runs the load harness: it starts its own local etcd on
# a free loopback port, loads the data sets, measures direct jetcd and etcd-cache side by side, and
# writes benchmarks/results/<date>-<scenario>.csv and <date>-report.md. --quick takes about 3
# minutes, the full run under 20.
set -euo pipefail
cd "$(dirname "$0")/.."
case " $* " in
  *" --help "*|*" -h "*) ;; # usage only: no etcd needed
  *) source scripts/ensure-etcd.sh ;;
esac
# package, not install: the reactor resolves the modules from each other, and nothing of this
# checkout lands in ~/.m2 where other checkouts would pick it up.
echo "etcd-cache: building the benchmarks (mvn -B -q -ntp -pl benchmarks -am package -DskipTests)"
mvn -B -q -ntp -pl benchmarks -am package -DskipTests ${MAVEN_ARGS:-}
mkdir -p benchmarks/target/etcd-logs
exec java ${BENCH_JAVA_OPTS:--Xms2g -Xmx6g} -cp benchmarks/target/benchmarks.jar \
  dev.etcdcache.benchmarks.load.LoadHarness --log-dir benchmarks/target/etcd-logs "$@"

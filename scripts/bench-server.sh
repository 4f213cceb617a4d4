#!/usr/bin/env bash
# cache-server's benchmark: bash scripts/bench-server.sh [--quick] [--only range,watch,memory,freshness] [--out DIR]
# Builds the benchmarks module (package, never install: ~/.m2 is shared), then runs ServerLoadHarness:
# it starts its own local etcd on a free loopback port, loads 100k keys, starts etcd's grpc-proxy (a child
# process) and cache-server (in-process), and measures direct etcd, grpc-proxy and cache-server side by side
# with raw gRPC clients. Writes benchmarks/results/<date>-cache-server.md. Default mode: under 11 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
case " $* " in
  *" --help "*|*" -h "*) ;; # usage only: no etcd needed
  *) source scripts/ensure-etcd.sh ;;
esac
echo "etcd-cache: building the benchmarks (mvn -B -ntp -q -pl benchmarks -am package -DskipTests)"
mvn -B -ntp -q -pl benchmarks -am package -DskipTests ${MAVEN_ARGS:-}
mkdir -p benchmarks/target/etcd-logs
exec java ${BENCH_JAVA_OPTS:--Xms2g -Xmx4g} -cp benchmarks/target/benchmarks.jar \
  dev.etcdcache.benchmarks.server.ServerLoadHarness --log-dir benchmarks/target/etcd-logs "$@"

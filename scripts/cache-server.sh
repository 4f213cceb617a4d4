#!/usr/bin/env bash
# Runs cache-server (etcd's v3 gRPC API from a watch-cache mirror; a drop-in for
# `etcd grpc-proxy start`). Builds the executable jar first if it is missing or older than the
# sources. All arguments are passed on: scripts/cache-server.sh --endpoints=127.0.0.1:2379 --help
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$(ls "$root"/cache-server/target/cache-server-*-all.jar 2>/dev/null | head -n 1 || true)"
if [[ -z "$jar" ]] || [[ -n "$(find "$root/cache-server/src/main" "$root/cache-core/src/main" -newer "$jar" -type f 2>/dev/null | head -n 1)" ]]; then
  (cd "$root" && mvn -B -ntp -q -pl cache-server -am package -DskipTests) >&2
  jar="$(ls "$root"/cache-server/target/cache-server-*-all.jar | head -n 1)"
fi
exec java ${JAVA_OPTS:-} -jar "$jar" "$@"

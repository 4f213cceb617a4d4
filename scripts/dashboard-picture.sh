#!/usr/bin/env bash
# Draws docs/dashboard.png: the panels of cache-metrics/grafana/etcd-cache.json, their own PromQL
# queries evaluated by a real Prometheus that scraped the demo (with --dashboard-feed) and a
# cache-server serving etcdctl traffic, all against one local etcd started here.
#   bash scripts/dashboard-picture.sh [--out docs/dashboard.png] [--keys 20000] [--seconds 4]
# Installs Debian's etcd-server, etcd-client, prometheus and python3-matplotlib when missing
# (apt-get), builds the demo and cache-server jars, and ends every process it started, by PID.
# No Grafana runs here: scripts/dashboard_picture.py draws the dashboard's layout, titles and
# legends with matplotlib from what Prometheus returns for each panel's queries. The Adapters row
# is left out: the demo mirrors no Kubernetes or Cilium data (AdapterMetricsTest checks that row's
# series through a Prometheus scrape).
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/dashboard.png
keys=20000
seconds=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --keys) keys="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "usage: $0 [--out FILE] [--keys N] [--seconds S]" >&2; exit 2 ;;
  esac
done

source scripts/ensure-etcd.sh
missing=()
command -v etcdctl >/dev/null || missing+=(etcd-client)
command -v prometheus >/dev/null || missing+=(prometheus)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "dashboard-picture: installing ${missing[*]} (apt-get)"
  ${SUDO:-} apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "dashboard-picture: building the demo and cache-server jars"
mvn -B -q -ntp -pl demo,cache-server -am package -DskipTests ${MAVEN_ARGS:-}

work="$(mktemp -d /tmp/etcd-cache-dashboard.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 120); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done; echo "dashboard-picture: $1 did not answer" >&2; return 1; }

etcd_port=$(free_port); peer_port=$(free_port); server_port=$(free_port); server_metrics=$(free_port)
demo_metrics=$(free_port); prom_port=$(free_port)
etcd --name dash --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "dash=http://127.0.0.1:$peer_port" \
  >"$work/etcd.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$etcd_port/health"
echo "dashboard-picture: etcd at 127.0.0.1:$etcd_port (pid ${pids[0]})"

server_jar="$(ls cache-server/target/cache-server-*-all.jar | head -n 1)"
java -Xmx512m -jar "$server_jar" --endpoints "127.0.0.1:$etcd_port" --listen-addr "127.0.0.1:$server_port" \
  --metrics-addr "http://127.0.0.1:$server_metrics" >"$work/server.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$server_metrics/metrics"
echo "dashboard-picture: cache-server at 127.0.0.1:$server_port, metrics :$server_metrics"

cat >"$work/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: demo
    static_configs: [ { targets: ["127.0.0.1:$demo_metrics"] } ]
  - job_name: cache-server
    static_configs: [ { targets: ["127.0.0.1:$server_metrics"] } ]
EOF
prometheus --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/prom" \
  --web.listen-address "127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready"
echo "dashboard-picture: prometheus at 127.0.0.1:$prom_port scraping both every second"

# etcdctl traffic through cache-server for its row, about a process a third of a second so the
# demo's own figures are not disturbed much: reads, writes, a watch stream.
etcdctl_load() {
(
  set +e
  export ETCDCTL_API=3
  etcdctl --endpoints "127.0.0.1:$server_port" watch --prefix /dash/ >/dev/null 2>&1 &
  watcher=$!
  trap 'kill $watcher 2>/dev/null; exit 0' TERM EXIT
  i=0
  while true; do
    etcdctl --endpoints "127.0.0.1:$server_port" put "/dash/k$((i % 50))" "v$i" >/dev/null 2>&1
    etcdctl --endpoints "127.0.0.1:$server_port" get --prefix /dash/ --limit 20 >/dev/null 2>&1
    etcdctl --endpoints "127.0.0.1:$server_port" get "/dash/k$((i % 50))" --consistency=s >/dev/null 2>&1
    i=$((i + 1))
    sleep 1
  done
) &
pids+=($!)
}

demo_jar=demo/target/etcd-cache-demo.jar
start=""
end=""
while IFS= read -r line; do
  echo "  demo| $line"
  if [[ -z "$start" && "$line" == "[4/"* ]]; then start=$(date +%s); fi
  # etcdctl starts once the demo has checked its answers, so it measures its cache on a moving etcd.
  if [[ "$line" == "[6/"* ]]; then etcdctl_load; fi
  # The window ends when the cache's measurements do, before the feed's watchers close.
  if [[ -n "$start" && -z "$end" && "$line" == "workload "* ]]; then end=$(date +%s); fi
done < <(java -Xmx1g -jar "$demo_jar" --endpoints "http://127.0.0.1:$etcd_port" --metrics-port "$demo_metrics" \
  --keys "$keys" --seconds "$seconds" --dashboard-feed 2>&1)
[[ -n "$start" && -n "$end" ]] || { echo "dashboard-picture: the demo did not reach its cache phase" >&2; exit 1; }
# The demo's endpoint closed with it; Prometheus already holds every scrape.
mkdir -p "$(dirname "$out")"
/usr/bin/python3 scripts/dashboard_picture.py --prometheus "http://127.0.0.1:$prom_port" \
  --dashboard cache-metrics/grafana/etcd-cache.json --start "$((start - 5))" --end "$end" --out "$out" \
  --rate-interval 10s --step 2 --rows "Reads,Freshness,Watch,Memory,Health,cache-server,Verification" \
  --caption "fed by: bash scripts/demo.sh --dashboard-feed --keys $keys --seconds $seconds; cache-server + etcdctl"

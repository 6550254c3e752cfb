#!/usr/bin/env bash
# make load: redis-server, REPLICAS Noctuary processes and the load generator
# (cmd/noctuary-load), all on loopback, each run bounded by its flags and the
# whole by TIMEOUT. docs/performance.md ("Load") explains the numbers.
#
#   REPLICAS=3          Noctuary processes sharing one Redis; the generator spreads over them
#   REDIS_MODE=cluster  a Redis Cluster of three masters instead of one redis-server
#   LOAD_RUNS='-events 2000; -incidents 50 -duration 10s'
#                       generator runs, one after the other on the same stack (';' between)
#   BASELINE=0          skip redis-benchmark XADD
#   TIMEOUT=900         seconds for everything
#   LOAD_BIN=dir        use dir/noctuary and dir/noctuary-load instead of building them
set -euo pipefail
cd "$(dirname "$0")/.."
for cmd in redis-server redis-cli redis-benchmark python3; do
	command -v $cmd >/dev/null || { echo "make load needs $cmd (apt-get install redis-server redis-tools python3)"; exit 1; }
done
REPLICAS=${REPLICAS:-1}
REDIS_MODE=${REDIS_MODE:-standalone}
TIMEOUT=${TIMEOUT:-900}
SVCS=$(printf 'load-%02d,' $(seq 0 19)); SVCS=${SVCS%,}
LOAD_RUNS=${LOAD_RUNS:-"-events 500 -duration 5s -services $SVCS; -batches 20 -batch-size 500 -duration 5s -services $SVCS; -batches 1 -batch-size 300 -duration 1s -services checkout,postgres-main; -incidents 50 -duration 10s"}
end=$((SECONDS + TIMEOUT))

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
waitfor() { # waitfor WHAT LOG COMMAND...: up to 20 s, or the end of LOG and exit
	for _ in $(seq 200); do "${@:3}" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "$1 did not come up; the end of its log:"; tail -5 "$2"; exit 1
}

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(redis-server --version | cut -d' ' -f1-3)"
echo "main at $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(uptime)"
bin=${LOAD_BIN:-$tmp}
if [ -z "${LOAD_BIN:-}" ]; then
	go build -o "$bin/noctuary" ./cmd/noctuary
	go build -o "$bin/noctuary-load" ./cmd/noctuary-load
fi

# Redis: one server, or three cluster masters.
nodes=()
if [ "$REDIS_MODE" = cluster ]; then
	for _ in 1 2 3; do
		p=$(freeport); nodes+=("127.0.0.1:$p")
		# The cluster bus defaults to port+10000, past 65535 for a high free port.
		redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --cluster-enabled yes --cluster-port "$(freeport)" \
			--cluster-config-file "$tmp/nodes-$p.conf" --dir "$tmp" >"$tmp/redis-$p.log" 2>&1 &
		pids+=($!)
		waitfor "redis-server :$p" "$tmp/redis-$p.log" redis-cli -p "$p" ping
	done
	redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$tmp/cluster.log"
	waitfor "the cluster" "$tmp/cluster.log" sh -c "redis-cli -p ${nodes[0]#*:} cluster info | grep -q cluster_state:ok"
	redis_url="redis://${nodes[0]}?addr=${nodes[1]}&addr=${nodes[2]}"
	bench_flags=(--cluster -p "${nodes[0]#*:}"); bench_key='bench:{tag}' # {tag}: a slot of each master
else
	p=$(freeport); nodes+=("127.0.0.1:$p")
	redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >"$tmp/redis-$p.log" 2>&1 &
	pids+=($!)
	waitfor "redis-server :$p" "$tmp/redis-$p.log" redis-cli -p "$p" ping
	redis_url="redis://${nodes[0]}"
	bench_flags=(-p "$p"); bench_key=bench
fi
echo "== redis: $REDIS_MODE, ${nodes[*]}"

if [ "${BASELINE:-1}" != 0 ]; then
	value=$(head -c 300 /dev/zero | tr '\0' 'x')
	for P in 1 16; do
		printf 'redis-benchmark %s -c 50 -P %s -n 100000 XADD %s * e <300 bytes>: ' "${bench_flags[*]}" "$P" "$bench_key"
		redis-benchmark "${bench_flags[@]}" -c 50 -P "$P" -n 100000 -q XADD "$bench_key" '*' e "$value" | tr '\r' '\n' | grep -v '^$' | tail -1 | sed 's/.*: \([0-9.]* requests per second\)/\1/'
	done
	for n in "${nodes[@]}"; do redis-cli -p "${n#*:}" flushall >/dev/null; done
	echo "($(uptime | sed 's/.*load/load/'))"
fi

# Noctuary: REPLICAS processes on one Redis, a fake PagerDuty in the generator.
pd_addr="127.0.0.1:$(freeport)"
cat >"$tmp/noctuary.yaml" <<'EOF'
services:
  - key: checkout
    enabled: true
    pagerduty_service_ids: [PCHECKOUT]
    dependencies: [postgres-main]
  - key: postgres-main
EOF
export NOCTUARY_INGEST_TOKEN=load-ingest-token NOCTUARY_PAGERDUTY_WEBHOOK_SECRET=load-webhook-secret NOCTUARY_PAGERDUTY_TOKEN=load-pd-token
targets=(); noctuary_pids=()
for i in $(seq "$REPLICAS"); do
	port=$(freeport); targets+=("http://127.0.0.1:$port")
	NOCTUARY_CONFIG="$tmp/noctuary.yaml" NOCTUARY_ADDR="127.0.0.1:$port" NOCTUARY_PUBLIC_URL="http://127.0.0.1:$port" \
		NOCTUARY_REDIS_URL="$redis_url" NOCTUARY_INGEST_TOKENS="$NOCTUARY_INGEST_TOKEN" \
		NOCTUARY_PAGERDUTY_API_URL="http://$pd_addr" NOCTUARY_PAGERDUTY_FROM=load@example.com \
		NOCTUARY_PAGERDUTY_RATE_LIMIT=100000 NOCTUARY_INGEST_RATE_LIMIT=0 NOCTUARY_REDIS_MODE="$REDIS_MODE" \
		"$bin/noctuary" serve >"$tmp/noctuary-$i.log" 2>&1 &
	pids+=($!); noctuary_pids+=($!)
	waitfor "noctuary :$port" "$tmp/noctuary-$i.log" curl -sf "http://127.0.0.1:$port/readyz"
done
target=$(IFS=,; echo "${targets[*]}")
redis_addrs=$(IFS=,; echo "${nodes[*]}")
cpu_of=$(IFS=,; echo "${noctuary_pids[*]}")
echo "== noctuary: $REPLICAS replica(s) at $target; fake PagerDuty at $pd_addr"

IFS=';' read -ra runs <<<"$LOAD_RUNS"
for r in "${runs[@]}"; do
	left=$((end - SECONDS))
	[ "$left" -gt 0 ] || { echo "TIMEOUT (${TIMEOUT}s) reached"; exit 1; }
	echo; echo "== noctuary-load $r"; uptime
	# shellcheck disable=SC2086 # r is a list of flags
	timeout "$left" "$bin/noctuary-load" -target "$target" -pd "$pd_addr" -redis "$redis_addrs" -pids "$cpu_of" $r
done
for i in $(seq "$REPLICAS"); do
	if grep -q '"level":"ERROR"' "$tmp/noctuary-$i.log"; then echo; echo "noctuary $i logged errors:"; grep '"level":"ERROR"' "$tmp/noctuary-$i.log" | tail -5; fi
done

#!/usr/bin/env bash
# make bench: Noctuary's benchmarks next to redis-benchmark on the same machine,
# in the same run. Every Go benchmark starts its own redis-server on loopback.
# Results: docs/performance.md explains each number and the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { echo "bench needs redis-server (apt-get install redis-server)"; exit 1; }

echo "== machine"
echo "cpus: $(nproc)  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
go version; redis-server --version

echo "== baseline: redis-benchmark -c 50 -P 16 XADD of a 300-byte value"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 6399)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
rpid=$!
trap 'kill $rpid 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
value=$(head -c 300 /dev/zero | tr '\0' 'x')
redis-benchmark -p "$port" -c 50 -P 16 -n 2000000 -q XADD bench '*' e "$value" | tr '\r' '\n' | grep -v '^$' | tail -1
kill $rpid 2>/dev/null || true

echo "== go benchmarks"
BENCHTIME=${BENCHTIME:-5s}
out=$(mktemp)
status=0
trap 'kill $rpid 2>/dev/null || true; rm -f "$out"' EXIT
filter() { grep -E '^(Benchmark|ok|FAIL|---|goos|cpu|    )' | tee -a "$out"; }
go test -run '^$' -bench . -benchtime "$BENCHTIME" -timeout 30m ./ingest/ ./store/ 2>&1 | filter || status=1
go test -run '^$' -bench . -skip TriageLatency -benchtime "$BENCHTIME" -timeout 30m ./cmd/noctuary/ 2>&1 | filter || status=1
# Each triage run sends 5–10 s of incidents and waits for every note: once is enough.
go test -run '^$' -bench TriageLatency -benchtime 1x -timeout 20m ./cmd/noctuary/ 2>&1 | filter || status=1

echo "== single-event ingest vs bare Gin decode (target ≥ 0.5 ×), by number of clients"
rate() { awk -v name="$1" '$1 ~ "^"name"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == "events/s") print $i }' "$out" | tail -1; }
for clients in $(awk -F'clients=' '/^BenchmarkSingleEvent\/clients=/ { split($2, a, "-"); print a[1] }' "$out" | sort -un); do
	single=$(rate "BenchmarkSingleEvent/clients=$clients"); gin=$(rate "BenchmarkBareGinDecode/clients=$clients")
	ping=$(rate "BenchmarkBareGinPing/clients=$clients")
	if [ -n "$single" ] && [ -n "$gin" ]; then
		awk -v c="$clients" -v s="$single" -v g="$gin" -v p="${ping:-0}" 'BEGIN {
			printf "%d clients: %.0f / %.0f requests/s = %.2f ×", c, s, g, s / g
			# The floor: bare Gin that waits for one Redis PING before it answers.
			if (p > 0) printf "  (bare Gin + one Redis PING: %.2f ×)", p / g
			printf "\n" }'
	else
		echo "$clients clients: missing: BenchmarkSingleEvent or BenchmarkBareGinDecode did not report"
	fi
done
exit $status

#!/bin/bash
# bench/live-workers.sh: live capture throughput with 1 (libpcap) and N
# (AF_PACKET fanout) workers. A veth pair with its capture end in a fresh
# network namespace; tcpreplay sends PACKETS packets of the bench capture
# as fast as it can; t2 reports what its sockets received and dropped.
# Needs root, tcpreplay and a built t2. Run it under the bench lock:
#   flock /tmp/t2go-bench.lock bench/live-workers.sh [PCAP] [PACKETS] [WORKERS...]
set -eu
pcap=${1:-/work/bench/bench.pcap}
count=${2:-2000000}
shift $(( $# > 2 ? 2 : $# )) || true
workers=${*:-1 2}
t2=${T2:-$(dirname "$0")/../t2}
[ -x "$t2" ] || { echo "build t2 first: go build -o t2 ./cmd/t2 (or set T2=...)" >&2; exit 1; }
id=$(printf %06x $(( ($(date +%s%N)/1000 + $$) & 0xffffff )))
ns=t2gob$id s=t2bs$id c=t2bc$id
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; ip link del "$s" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns"
ip link add "$s" type veth peer name "$c"
ip link set "$c" netns "$ns"
sysctl -q -w "net.ipv6.conf.$s.disable_ipv6=1"
ip netns exec "$ns" sysctl -q -w "net.ipv6.conf.$c.disable_ipv6=1"
ip link set "$s" up
ip netns exec "$ns" ip link set "$c" up
printf '%-8s %12s %12s %10s %10s %10s %8s\n' workers sent_pkts tcpreplay_pps received dropped t2_pps t2_cpu_s
for j in $workers; do
	out="$work/j$j"; mkdir -p "$out/home"
	T2_HOME="$out/home" ip netns exec "$ns" "$t2" -i "$c" -j "$j" -w "$out/" -l >/dev/null 2>"$out/stderr" &
	pid=$!
	for _ in $(seq 100); do grep -qs "Capture:" "$out/${c}_log.txt" && break; sleep 0.1; done
	start=$(date +%s.%N)
	rep=$(tcpreplay -i "$s" --topspeed --preload-pcap -L "$count" "$pcap" 2>&1)
	sleep 1
	# t2's CPU time (user + system, clock ticks) before it is stopped.
	cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	kill -INT $pid; sleep 0.5; kill -INT $pid; wait $pid || true
	log="$out/${c}_log.txt"
	sent=$(echo "$rep" | awk '/Actual:/ {print $2}')
	rate=$(echo "$rep" | awk '/Rated:/ {for (i=1;i<=NF;i++) if ($i ~ /pps/) print $(i-1)}' | head -1)
	recv=$(awk -F': ' '/^Number of packets received/ {split($2,a," "); print a[1]}' "$log")
	drop=$(awk -F': ' '/^Number of packets dropped by the kernel/ {split($2,a," "); print a[1]}' "$log")
	proc=$(awk -F': ' '/^Number of processed packets/ {split($2,a," "); print a[1]}' "$log")
	dur=$(echo "$rep" | awk '/Actual:/ {for (i=1;i<=NF;i++) if ($i=="seconds") print $(i-1)}')
	pps=$(awk -v p="$proc" -v d="$dur" 'BEGIN { if (d > 0) printf "%.0f", p / d }')
	cpus=$(awk -v c="$cpu" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", c / hz }')
	printf '%-8s %12s %12s %10s %10s %10s %8s\n' "$j" "$sent" "$rate" "$recv" "${drop:-0}" "$pps" "$cpus"
done

#!/usr/bin/env bash
# Whole-command benchmark: builds the large benchmark capture (once), then
# times, in the same run, `tcpdump -r FILE -w /dev/null` and t2 with the
# tutorial plugin set (basicFlow basicStats tcpStates ftpDecode txtSink),
# with and without txtSink, and with T2's default plugin set (no
# plugins.txt: protoStats basicFlow macRecorder portClassifier basicStats
# tcpFlags tcpStates icmpDecode connStat txtSink). Prints packets/s, Gbit/s, peak RSS and the
# ratio to tcpdump for each (medians of BENCH_RUNS interleaved rounds).
#   bench/run.sh [CAPTURE]   (default: $BENCH_PCAP or /tmp/t2go-bench/bench.pcap)
#   BENCH_RUNS=N             rounds (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
pcap=${1:-${BENCH_PCAP:-/tmp/t2go-bench/bench.pcap}}
if [ ! -f "$pcap" ]; then
	mkdir -p "$(dirname "$pcap")"
	script=../shared/bench/make-bench-pcap.sh
	[ -x "$script" ] || { echo "bench: $pcap missing and $script not found" >&2; exit 1; }
	"$script" "$pcap"
fi
command -v tcpdump >/dev/null || { echo "bench: tcpdump missing (apt-get install tcpdump)" >&2; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/" ./cmd/t2 ./cmd/t2build
home="$bin/home"
mkdir -p "$home" "$bin/out"
export T2_HOME="$home"

bytes=$(stat -c %s "$pcap")
packets=$(tcpdump -r "$pcap" -w /dev/null --count 2>/dev/null | awk '{print $1}' || true)

# measure CMD...: wall seconds and peak RSS (KiB) of one run via /usr/bin/time.
measure() {
	local tf
	tf=$(mktemp)
	/usr/bin/time -f '%e %M' -o "$tf" "$@" >/dev/null 2>&1
	cat "$tf"
	rm -f "$tf"
}

[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
cat "$pcap" >/dev/null # warm the page cache

# BENCH_RUNS rounds (default 5), each running the three commands one after
# the other, so a slow phase of a shared machine hits all of them; the
# report gives each command's median time (and the fastest) and its
# largest peak RSS.
runs=${BENCH_RUNS:-5}
"$bin/t2build" -e -y >/dev/null
td=() t2=() t2n=() t2d=()
for ((i = 0; i < runs; i++)); do
	td+=("$(measure tcpdump -r "$pcap" -w /dev/null)")
	# Empty the list first: naming plugins without a list adds them to the
	# default set.
	"$bin/t2build" -e -y >/dev/null
	"$bin/t2build" -y tranalyzer2 basicFlow basicStats tcpStates ftpDecode txtSink >/dev/null
	t2+=("$(measure "$bin/t2" -r "$pcap" -w "$bin/out/" -l)")
	"$bin/t2build" -y -u txtSink >/dev/null
	t2n+=("$(measure "$bin/t2" -r "$pcap" -w "$bin/out/" -l)")
	rm -f "$home/plugins.txt" # T2's default build set
	t2d+=("$(measure "$bin/t2" -r "$pcap" -w "$bin/out/" -l)")
done
"$bin/t2build" -e -y >/dev/null
"$bin/t2build" -y tranalyzer2 basicFlow basicStats tcpStates ftpDecode txtSink >/dev/null
"$bin/t2" -r "$pcap" -w "$bin/out/" -l >/dev/null 2>&1
flows=$(($(wc -l <"$bin/out/$(basename "${pcap%.*}")_flows.txt") - 1))

# stats "SECS RSS"...: median and min seconds, max RSS.
stats() {
	printf '%s\n' "$@" | sort -n | awk '{s[NR] = $1; if ($2 > r) r = $2} END {print s[int((NR + 1) / 2)], s[1], r}'
}
read -r td_s td_min td_rss < <(stats "${td[@]}")
read -r t2_s t2_min t2_rss < <(stats "${t2[@]}")
read -r t2n_s t2n_min t2n_rss < <(stats "${t2n[@]}")
read -r t2d_s t2d_min t2d_rss < <(stats "${t2d[@]}")

report() {
	local label=$1 secs=$2 fastest=$3 rss=$4
	awk -v l="$label" -v s="$secs" -v m="$fastest" -v r="$rss" -v p="$packets" -v b="$bytes" -v t="$td_s" 'BEGIN {
		if (s <= 0) s = 0.001
		printf "%-26s %6.2f s (min %5.2f)  %9.0f pkt/s  %6.2f Gbit/s  peak RSS %6.1f MiB  %5.2fx tcpdump\n", l, s, m, p / s, b * 8 / s / 1e9, r / 1024, s / t
	}'
}
echo "capture: $pcap ($bytes bytes, $packets packets); median of $runs runs each"
report "tcpdump -r -w /dev/null" "$td_s" "$td_min" "$td_rss"
report "t2 tutorial plugins" "$t2_s" "$t2_min" "$t2_rss"
report "t2 without txtSink" "$t2n_s" "$t2n_min" "$t2n_rss"
report "t2 T2's default plugin set" "$t2d_s" "$t2d_min" "$t2d_rss"
echo "flows written by t2: $flows"

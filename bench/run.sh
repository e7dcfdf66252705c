#!/usr/bin/env bash
# Whole-command benchmark: builds the large benchmark capture (once), then
# times, in the same run, `tcpdump -r FILE -w /dev/null` and t2 with the
# tutorial plugin set (basicFlow basicStats tcpStates ftpDecode txtSink),
# with and without txtSink. Prints packets/s, Gbit/s, peak RSS and the
# ratio to tcpdump for each.
#   bench/run.sh [CAPTURE]   (default: $BENCH_PCAP or /tmp/t2go-bench/bench.pcap)
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

# measure LABEL CMD...: wall seconds and peak RSS (KiB) via /usr/bin/time.
measure() {
	local label=$1; shift
	local tf
	tf=$(mktemp)
	/usr/bin/time -f '%e %M' -o "$tf" "$@" >/dev/null 2>&1
	read -r secs rss <"$tf"
	rm -f "$tf"
	echo "$label $secs $rss"
}

[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
cat "$pcap" >/dev/null # warm the page cache
read -r _ td_s td_rss < <(measure tcpdump tcpdump -r "$pcap" -w /dev/null)
"$bin/t2build" -e -y >/dev/null
"$bin/t2build" -y tranalyzer2 basicFlow basicStats tcpStates ftpDecode txtSink >/dev/null
read -r _ t2_s t2_rss < <(measure t2 "$bin/t2" -r "$pcap" -w "$bin/out/" -l)
flows=$(($(wc -l <"$bin/out/$(basename "${pcap%.*}")_flows.txt") - 1))
"$bin/t2build" -y -u txtSink >/dev/null
read -r _ t2n_s t2n_rss < <(measure t2-no-txtSink "$bin/t2" -r "$pcap" -w "$bin/out/" -l)

report() {
	local label=$1 secs=$2 rss=$3
	awk -v l="$label" -v s="$secs" -v r="$rss" -v p="$packets" -v b="$bytes" -v t="$td_s" 'BEGIN {
		if (s <= 0) s = 0.001
		printf "%-28s %7.2f s  %10.0f pkt/s  %6.2f Gbit/s  peak RSS %6.1f MiB  %5.2fx tcpdump\n", l, s, p / s, b * 8 / s / 1e9, r / 1024, s / t
	}'
}
echo "capture: $pcap ($bytes bytes, $packets packets)"
report "tcpdump -r -w /dev/null" "$td_s" "$td_rss"
report "t2 tutorial plugins" "$t2_s" "$t2_rss"
report "t2 without txtSink" "$t2n_s" "$t2n_rss"
echo "flows written by t2: $flows"

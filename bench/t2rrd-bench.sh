#!/usr/bin/env bash
# t2rrd-bench.sh: rows/s of `t2rrd -m` on a 100,000-row machine-report
# stream, against T2's way of feeding RRD (one `rrdtool update` process
# per row), measured in the same run on the same database layout
# (T2's AVERAGE + Holt-Winters archives).
#
# Usage: bench/t2rrd-bench.sh [ROWS [BASELINE_ROWS]]   (default 100000 300)
# Needs: go, rrdtool, awk. Run from the repository root.
set -euo pipefail

ROWS=${1:-100000}
BASE_ROWS=${2:-300}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

command -v rrdtool >/dev/null || { echo "rrdtool is needed for the baseline" >&2; exit 1; }
go build -o "$TMP/t2rrd" ./cmd/t2rrd

# A live-capture stream in T2 0.9.3's format: header, then one row per
# second with 9-digit time fractions and the trailing TAB T2 writes on a pipe.
awk -v rows="$ROWS" 'BEGIN {
	OFS = "\t"
	n = split("repType sensorID time duration pktsRec pktsDrp ifDrp memUsageKB fillSzHashMap numFlows numAFlows numBFlows numPkts numAPkts numBPkts numL2Pkts numV4Pkts numV6Pkts numVxPkts numBytes numABytes numBBytes numFrgV4Pkts numFrgV6Pkts numAlarms rawBandwidth globalWarn 0x0806Pkts 0x0806Bytes 0x8035Pkts 0x8035Bytes TCPPkts TCPBytes UDPPkts UDPBytes ICMPPkts ICMPBytes ICMPv6Pkts ICMPv6Bytes SCTPPkts SCTPBytes ftpPkts ftpDataPkts", h, " ")
	line = "%" h[1]; for (c = 2; c <= n; c++) line = line "\t" h[c]; print line "\t"
	for (i = 0; i < rows; i++) {
		line = sprintf("USR1MR_D\t666\t%d.%09d\t1.000000000\t%d\t0\t0", 1700000000 + i, (i * 7919) % 1000000000, i * 50)
		for (c = 8; c <= n; c++) {
			if (h[c] == "globalWarn") line = line "\t0x0400000000004044"
			else if (h[c] == "rawBandwidth") line = line sprintf("\t%d.%03d", (i * 31 + c) % 100000, i % 1000)
			else line = line "\t" ((i * 7 + c * 13) % 997)
		}
		print line "\t"
	}
}' > "$TMP/stream.txt"

now() { date +%s.%N; }

# t2rrd -m: librrd in process, batched updates.
t0=$(now)
"$TMP/t2rrd" -m -d "$TMP/t2rrd.rrd" < "$TMP/stream.txt" 2> "$TMP/summary.txt"
t1=$(now)
cat "$TMP/summary.txt" >&2
ours=$(awk -v a="$t0" -v b="$t1" -v n="$ROWS" 'BEGIN { printf "%.0f", n / (b - a) }')

# Baseline: the same layout (created by t2rrd from the first row), then one
# rrdtool process per row, as T2's t2rrd script does.
head -n 2 "$TMP/stream.txt" | "$TMP/t2rrd" -m -d "$TMP/base.rrd" 2>/dev/null
awk -F'\t' -v rows="$BASE_ROWS" '
	NR == 1 { for (c = 1; c <= NF; c++) name[c] = $c; next }
	NR <= 2 { next }
	NR > rows + 2 { exit }
	{
		t = $3; sub(/\..*/, "", t); arg = t
		for (c = 1; c <= NF; c++) {
			if (name[c] ~ /^%?(repType|sensorID|time|duration|globalWarn)$/ || name[c] == "") continue
			arg = arg ":" $c
		}
		print arg
	}' "$TMP/stream.txt" > "$TMP/updates.txt"
t0=$(now)
while IFS= read -r u; do
	rrdtool update "$TMP/base.rrd" "$u"
done < "$TMP/updates.txt"
t1=$(now)
n=$(wc -l < "$TMP/updates.txt")
base=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f", n / (b - a) }')
stored=$(rrdtool info "$TMP/base.rrd" | awk -F' = ' '$1 == "last_update" { print $2 }')

echo "t2rrd -m:                    $ROWS rows, $ours rows/s"
echo "rrdtool update per row:      $n rows, $base rows/s (last_update $stored)"
awk -v a="$ours" -v b="$base" 'BEGIN { printf "speed-up:                    %.0fx\n", a / b }'

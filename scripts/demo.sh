#!/usr/bin/env bash
# The main job end to end: t2 reads a bundled capture with the embedded
# default configuration plus T2's monitoring preset (machine-readable,
# differential, pcap time base, gap filling for regular RRD samples), its
# machine report is piped into
# `t2rrd -m`, and t2rrd draws a PNG from the database.
#   ./scripts/demo.sh [CAPTURE] [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
export PATH="/usr/local/go/bin:$PATH"
capture=${1:-testdata/pcaps/dns-mdns-llmnr.pcap}
out=${2:-demo-out}
mkdir -p "$out" bin
go build -o bin/ ./cmd/...
# A private config home, so the demo never touches ~/.tranalyzer.
export T2_HOME="$out/t2home"
rm -rf "$T2_HOME"
bin/t2conf -m -D MONINTV=10 -D MONGAPFILL=1 -D VERBOSE=2
bin/t2 -r "$capture" -w "$out/" -l | bin/t2rrd -m -d "$out/monitoring.rrd"
bin/t2rrd -d "$out/monitoring.rrd" -n -e last -i 22m -p "$out/numAPkts_numBPkts.png" numAPkts numBPkts
echo "flows:  $(ls "$out"/*_flows.txt)"
echo "log:    $(ls "$out"/*_log.txt)"

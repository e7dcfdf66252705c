#!/usr/bin/env bash
# prom-plot.sh URL METRIC [SECONDS] [OUT.png]
#
# Draws the per-second rate of one t2 counter, one line per sensor, from a
# Prometheus server's HTTP API (query_range) with rrdtool: the many-sensor
# counterpart of `t2rrd -n`. Example:
#   scripts/prom-plot.sh http://127.0.0.1:9090 t2_num_pkts_total 600 pkts.png
# Needs curl, python3 and rrdtool.
set -euo pipefail
url=${1:?usage: prom-plot.sh URL METRIC [SECONDS] [OUT.png]}
metric=${2:?usage: prom-plot.sh URL METRIC [SECONDS] [OUT.png]}
secs=${3:-600}
out=${4:-$metric.png}
end=$(date +%s)
start=$((end - secs))
step=$(( secs / 300 > 1 ? secs / 300 : 1 ))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

curl -sfG "$url/api/v1/query_range" \
	--data-urlencode "query=sum by (sensorID) (rate(${metric}[$((step * 4 > 10 ? step * 4 : 10))s]))" \
	--data-urlencode "start=$start" --data-urlencode "end=$end" --data-urlencode "step=$step" >"$tmp/range.json"

# One RRD per sensor (GAUGE: the values are already rates), then one graph.
python3 - "$tmp" "$start" "$step" "$metric" "$out" <<'EOF'
import json, subprocess, sys
tmp, start, step, metric, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
res = json.load(open(tmp + "/range.json"))
series = res["data"]["result"]
if not series:
    sys.exit("prom-plot: no data for " + metric)
colours = ["1f77b4", "d62728", "2ca02c", "ff7f0e", "9467bd", "8c564b"]
graph = ["rrdtool", "graph", out, "--start", str(start), "--width", "700", "--height", "250",
         "--title", metric + " per second, by sensor", "--vertical-label", "per second"]
for i, s in enumerate(series):
    sensor = s["metric"].get("sensorID", "?")
    db = "%s/s%d.rrd" % (tmp, i)
    subprocess.run(["rrdtool", "create", db, "--start", str(start - 1), "--step", str(step),
                    "DS:v:GAUGE:%d:U:U" % (step * 3), "RRA:AVERAGE:0.5:1:%d" % 400], check=True)
    vals = ["%d:%s" % (int(float(t)), v) for t, v in s["values"] if v not in ("NaN", "+Inf", "-Inf")]
    for j in range(0, len(vals), 200):
        subprocess.run(["rrdtool", "update", db, "--"] + vals[j:j + 200], check=True)
    graph += ["DEF:v%d=%s:v:AVERAGE" % (i, db),
              "LINE2:v%d#%s:sensor %s" % (i, colours[i % len(colours)], sensor)]
subprocess.run(graph, check=True, stdout=subprocess.DEVNULL)
print(out)
EOF

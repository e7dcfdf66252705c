package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestMetricName(t *testing.T) {
	for col, want := range map[string]string{
		"numAPkts":      "t2_num_a_pkts_total",
		"numFlows":      "t2_num_flows_total",
		"numFrgV4Pkts":  "t2_num_frg_v4_pkts_total",
		"ICMPv6Pkts":    "t2_icmpv6_pkts_total",
		"TCPPkts":       "t2_tcp_pkts_total",
		"0x0806Bytes":   "t2_0x0806_bytes_total",
		"pktsDrp":       "t2_pkts_drp_total",
		"ftpDataPkts":   "t2_ftp_data_pkts_total",
		"memUsageKB":    "t2_mem_usage_kb",
		"rawBandwidth":  "t2_raw_bandwidth_bits_per_second",
		"globalWarn":    "t2_global_warn_bit",
		"tcpAnomaly":    "t2_tcp_anomaly_bit",
		"IGMPPkts":      "t2_igmp_pkts_total",
		"odd-name.x":    "t2_odd_name_x_total",
		"numV6Pkts":     "t2_num_v6_pkts_total",
		"fillSzHashMap": "t2_fill_sz_hash_map",
	} {
		if got := MetricName(col); got != want {
			t.Errorf("MetricName(%q) = %q, want %q", col, got, want)
		}
	}
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestServeRow(t *testing.T) {
	row := Row{
		Columns: []string{"repType", "sensorID", "time", "numPkts", "globalWarn", "TCPPkts", "rawBandwidth"},
		Values:  []string{"USR1MR_A", "666", "1258544225.000000000", "34", "0x0400000000004044", "22", "1845.600"},
	}
	s, err := Listen("127.0.0.1:0", map[string]string{"sensorID": "666", "input": "test.pcap"},
		func(context.Context) (Row, error) { return row, nil })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := scrape(t, s.Addr())
	for _, want := range []string{
		`t2_up{input="test.pcap",sensorID="666"} 1`,
		`t2_num_pkts_total{input="test.pcap",sensorID="666"} 34`,
		`t2_tcp_pkts_total{input="test.pcap",sensorID="666"} 22`,
		`t2_time_seconds{input="test.pcap",sensorID="666"} 1.258544225e+09`,
		`t2_raw_bandwidth_bits_per_second{input="test.pcap",sensorID="666"} 1845.6`,
		`t2_global_warn_bit{bit="2",input="test.pcap",sensorID="666"} 1`,
		`t2_global_warn_bit{bit="58",input="test.pcap",sensorID="666"} 1`,
		"# TYPE t2_num_pkts_total counter",
		"# TYPE t2_time_seconds gauge",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "t2_global_warn_bit{"); n != 4 {
		t.Errorf("%d globalWarn bits, want 4 (0x0400000000004044)", n)
	}
	if strings.Contains(out, "rep_type") || strings.Contains(out, "t2_sensor_id") {
		t.Errorf("repType/sensorID exported as metrics:\n%s", out)
	}
}

func TestSourceFailsScrapeSaysDown(t *testing.T) {
	s, err := Listen("127.0.0.1:0", nil, func(context.Context) (Row, error) { return Row{}, errors.New("stopped") })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if out := scrape(t, s.Addr()); !strings.Contains(out, "t2_up 0") {
		t.Errorf("no t2_up 0:\n%s", out)
	}
}

func TestListenErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, addr := range []string{"9275", "127.0.0.1:http", "127.0.0.1:70000", busy.Addr().String()} {
		_, err := Listen(addr, nil, nil)
		if err == nil {
			t.Errorf("Listen(%q) accepted", addr)
			continue
		}
		if !strings.Contains(err.Error(), addr) {
			t.Errorf("Listen(%q): error %q does not name the address", addr, err)
		}
	}
}

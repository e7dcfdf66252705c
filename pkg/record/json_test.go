package record

import (
	"encoding/json"
	"math"
	"testing"
)

func TestJSONLayout(t *testing.T) {
	cols := []Column{
		{Name: "dir", Type: "C"}, {Name: "n", Type: "U64"}, {Name: "i", Type: "I32"}, {Name: "h", Type: "H16"},
		{Name: "f", Type: "F"}, {Name: "d", Type: "D"}, {Name: "t", Type: "U64.U32"}, {Name: "dur", Type: "U64.U32"},
		{Name: "mac", Type: "MAC:R"}, {Name: "ip", Type: "IPX"}, {Name: "s", Type: "S"}, {Name: "sc", Type: "SC:R"},
		{Name: "pair", Type: "U16_U16"}, {Name: "rc", Type: "MAC_MAC_U64:R"}, {Name: "empty", Type: "U16:R"},
		{Name: "hx", Type: "H8_H32"},
	}
	write := func(w *Writer) {
		w.Char('A')
		w.U64(7)
		w.I64(-3)
		w.H16(0x4000)
		w.F32(0.32)
		w.F64(2)
		w.Time(1279251572730147000)
		w.Field()
		w.RawString("5.423100000")
		w.Field()
		w.AppendMAC([6]byte{0, 0x21, 0x70, 0xc0, 0x56, 0xf0})
		w.Semi()
		w.AppendMAC([6]byte{1, 2, 3, 4, 5, 6})
		ip := [16]byte{172, 16, 0, 107}
		w.IP(4, &ip)
		w.Str([]byte("a\"b\\c\td\x08\x7f\xff\xc3\xa9"))
		w.Field()
		w.RawString("GET")
		w.Semi()
		w.AppendStrClass([]byte("x y"))
		w.Field()
		w.AppendU64(1)
		w.Under()
		w.AppendU64(2)
		w.Field()
		for i := 0; i < 2; i++ {
			if i > 0 {
				w.Semi()
			}
			w.AppendMAC([6]byte{byte(i)})
			w.Under()
			w.AppendMAC([6]byte{9})
			w.Under()
			w.AppendU64(uint64(i + 1))
		}
		w.Empty()
		w.Field()
		w.AppendHex(0, 2)
		w.Under()
		w.AppendHex(1, 8)
	}
	var w Writer
	w.Deferred = true
	write(&w)
	want := `{"dir":"A","n":7,"i":-3,"h":"0x4000","f":0.31999999284744263,"d":2.0,"t":"1279251572.730147000",` +
		`"dur":"5.423100000","mac":["00:21:70:c0:56:f0","01:02:03:04:05:06"],"ip":"172.16.0.107",` +
		`"s":"a\"b\\c\td\u0008\u007F.é","sc":["GET","x y"],"pair":[1,2],` +
		`"rc":[["00:00:00:00:00:00","09:00:00:00:00:00",1],["01:00:00:00:00:00","09:00:00:00:00:00",2]],"hx":["0x00","0x00000001"]}`
	got := string(NewJSONLayout(cols, JSONOptions{SuppressEmpty: true}).Append(nil, w.Bytes()))
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Error("not valid JSON")
	}
	// Empty arrays kept, blanks after ':' and ',', a selection.
	keep := make([]bool, len(cols))
	keep[1], keep[12], keep[14] = true, true, true
	got = string(NewJSONLayout(cols, JSONOptions{Spaces: true, Keep: keep}).Append(nil, w.Bytes()))
	if want := `{"n": 7, "pair": [1, 2], "empty": []}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAppendJSONFloat(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{32, "32.0"}, {0, "0.0"}, {-0.79746836423873901, "-0.79746836423873901"},
		{float64(float32(1.6e-5)), "1.5999999959603883e-5"}, {1e21, "1e+21"}, {65535, "65535.0"},
		{math.NaN(), "null"}, {math.Inf(-1), "null"}, {1e-300, "1e-300"}, {0.1, "0.10000000000000001"},
	} {
		if got := string(AppendJSONFloat(nil, tc.v)); got != tc.want {
			t.Errorf("AppendJSONFloat(%g) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func FuzzJSONString(f *testing.F) {
	f.Add([]byte("a\"\\\t\n\r\x00\x7f\xff\xc3\xa9\xe2\x82"))
	f.Fuzz(func(t *testing.T, s []byte) {
		b := AppendJSONString(nil, s)
		var out string
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%q gives invalid JSON %s: %v", s, b, err)
		}
	})
}

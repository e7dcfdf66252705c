package record

import "testing"

func TestAppendContent(t *testing.T) {
	in := []byte("GET / HTTP/1.1\r\nHost: x\t\\\x00\x7f\xc3\xa9\"")
	want := `GET / HTTP/1.1\r\nHost: x\t\\...."`
	if got := string(AppendContent(nil, in)); got != want {
		t.Fatalf("AppendContent = %q, want %q", got, want)
	}
	if got := string(AppendSanitized(nil, in)); got != `GET / HTTP/1.1\r\nHost: x\t\\\u0000\u007Fé\"` {
		t.Fatalf("AppendSanitized = %q", got)
	}
}

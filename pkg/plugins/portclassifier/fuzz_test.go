package portclassifier

import "testing"

// FuzzLoad feeds arbitrary port tables to the parser: it must return an
// error or a table, never panic, and keep names within maxName bytes.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("80\ttcp\thttp\tWorld Wide Web\n"))
	f.Add([]byte("# comment\n\t53\tudp\tdomain\n53 udp domain DNS\r\n"))
	f.Add([]byte("65535\ttcp\t" + string(make([]byte, 100)) + "\n"))
	f.Add([]byte("99999\ttcp\tx\n"))
	f.Add([]byte("1\tsctp\tx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &PortClassifier{}
		if err := c.load(data); err != nil {
			return
		}
		for m := range c.maps {
			for port := range 65536 {
				if n := c.entry(m, uint16(port)); len(n) > maxName {
					t.Fatalf("name of %d bytes", len(n))
				}
			}
		}
	})
}

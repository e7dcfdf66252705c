package decode

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/google/gopacket/pcapgo"

	"github.com/t2go/t2go/pkg/packet"
)

// record is one packet read from a test capture.
type record struct {
	linkType uint16
	wireLen  uint32
	data     []byte
}

// readCapture reads every packet of a pcap or pcapng file (optionally
// gzip-compressed). The capture package is written concurrently, so the
// tests read files themselves with gopacket's pcapgo.
func readCapture(path string) ([]record, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	var out []record
	if len(raw) >= 4 && bytes.Equal(raw[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bufio.NewReader(bytes.NewReader(raw)), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, err
		}
		for {
			data, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return out, err
			}
			lt := r.LinkType()
			if iface, err := r.Interface(ci.InterfaceIndex); err == nil {
				lt = iface.LinkType
			}
			out = append(out, record{uint16(lt), uint32(ci.Length), data})
		}
	}
	r, err := pcapgo.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	lt := uint16(r.LinkType())
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, record{lt, uint32(ci.Length), data})
	}
}

// decodeRecord decodes one record into p the way the analyzer does.
func decodeRecord(d *Decoder, p *packet.Packet, r record, num uint64) {
	p.Raw = r.data
	p.Reset()
	p.Raw = r.data
	p.Num = num
	p.CapLen = uint32(len(r.data))
	p.WireLen = r.wireLen
	p.LinkType = r.linkType
	d.Decode(p)
}

package decode

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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
// tests carry their own small reader; gopacket's pcapgo cannot be used
// because it truncates link types to 8 bits (SLL2 is 276).
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
	if len(raw) >= 4 && binary.LittleEndian.Uint32(raw) == 0x0a0d0d0a {
		return readPcapng(raw)
	}
	return readPcap(raw)
}

func readPcap(raw []byte) ([]record, error) {
	if len(raw) < 24 {
		return nil, errors.New("pcap: short file header")
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(raw) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, errors.New("pcap: bad magic")
	}
	lt := uint16(bo.Uint32(raw[20:]))
	var out []record
	for off := 24; off < len(raw); {
		if len(raw)-off < 16 {
			return out, errors.New("pcap: short record header")
		}
		incl, orig := int(bo.Uint32(raw[off+8:])), bo.Uint32(raw[off+12:])
		off += 16
		if incl < 0 || incl > len(raw)-off {
			// Keep what is there so that robustness tests can decode it.
			out = append(out, record{lt, orig, raw[off:]})
			return out, fmt.Errorf("pcap: record of %d bytes past the end", incl)
		}
		out = append(out, record{lt, orig, raw[off : off+incl]})
		off += incl
	}
	return out, nil
}

func readPcapng(raw []byte) ([]record, error) {
	var out []record
	var bo binary.ByteOrder = binary.LittleEndian
	var ifaces []uint16
	for off := 0; off < len(raw); {
		if len(raw)-off < 12 {
			return out, errors.New("pcapng: short block")
		}
		typ := binary.LittleEndian.Uint32(raw[off:])
		if typ == 0x0a0d0d0a { // section header: byte order magic decides
			switch binary.LittleEndian.Uint32(raw[off+8:]) {
			case 0x1a2b3c4d:
				bo = binary.LittleEndian
			case 0x4d3c2b1a:
				bo = binary.BigEndian
			default:
				return out, errors.New("pcapng: bad byte-order magic")
			}
			ifaces = ifaces[:0]
		} else {
			typ = bo.Uint32(raw[off:])
		}
		blen := int(bo.Uint32(raw[off+4:]))
		if blen < 12 || blen%4 != 0 || blen > len(raw)-off {
			return out, fmt.Errorf("pcapng: bad block length %d", blen)
		}
		body := raw[off+8 : off+blen-4]
		switch typ {
		case 1: // interface description
			if len(body) < 8 {
				return out, errors.New("pcapng: short IDB")
			}
			ifaces = append(ifaces, bo.Uint16(body))
		case 6: // enhanced packet
			if len(body) < 20 {
				return out, errors.New("pcapng: short EPB")
			}
			id, capl, orig := int(bo.Uint32(body)), int(bo.Uint32(body[12:])), bo.Uint32(body[16:])
			if id >= len(ifaces) || capl > len(body)-20 {
				return out, errors.New("pcapng: bad EPB")
			}
			out = append(out, record{ifaces[id], orig, body[20 : 20+capl]})
		case 3: // simple packet
			if len(body) < 4 || len(ifaces) == 0 {
				return out, errors.New("pcapng: bad SPB")
			}
			orig := bo.Uint32(body)
			capl := min(int(orig), len(body)-4)
			out = append(out, record{ifaces[0], orig, body[4 : 4+capl]})
		}
		off += blen
	}
	return out, nil
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

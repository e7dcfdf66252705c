package capture

import "github.com/google/gopacket/pcap"

// linkTypeNames covers link types libpcap may not name: LINKTYPE_ values
// that differ from their DLT_ value and a few common ones, so report
// lines are readable even with an old libpcap.
var linkTypeNames = map[uint16][2]string{
	0:   {"NULL", "BSD loopback"},
	1:   {"EN10MB", "Ethernet"},
	9:   {"PPP", "PPP"},
	12:  {"RAW", "Raw IP"},
	14:  {"RAW", "Raw IP"},
	50:  {"PPP_HDLC", "PPP over serial with HDLC encapsulation"},
	51:  {"PPP_ETHER", "PPPoE"},
	101: {"RAW", "Raw IP"},
	104: {"C_HDLC", "Cisco HDLC"},
	105: {"IEEE802_11", "802.11"},
	108: {"LOOP", "OpenBSD loopback"},
	113: {"LINUX_SLL", "Linux cooked v1"},
	127: {"IEEE802_11_RADIO", "802.11 plus radiotap header"},
	143: {"DOCSIS", "DOCSIS"},
	177: {"LINUX_LAPD", "LAPD"},
	192: {"PPI", "Per-Packet Information"},
	220: {"USB_LINUX_MMAPPED", "USB with padded Linux header"},
	228: {"IPV4", "Raw IPv4"},
	229: {"IPV6", "Raw IPv6"},
	239: {"NFLOG", "Linux netfilter log messages"},
	276: {"LINUX_SLL2", "Linux cooked v2"},
}

// LinkTypeName returns libpcap's name and description of a link type
// ("EN10MB", "Ethernet"), falling back to a built-in table and finally to
// "LINKTYPE_<n>" / "Unknown".
func LinkTypeName(lt uint16) (name, desc string) {
	name = pcap.DatalinkValToName(int(lt))
	desc = pcap.DatalinkValToDescription(int(lt))
	if name != "" && desc != "" {
		return name, desc
	}
	if e, ok := linkTypeNames[lt]; ok {
		if name == "" {
			name = e[0]
		}
		if desc == "" {
			desc = e[1]
		}
		return name, desc
	}
	if name == "" {
		name = "LINKTYPE_" + itoa(int(lt))
	}
	if desc == "" {
		desc = "Unknown"
	}
	return name, desc
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

// DLT is the DLT_ value libpcap gives a program for a file's LINKTYPE_
// value (what pcap_datalink returns and T2 prints): they differ only
// where the BSDs disagreed, e.g. LINKTYPE_RAW 101 is DLT_RAW 12 on Linux.
func DLT(lt uint16) uint16 {
	switch lt {
	case 100: // LINKTYPE_ATM_RFC1483
		return 11
	case 101: // LINKTYPE_RAW
		return 12
	case 102: // LINKTYPE_SLIP_BSDOS
		return 15
	case 103: // LINKTYPE_PPP_BSDOS
		return 16
	}
	return lt
}

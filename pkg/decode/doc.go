// Package decode dissects captured packets the way Tranalyzer2 (T2 0.9.3)
// does: it walks the link layer, VLAN/MPLS/PPPoE/LLC framing and any
// tunnels down to the innermost IP header, which is the one the flow is
// built on, and records the whole stack in the header description
// ("eth:vlan{2}:ipv4:udp").
//
// The dissector never allocates and never reads outside the captured
// bytes; malformed input only raises flowStat bits (L2SnapLength,
// L3HdrShrtLen, L4HdrShrtLen, StopDissect, ...).
//
// # Contract
//
// How the dissector fills packet.Packet (what the analyzer and plugins
// can rely on):
//
//   - The flow is built on the innermost IP header: IPVer (4 or 6) is set
//     only when that header is usable for a flow, together with
//     L2IPv4/L2IPv6. Every IPv4/IPv6 header seen on the way raises
//     FSIPv4Pkt/FSIPv6Pkt. An IPv4 header length < 20, a header cut by the
//     capture, or a bogus version (L3IPVX, "ipvx") leave IPVer at 0.
//   - Non-IP packets (ARP, RARP, LLC, LLDP, PPPoE discovery, PPP control,
//     802.11 EAPOL, unknown ethertypes, and Ethernet frames with a bogus IP
//     version, as T2 does) are layer-2 packets: L2Only and L2Flow.
//   - L2Len is the size of the outermost framing in front of the first IP
//     header (Ethernet + VLAN/MPLS/PPPoE ..., 0 for raw IP); for layer-2
//     packets it is the offset of their payload. OuterL3Len is the length
//     of the outermost IP packet; together they give T2's bytesOnWire.
//     A tunnel carrying Ethernet (VXLAN, GENEVE, Ethernet over GRE, ...)
//     starts over: then they are the inner Ethernet framing and the IP
//     packet inside it, as T2 counts them.
//   - L3Len, SnapL3Len, SnapL4Len, SnapL7Len, L7Len and PadLen follow T2's
//     packet file (basicStats columns l3Len, snapL3Len, ...). The capture
//     is cut at the end of the IP packet, so Ethernet padding or an FCS is
//     never part of a snap length. (T2 0.9.3 counts padding in the IPv6
//     snap lengths; we do not — it only matters for IPv6 frames < 60 bytes.)
//   - L4Off is the offset of the L4 header when it is entirely captured,
//     -1 otherwise and for later fragments (which also have ports 0 and no
//     L4 fields). L4HdrLen is the L4 header length T2 assumes (20/doff*4
//     for TCP, 8 for UDP/ICMP, 12 for SCTP, the GRE header, 8 for other
//     IPv4 protocols and 0 for other IPv6 ones). L7Off/Payload cover the
//     captured payload (SnapL7Len bytes).
//   - Fragments: IsFrag, FragOff (bytes), MoreFrag and FragID (IPv4 ID or
//     IPv6 identification) describe the innermost IP header; IPv4Frag is
//     set on every fragment.
//   - StopDissect is set whenever dissection ends before the payload:
//     truncation (with L2SnapLength/L3HdrShrtLen/L4HdrShrtLen/
//     L3SnapLength as docs/flowstat.md defines them), an unknown protocol
//     ("UNK(...)" in the header description), a later IPv4 fragment (not
//     a later IPv6 one, as T2), encrypted
//     or compressed payloads, control messages of tunnels, GRE inside GRE
//     (followed one level, as T2). 802.11 frames with nothing to follow
//     and Ethernet frames with a bogus IP version do not raise it (T2
//     does not).
//   - MACs: SrcMAC/DstMAC (HasMAC) come from the innermost Ethernet
//     header, from the 802.11 addresses, or from the first 12 bytes of a
//     Linux SLL header (as T2 reads it).
//   - Inside the first fragment of an outer datagram (GTP-U over
//     fragmented IPv4) an inner IP packet's length is not checked against
//     the frame: the rest is in the later fragments.
//
// Where this differs from T2 on purpose, docs/differences-from-t2.md
// says so and why.
package decode

package xmlspec

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var _ = registerCorpusKind(corpusKind{name: "nwfilter", root: "filter", schema: "nwfilter.rng", minShare: 99.5,
	parse: func(b []byte) (any, error) { return ParseNWFilter(b) }})

// A filter with a rule for every protocol libvirt has, built in Go, is
// schema-valid and names each protocol.
func TestNWFilterEveryProtocol(t *testing.T) {
	uuid, err := NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	f := &NWFilter{Name: "every-protocol", Chain: "root", Priority: ptr(-500), UUID: &uuid}
	f.AddFilterRef("clean-traffic", FilterParam{Name: "IP", Value: "10.0.0.1"}, FilterParam{Name: "IP", Value: "10.0.0.2"})
	tcp := &NWFilterTCP{SrcIPAddr: "$IP", DstPortStart: "22", DstPortEnd: "0x16", State: "NEW,ESTABLISHED", Flags: "SYN,ACK/SYN", Comment: "ssh"}
	udp := &NWFilterUDP{DstPortStart: "53", IPSet: "dns", IPSetFlags: "dst"}
	icmp := &NWFilterICMP{Type: "8", Code: "0"}
	proto := &NWFilterProtocol{SrcIPAddr: "10.0.0.0", SrcIPMask: "8", Match: "no"}
	rules := []struct {
		want string
		rule NWFilterRule
	}{
		{"", NWFilterRule{}},
		{"mac", NWFilterRule{MAC: &NWFilterMAC{SrcMACAddr: "$MAC", ProtocolID: "ipv4"}}},
		{"vlan", NWFilterRule{VLAN: &NWFilterVLAN{VLANID: "42", EncapProtocol: "arp"}}},
		{"stp", NWFilterRule{STP: &NWFilterSTP{Type: "0x80", RootPriority: "1", RootPriorityHi: "0x10", RootAddress: "52:54:00:00:00:01"}}},
		{"arp", NWFilterRule{ARP: &NWFilterARP{Opcode: "Request", ARPSrcIPAddr: "$IP", Gratuitous: "true"}}},
		{"rarp", NWFilterRule{RARP: &NWFilterARP{HWType: "1"}}},
		{"ip", NWFilterRule{IP: &NWFilterIP{Protocol: "udp", SrcPortStart: "67", DSCP: "0x2"}}},
		{"ipv6", NWFilterRule{IPv6: &NWFilterIPv6{Protocol: "icmpv6", Type: "1", TypeEnd: "4"}}},
		{"tcp", NWFilterRule{TCP: tcp}},
		{"udp", NWFilterRule{UDP: udp}},
		{"sctp", NWFilterRule{SCTP: udp}},
		{"icmp", NWFilterRule{ICMP: icmp}},
		{"igmp", NWFilterRule{IGMP: proto}},
		{"all", NWFilterRule{All: proto}},
		{"esp", NWFilterRule{ESP: proto}},
		{"ah", NWFilterRule{AH: proto}},
		{"udplite", NWFilterRule{UDPLite: proto}},
		{"tcp-ipv6", NWFilterRule{TCPIPv6: &NWFilterTCP{SrcIPAddr: "fe80::1", DstPortStart: "80"}}},
		{"udp-ipv6", NWFilterRule{UDPIPv6: &NWFilterUDP{DstIPAddr: "::1"}}},
		{"sctp-ipv6", NWFilterRule{SCTPIPv6: &NWFilterUDP{}}},
		{"icmpv6", NWFilterRule{ICMPv6: &NWFilterICMP{Type: "135"}}},
		{"all-ipv6", NWFilterRule{AllIPv6: &NWFilterProtocol{}}},
		{"esp-ipv6", NWFilterRule{ESPIPv6: &NWFilterProtocol{}}},
		{"ah-ipv6", NWFilterRule{AHIPv6: &NWFilterProtocol{}}},
		{"udplite-ipv6", NWFilterRule{UDPLiteIPv6: &NWFilterProtocol{}}},
	}
	for i, r := range rules {
		r.rule.Action, r.rule.Direction = NWFilterAccept, NWFilterInOut
		r.rule.Priority = ptr(i * 10)
		got := f.AddRule(r.rule)
		if p := got.Protocol(); p != r.want {
			t.Errorf("rule %d: Protocol() = %q, want %q", i, p, r.want)
		}
	}
	f.Rules[0].StateMatch = "false"
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "nwfilter.rng", map[string][]byte{"filter": out})

	back, err := ParseNWFilter(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Rules) != len(rules) || len(back.FilterRefs) != 1 {
		t.Fatalf("%d rules, %d filter references read back", len(back.Rules), len(back.FilterRefs))
	}
	if diff := cmp.Diff(tcp, back.Rules[8].TCP); diff != "" {
		t.Errorf("tcp rule read back differs (-built +read):\n%s", diff)
	}
	if ips := back.FilterRefs[0].Values("IP"); !slices.Equal(ips, []string{"10.0.0.1", "10.0.0.2"}) {
		t.Errorf("IP parameter values %v", ips)
	}
	if v := back.FilterRefs[0].Values("MAC"); v != nil {
		t.Errorf("MAC values %v, want none", v)
	}
}

// Rules and filter references keep their interleaving; an added rule goes
// after the last rule.
func TestNWFilterOrder(t *testing.T) {
	f, err := ParseNWFilter([]byte(`<filter name='f' chain='ipv4'>
  <rule action='accept' direction='out'><ip srcipaddr='$IP'/></rule>
  <filterref filter='no-ip-spoofing'/>
  <rule action='drop' direction='out'/>
  <future/>
</filter>`))
	if err != nil {
		t.Fatal(err)
	}
	f.AddRule(NWFilterRule{Action: NWFilterReject, Direction: NWFilterIn, UDP: &NWFilterUDP{DstPortStart: "53"}})
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<filter name="f" chain="ipv4">
  <rule action="accept" direction="out">
    <ip srcipaddr="$IP"></ip>
  </rule>
  <filterref filter="no-ip-spoofing"></filterref>
  <rule action="drop" direction="out"></rule>
  <rule action="reject" direction="in">
    <udp dstportstart="53"></udp>
  </rule>
  <future></future>
</filter>
`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func FuzzParseNWFilter(f *testing.F) {
	f.Add([]byte(`<filter name='f' chain='root' priority='-1'><uuid>5c6d49af-b071-6127-b4ec-6f8ed4b55335</uuid><rule action='accept' direction='in' priority='1'><tcp dstportstart='22' x='y'/></rule><filterref filter='g'><parameter name='IP' value='1.2.3.4'/></filterref></filter>`))
	addCorpusSeeds(f, "filter")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseNWFilter(b) })
	})
}

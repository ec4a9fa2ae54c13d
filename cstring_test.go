package virtwire_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// model32 is a char model[32] holding b, zero-padded.
func model32(b string) (m [32]int8) {
	copy(m[:], chars([]byte(b)))
	return m
}

// The char arrays of the protocol that hold C strings come out of the Conn
// methods as Go strings: the bytes before the first NUL, the rest (padding
// of C's fixed-size buffers, or whatever a daemon left there) dropped.
func TestCStrings(t *testing.T) {
	noLeaks(t)
	full := strings.Repeat("m", 32)
	tests := []struct {
		name    string
		replies map[remote.Procedure]protocol.Value
		want    []string // NodeGetInfo's model, NodeGetSecurityModel's model and doi, DomainGetSecurityLabel's label, DomainGetSecurityLabelList's labels
	}{
		{"as libvirtd sends them", map[remote.Procedure]protocol.Value{
			remote.ProcNodeGetInfo:            &remote.NodeGetInfoRet{Model: model32("x86_64")},
			remote.ProcNodeGetSecurityModel:   &remote.NodeGetSecurityModelRet{Model: chars([]byte("selinux\x00")), Doi: chars([]byte("0\x00"))},
			remote.ProcDomainGetSecurityLabel: &remote.DomainGetSecurityLabelRet{Label: chars([]byte("system_u:system_r:svirt_t:s0:c1,c2\x00")), Enforcing: 1},
			remote.ProcDomainGetSecurityLabelList: &remote.DomainGetSecurityLabelListRet{Labels: []remote.DomainGetSecurityLabelRet{
				{Label: chars([]byte("system_u:system_r:svirt_t:s0:c1,c2\x00")), Enforcing: 1}, {Label: chars([]byte("+107:+107\x00"))}}, Ret: 2},
		}, []string{"x86_64", "selinux", "0", "system_u:system_r:svirt_t:s0:c1,c2", "system_u:system_r:svirt_t:s0:c1,c2/1", "+107:+107/0"}},
		{"with bytes after the NUL", map[remote.Procedure]protocol.Value{
			remote.ProcNodeGetInfo:                &remote.NodeGetInfoRet{Model: model32("x86_64\x00left over")},
			remote.ProcNodeGetSecurityModel:       &remote.NodeGetSecurityModelRet{Model: chars([]byte("apparmor\x00x")), Doi: chars([]byte("\x00\x00"))},
			remote.ProcDomainGetSecurityLabel:     &remote.DomainGetSecurityLabelRet{Label: chars([]byte("l\x00abel"))},
			remote.ProcDomainGetSecurityLabelList: &remote.DomainGetSecurityLabelListRet{Labels: []remote.DomainGetSecurityLabelRet{{Label: chars([]byte("a\x00b"))}}},
		}, []string{"x86_64", "apparmor", "", "l", "a/0"}},
		{"without a NUL", map[remote.Procedure]protocol.Value{
			remote.ProcNodeGetInfo:                &remote.NodeGetInfoRet{Model: model32(full)},
			remote.ProcNodeGetSecurityModel:       &remote.NodeGetSecurityModelRet{Model: chars([]byte("dac")), Doi: chars([]byte("0"))},
			remote.ProcDomainGetSecurityLabel:     &remote.DomainGetSecurityLabelRet{Label: chars([]byte("+0:+0"))},
			remote.ProcDomainGetSecurityLabelList: &remote.DomainGetSecurityLabelListRet{Labels: []remote.DomainGetSecurityLabelRet{{Label: chars([]byte("+0:+0"))}}},
		}, []string{full, "dac", "0", "+0:+0", "+0:+0/0"}},
		{"empty, and bytes past ASCII", map[remote.Procedure]protocol.Value{
			remote.ProcNodeGetInfo:                &remote.NodeGetInfoRet{},
			remote.ProcNodeGetSecurityModel:       &remote.NodeGetSecurityModelRet{Model: chars([]byte("modèle\x00"))},
			remote.ProcDomainGetSecurityLabel:     &remote.DomainGetSecurityLabelRet{},
			remote.ProcDomainGetSecurityLabelList: &remote.DomainGetSecurityLabelListRet{},
		}, []string{"", "modèle", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) {
				if ret, ok := tt.replies[remote.Procedure(req.Header.Procedure)]; ok {
					_ = c.Reply(req, ret)
					return
				}
				_ = c.ReplyError(req, int32(virtwire.ErrNoSupport), "not scripted")
			})
			c := newFakeConn(t, srv, virtwire.WithoutKeepAlive())
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			model, _, _, _, _, _, _, _, err := c.NodeGetInfo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			secModel, doi, err := c.NodeGetSecurityModel(ctx)
			if err != nil {
				t.Fatal(err)
			}
			label, _, err := c.DomainGetSecurityLabel(ctx, virtwire.Domain{Name: "vm"})
			if err != nil {
				t.Fatal(err)
			}
			labels, _, err := c.DomainGetSecurityLabelList(ctx, virtwire.Domain{Name: "vm"})
			if err != nil {
				t.Fatal(err)
			}
			got := []string{model, secModel, doi, label}
			for _, l := range labels {
				got = append(got, l.Label+"/"+string(rune('0'+l.Enforcing)))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

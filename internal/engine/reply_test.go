package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// xmlServer answers DomainGetXMLDesc with the document of the domain's
// name from docs.
func xmlServer(docs map[string]string) *fakeserver.Server {
	return &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure != int32(remote.ProcDomainGetXMLDesc) {
			return false
		}
		var args remote.DomainGetXMLDescArgs
		if err := req.Decode(&args); err != nil {
			return false
		}
		return c.Reply(req, &remote.DomainGetXMLDescRet{XML: docs[args.Dom.Name]}) == nil
	}}
}

func getXML(ctx context.Context, e *Engine, name string) (string, error) {
	args := remote.DomainGetXMLDescArgs{Dom: remote.Domain{Name: name}}
	var ret remote.DomainGetXMLDescRet
	h := protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(remote.ProcDomainGetXMLDesc)}
	err := e.Call(ctx, h, args.EncodeXDR, ret.DecodeXDR)
	return ret.XML, err
}

// A reply's strings that share its packet (replies of ownedReply bytes
// and more) keep their bytes while later replies are read.
func TestRepliesKeepTheirStrings(t *testing.T) {
	docs := map[string]string{}
	for i, size := range []int{100, ownedReply - 100, ownedReply, 18 << 10, 70000, 300000} {
		docs[string(rune('a'+i))] = strings.Repeat(string(rune('A'+i)), size)
	}
	for _, pipe := range []bool{false, true} {
		e := newEngine(t, xmlServer(docs), pipe)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t.Cleanup(cancel)
		got := map[string]string{}
		for round := range 3 {
			for name := range docs {
				s, err := getXML(ctx, e, name)
				if err != nil {
					t.Fatal(err)
				}
				if round == 0 {
					got[name] = s
				}
			}
		}
		for name, want := range docs {
			if got[name] != want {
				t.Errorf("pipe=%v: the document of %d bytes changed after later replies", pipe, len(want))
			}
		}
	}
}

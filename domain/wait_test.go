package domain_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// guestXML is a running guest with one NIC, alias net1, as the QEMU driver
// reports it while the guest still holds the NIC.
const guestXML = `<domain type='kvm' id='7'>
  <name>web1</name>
  <uuid>6f2c1c4e-8f5e-4c59-9a66-0d5e8f0d6a11</uuid>
  <memory unit='KiB'>1048576</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:01'/>
      <source network='default' bridge='virbr0'/>
      <target dev='vnet4'/>
      <model type='virtio'/>
      <alias name='net1'/>
    </interface>
  </devices>
</domain>`

// fakeGuest is a daemon that serves guestXML and, once the client has read
// it, sends the events in events (device-removed or removal-failed, each
// with an alias) on the client's registrations.
func fakeGuest(t *testing.T, xml string, events ...func(ids map[int32]int32) (remote.Procedure, protocol.Value)) *virtwire.Conn {
	t.Helper()
	var mu sync.Mutex
	ids := map[int32]int32{} // event ID -> callback ID
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcConnectDomainEventCallbackRegisterAny:
			var args remote.ConnectDomainEventCallbackRegisterAnyArgs
			if err := req.Decode(&args); err != nil {
				t.Error(err)
				return false
			}
			mu.Lock()
			id := int32(len(ids) + 1)
			ids[args.EventID] = id
			mu.Unlock()
			return c.Reply(req, &remote.ConnectDomainEventCallbackRegisterAnyRet{CallbackID: id}) == nil
		case remote.ProcConnectDomainEventCallbackDeregisterAny:
			return c.Reply(req, nil) == nil
		case remote.ProcDomainGetXMLDesc:
			if err := c.Reply(req, &remote.DomainGetXMLDescRet{XML: xml}); err != nil {
				return false
			}
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range events {
				proc, body := ev(ids)
				h := protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion,
					Procedure: int32(proc), Type: protocol.Message}
				if err := c.Send(h, body); err != nil {
					return false
				}
			}
			return true
		}
		return false
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := virtwire.NewConn(ctx, srv.Pipe(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

var web1 = remote.Domain{Name: "web1", ID: 7}

func removed(alias string) func(map[int32]int32) (remote.Procedure, protocol.Value) {
	return func(ids map[int32]int32) (remote.Procedure, protocol.Value) {
		return remote.ProcDomainEventCallbackDeviceRemoved, &remote.DomainEventCallbackDeviceRemovedMsg{
			CallbackID: ids[int32(virtwire.DomainEventIDDeviceRemoved)],
			Msg:        remote.DomainEventDeviceRemovedMsg{Dom: web1, DevAlias: alias}}
	}
}

func removalFailed(alias string) func(map[int32]int32) (remote.Procedure, protocol.Value) {
	return func(ids map[int32]int32) (remote.Procedure, protocol.Value) {
		return remote.ProcDomainEventCallbackDeviceRemovalFailed, &remote.DomainEventCallbackDeviceRemovalFailedMsg{
			CallbackID: ids[int32(virtwire.DomainEventIDDeviceRemovalFailed)], Dom: web1, DevAlias: alias}
	}
}

// WaitNICRemoved returns when libvirt reports the NIC's alias removed,
// ignoring other devices; it reports a refused removal; it returns at once
// for a NIC that is already gone; it gives up with its context.
func TestWaitNICRemoved(t *testing.T) {
	mac := mustMAC(t, "52:54:00:aa:bb:01")
	ctx := ctxT(t)

	conn := fakeGuest(t, guestXML, removed("net0"), removalFailed("net7"), removed("net1"))
	if err := domain.New(conn, web1).WaitNICRemoved(ctx, mac); err != nil {
		t.Fatalf("removed: %v", err)
	}

	conn = fakeGuest(t, guestXML, removalFailed("net1"))
	err := domain.New(conn, web1).WaitNICRemoved(ctx, mac)
	if err == nil || !strings.Contains(err.Error(), "did not release device net1") {
		t.Fatalf("removal failed: %v", err)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Domain != "web1" {
		t.Fatalf("removal failed: %v is not a *domain.Error naming web1", err)
	}

	gone := strings.Replace(guestXML, "52:54:00:aa:bb:01", "52:54:00:aa:bb:02", 1)
	conn = fakeGuest(t, gone)
	if err := domain.New(conn, web1).WaitNICRemoved(ctx, mac); err != nil {
		t.Fatalf("already gone: %v", err)
	}

	conn = fakeGuest(t, guestXML, removed("net0"))
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := domain.New(conn, web1).WaitNICRemoved(short, mac); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("never removed: %v", err)
	}
}

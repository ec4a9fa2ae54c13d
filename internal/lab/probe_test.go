package lab

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	reply := func(proc, typ, serial, status uint32) []byte {
		b := make([]byte, 32)
		for i, v := range []uint32{32, remoteProgram, remoteVersion, proc, typ, serial, status, 0} {
			binary.BigEndian.PutUint32(b[4*i:], v)
		}
		return b
	}
	tests := []struct {
		name    string
		reply   []byte
		wantErr string
	}{
		{"ok", reply(procAuthList, msgTypeReply, 1, msgStatusOK), ""},
		{"error status", reply(procAuthList, msgTypeReply, 1, 1), "AUTH_LIST failed"},
		{"other procedure", reply(1, msgTypeReply, 1, msgStatusOK), "unexpected reply header"},
		{"other serial", reply(procAuthList, msgTypeReply, 2, msgStatusOK), "unexpected reply header"},
		{"huge length", append([]byte{0xff, 0xff, 0xff, 0xff}, reply(procAuthList, msgTypeReply, 1, 0)[4:]...), "out of range"},
		{"closed", nil, "reading the reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			got := make(chan []byte, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					got <- nil
					return
				}
				defer c.Close()
				call := make([]byte, 28)
				_, _ = io.ReadFull(c, call)
				got <- call
				_, _ = c.Write(tt.reply)
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = probe(ctx, "tcp", ln.Addr().String())
			call := <-got
			want := []uint32{28, remoteProgram, remoteVersion, procAuthList, msgTypeCall, 1, msgStatusOK}
			for i, w := range want {
				if len(call) < 28 || binary.BigEndian.Uint32(call[4*i:]) != w {
					t.Fatalf("call sent = % x, want words %v", call, want)
				}
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("probe: err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

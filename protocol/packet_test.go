package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

func TestPacketRoundTrip(t *testing.T) {
	h := Header{Program: 0x20008086, Version: 1, Procedure: 14, Type: Call, Serial: 77, Status: StatusOK}
	var e Encoder
	e.StartPacket(h)
	e.String("guest", 0, "name")
	pkt, err := e.FinishPacket()
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint32(pkt); int(got) != len(pkt) {
		t.Fatalf("length word %d, packet %d bytes", got, len(pkt))
	}
	want := []byte{0, 0, 0, 40, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 0, 77, 0, 0, 0, 0, 0, 0, 0, 5, 'g', 'u', 'e', 's', 't', 0, 0, 0}
	if !bytes.Equal(pkt, want) {
		t.Fatalf("packet\n got % x\nwant % x", pkt, want)
	}
	// Read it back one byte at a time, then a second packet from the same stream.
	stream := append(append([]byte(nil), pkt...), pkt...)
	r := iotest.OneByteReader(bytes.NewReader(stream))
	for i := 0; i < 2; i++ {
		got, err := ReadPacket(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		gh, body, err := DecodeHeader(got)
		if err != nil {
			t.Fatal(err)
		}
		if gh != h {
			t.Fatalf("header %+v, want %+v", gh, h)
		}
		if s := NewDecoder(body).String(0, "name"); s != "guest" {
			t.Fatalf("body string %q", s)
		}
	}
	if _, err := ReadPacket(r, nil); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func lengthWord(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

func TestReadPacketErrors(t *testing.T) {
	full := make([]byte, 28)
	binary.BigEndian.PutUint32(full, 28)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"length below header", lengthWord(27), ErrTooSmall},
		{"length zero", lengthWord(0), ErrTooSmall},
		{"length over max", lengthWord(MaxPacket + 1), ErrTooLarge},
		{"length max uint32", lengthWord(0xffffffff), ErrTooLarge},
		{"truncated length word", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"truncated header", full[:10], io.ErrUnexpectedEOF},
		{"eof mid body", append(lengthWord(100), make([]byte, 50)...), io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPacket(bytes.NewReader(tt.in), nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadPacketMaxSize(t *testing.T) {
	pkt := make([]byte, MaxPacket)
	binary.BigEndian.PutUint32(pkt, MaxPacket)
	got, err := ReadPacket(bytes.NewReader(pkt), nil)
	if err != nil || len(got) != MaxPacket {
		t.Fatalf("len=%d err=%v", len(got), err)
	}
}

// A length word alone must not make ReadPacket allocate what it claims:
// memory follows the bytes that actually arrive.
func TestReadPacketGrowsWithData(t *testing.T) {
	in := append(lengthWord(MaxPacket), make([]byte, 100)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadPacket(bytes.NewReader(in), nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Fatalf("reading a packet cut off after 100 bytes allocated %d bytes", n)
	}
}

func TestFinishPacketTooLarge(t *testing.T) {
	var e Encoder
	e.StartPacket(Header{Type: Call})
	e.FixedOpaque(make([]byte, MaxPacket))
	if _, err := e.FinishPacket(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	e.Reset()
	if _, err := e.FinishPacket(); err == nil {
		t.Fatal("FinishPacket without StartPacket succeeded")
	}
}

func TestDecodeHeaderErrors(t *testing.T) {
	mk := func(typ, status int32) []byte {
		var e Encoder
		e.StartPacket(Header{Type: Type(typ), Status: Status(status)})
		pkt, _ := e.FinishPacket()
		return pkt
	}
	if _, _, err := DecodeHeader(mk(7, 0)); !errors.Is(err, ErrBadHeader) || !strings.Contains(err.Error(), "type 7") {
		t.Errorf("unknown type: %v", err)
	}
	if _, _, err := DecodeHeader(mk(1, 3)); !errors.Is(err, ErrBadHeader) || !strings.Contains(err.Error(), "status 3") {
		t.Errorf("unknown status: %v", err)
	}
	if _, _, err := DecodeHeader(mk(-1, 0)); !errors.Is(err, ErrBadHeader) {
		t.Errorf("negative type: %v", err)
	}
	if _, _, err := DecodeHeader(make([]byte, 10)); !errors.Is(err, ErrTooSmall) {
		t.Errorf("short: %v", err)
	}
	bad := mk(1, 0)
	binary.BigEndian.PutUint32(bad, 99)
	if _, _, err := DecodeHeader(bad); err == nil {
		t.Error("length word mismatch accepted")
	}
	for typ := Call; typ <= StreamHole; typ++ {
		h, _, err := DecodeHeader(mk(int32(typ), 2))
		if err != nil || h.Type != typ {
			t.Errorf("type %v: %v", typ, err)
		}
	}
}

func TestTypeStatusStrings(t *testing.T) {
	if Reply.String() != "reply" || StreamHole.String() != "stream-hole" || Type(9).String() != "type(9)" {
		t.Error("Type.String")
	}
	if StatusContinue.String() != "continue" || Status(5).String() != "status(5)" {
		t.Error("Status.String")
	}
}

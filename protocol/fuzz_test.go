package protocol

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadPacket feeds arbitrary byte streams to the framing layer: no
// panics, every packet returned has the length its word claims, and errors
// are the documented ones.
func FuzzReadPacket(f *testing.F) {
	var e Encoder
	e.StartPacket(Header{Program: 0x20008086, Version: 1, Procedure: 1, Type: Reply, Serial: 1})
	e.String("hello", 0, "s")
	pkt, _ := e.FinishPacket()
	f.Add(append([]byte(nil), pkt...))
	f.Add(append(append([]byte(nil), pkt...), pkt[:10]...))
	f.Add([]byte{0, 0, 0, 3})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		var buf []byte
		for {
			p, err := ReadPacket(r, buf)
			if err != nil {
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrTooSmall) && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(p) < LenSize+HeaderSize || len(p) > MaxPacket {
				t.Fatalf("packet of %d bytes", len(p))
			}
			if _, _, err := DecodeHeader(p); err != nil && !errors.Is(err, ErrBadHeader) {
				t.Fatalf("header of a framed packet: %v", err)
			}
			buf = p[:0]
		}
	})
}

// FuzzDecodeHeader checks that header decoding never panics and that a
// header it accepts re-encodes to the same bytes.
func FuzzDecodeHeader(f *testing.F) {
	var e Encoder
	e.StartPacket(Header{Program: 0x6b656570, Version: 1, Procedure: 1, Type: Message})
	pkt, _ := e.FinishPacket()
	f.Add(append([]byte(nil), pkt...))
	f.Add(make([]byte, 28))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, body, err := DecodeHeader(data)
		if err != nil {
			return
		}
		var e Encoder
		e.StartPacket(h)
		e.FixedOpaque(body)
		out, err := e.FinishPacket()
		if err != nil {
			t.Fatal(err)
		}
		// The length word differs when the body needs padding; the header
		// itself must be identical.
		if !bytes.Equal(out[LenSize:LenSize+HeaderSize], data[LenSize:LenSize+HeaderSize]) {
			t.Fatalf("header re-encodes differently")
		}
	})
}

// FuzzWireError decodes arbitrary bytes as a wire error.
func FuzzWireError(f *testing.F) {
	msg := "x"
	var e Encoder
	(&Error{Code: 1, Message: &msg}).EncodeXDR(&e)
	f.Add(append([]byte(nil), e.Bytes()...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Error
		_ = Decode(data, &m)
	})
}

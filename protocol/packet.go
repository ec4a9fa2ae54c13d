package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// growStep bounds how far ReadPacket grows its buffer ahead of the bytes it
// has received, so a length word alone cannot make it allocate MaxPacket.
const growStep = 1 << 20

// ReadPacket reads one whole packet from r, length word included, into buf
// (reusing its capacity, growing it when needed) and returns it.
//
// It returns io.EOF only when r ends cleanly before a packet starts; a packet
// cut short gives an error wrapping io.ErrUnexpectedEOF. A length word
// smaller than a header or larger than MaxPacket gives ErrTooSmall or
// ErrTooLarge without reading further. Memory grows with the bytes that
// actually arrive, not with what the length word claims.
func ReadPacket(r io.Reader, buf []byte) ([]byte, error) {
	if cap(buf) < LenSize+HeaderSize {
		buf = make([]byte, 0, InitialPacket)
	}
	buf = buf[:LenSize]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("protocol: reading length word: %w", err)
		}
		return nil, err
	}
	n := int64(binary.BigEndian.Uint32(buf))
	if n < LenSize+HeaderSize {
		return nil, fmt.Errorf("protocol: %w: length word %d is below the minimum of %d", ErrTooSmall, n, LenSize+HeaderSize)
	}
	if n > MaxPacket {
		return nil, fmt.Errorf("protocol: %w: length word %d is over the limit of %d", ErrTooLarge, n, MaxPacket)
	}
	have := LenSize
	for int64(have) < n {
		end := int(n)
		if end > cap(buf) {
			// Grow in bounded steps: the peer must send the bytes it claims
			// before we allocate room for more of them.
			c := min(int(n), max(2*cap(buf), have+growStep))
			if end > c {
				end = c
			}
			nb := make([]byte, have, c)
			copy(nb, buf[:have])
			buf = nb
		}
		buf = buf[:end]
		if _, err := io.ReadFull(r, buf[have:end]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("protocol: reading packet of %d bytes: %w", n, err)
		}
		have = end
	}
	return buf, nil
}

package protocol

// Error is the body of a reply whose status is StatusError
// (virNetMessageError). The root package turns it into a *virtwire.Error.
type Error struct {
	Code    int32
	Domain  int32
	Message *string
	Level   int32
	Dom     *ErrorDomainRef // unused by libvirt, but on the wire
	Str1    *string
	Str2    *string
	Str3    *string
	Int1    int32
	Int2    int32
	Net     *ErrorNetworkRef // unused by libvirt, but on the wire
}

// ErrorDomainRef is the domain reference inside a wire Error (virNetMessageNonnullDomain).
type ErrorDomainRef struct {
	Name string
	UUID [16]byte
	ID   int32
}

// ErrorNetworkRef is the network reference inside a wire Error (virNetMessageNonnullNetwork).
type ErrorNetworkRef struct {
	Name string
	UUID [16]byte
}

func encodeOptString(e *Encoder, s *string, what string) {
	e.Optional(s != nil)
	if s != nil {
		e.String(*s, MaxString, what)
	}
}

func decodeOptString(d *Decoder, what string) *string {
	if !d.Optional() {
		return nil
	}
	s := d.String(MaxString, what)
	return &s
}

// EncodeXDR encodes e.
func (m *Error) EncodeXDR(e *Encoder) {
	e.Int32(m.Code)
	e.Int32(m.Domain)
	encodeOptString(e, m.Message, "virNetMessageError.message")
	e.Int32(m.Level)
	e.Optional(m.Dom != nil)
	if m.Dom != nil {
		e.String(m.Dom.Name, MaxString, "virNetMessageError.dom.name")
		e.FixedOpaque(m.Dom.UUID[:])
		e.Int32(m.Dom.ID)
	}
	encodeOptString(e, m.Str1, "virNetMessageError.str1")
	encodeOptString(e, m.Str2, "virNetMessageError.str2")
	encodeOptString(e, m.Str3, "virNetMessageError.str3")
	e.Int32(m.Int1)
	e.Int32(m.Int2)
	e.Optional(m.Net != nil)
	if m.Net != nil {
		e.String(m.Net.Name, MaxString, "virNetMessageError.net.name")
		e.FixedOpaque(m.Net.UUID[:])
	}
}

// DecodeXDR decodes m from d.
func (m *Error) DecodeXDR(d *Decoder) error {
	m.Code = d.Int32()
	m.Domain = d.Int32()
	m.Message = decodeOptString(d, "virNetMessageError.message")
	m.Level = d.Int32()
	m.Dom = nil
	if d.Optional() {
		m.Dom = new(ErrorDomainRef)
		m.Dom.Name = d.String(MaxString, "virNetMessageError.dom.name")
		d.FixedOpaque(m.Dom.UUID[:], "virNetMessageError.dom.uuid")
		m.Dom.ID = d.Int32()
	}
	m.Str1 = decodeOptString(d, "virNetMessageError.str1")
	m.Str2 = decodeOptString(d, "virNetMessageError.str2")
	m.Str3 = decodeOptString(d, "virNetMessageError.str3")
	m.Int1 = d.Int32()
	m.Int2 = d.Int32()
	m.Net = nil
	if d.Optional() {
		m.Net = new(ErrorNetworkRef)
		m.Net.Name = d.String(MaxString, "virNetMessageError.net.name")
		d.FixedOpaque(m.Net.UUID[:], "virNetMessageError.net.uuid")
	}
	return d.Err()
}

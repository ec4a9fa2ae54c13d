package xmlspec

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// tokenWriter is where the encoder's output goes. Names arrive qualified
// ("qemu:arg") and attribute values unescaped.
type tokenWriter interface {
	start(name string, attrs []xml.Attr) error
	end(name string) error
	text(s string) error
	comment(s string) error
	procInst(target, inst string) error
}

// encoderTokens writes through an xml.Encoder: the path for the package's
// structs inside a program's own encoding/xml documents.
type encoderTokens struct{ e *xml.Encoder }

func (w encoderTokens) start(name string, attrs []xml.Attr) error {
	return w.e.EncodeToken(xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs})
}

func (w encoderTokens) end(name string) error {
	return w.e.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}})
}

func (w encoderTokens) text(s string) error { return w.e.EncodeToken(xml.CharData(s)) }

func (w encoderTokens) comment(s string) error { return w.e.EncodeToken(xml.Comment(s)) }

func (w encoderTokens) procInst(target, inst string) error {
	return w.e.EncodeToken(xml.ProcInst{Target: target, Inst: []byte(inst)})
}

// indentWriter appends a document to one buffer, indented by two spaces,
// byte for byte as an xml.Encoder with Indent("", "  ") writes the same
// tokens (Marshal's output did not change when it replaced one), but
// without an interface value, a copy of every name and a bufio.Writer per
// token.
type indentWriter struct {
	buf        []byte
	depth      int
	indentedIn bool // the last token was a start tag
	started    bool
}

// newline mirrors encoding/xml's printer.writeIndent.
func (w *indentWriter) newline(delta int) {
	if delta < 0 {
		w.depth--
		if w.indentedIn {
			w.indentedIn = false
			return
		}
	}
	w.indentedIn = false
	if w.started {
		w.buf = append(w.buf, '\n')
	}
	w.started = true
	for range w.depth {
		w.buf = append(w.buf, "  "...)
	}
	if delta > 0 {
		w.depth++
		w.indentedIn = true
	}
}

func (w *indentWriter) start(name string, attrs []xml.Attr) error {
	if name == "" {
		return errors.New("xml: start tag with no name")
	}
	w.newline(1)
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, name...)
	for _, a := range attrs {
		if a.Name.Local == "" {
			continue
		}
		w.buf = append(w.buf, ' ')
		w.buf = append(w.buf, a.Name.Local...)
		w.buf = append(w.buf, '=', '"')
		w.buf = appendEscaped(w.buf, a.Value, true)
		w.buf = append(w.buf, '"')
	}
	w.buf = append(w.buf, '>')
	return nil
}

func (w *indentWriter) end(name string) error {
	w.newline(-1)
	w.buf = append(w.buf, '<', '/')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
	return nil
}

func (w *indentWriter) text(s string) error {
	w.buf = appendEscaped(w.buf, s, false)
	return nil
}

func (w *indentWriter) comment(s string) error {
	if strings.Contains(s, "-->") {
		return errors.New("xml: EncodeToken of Comment containing --> marker")
	}
	w.buf = append(w.buf, "<!--"...)
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, "-->"...)
	return nil
}

func (w *indentWriter) procInst(target, inst string) error {
	// encoding/xml's checks, with its messages; its test of the target's
	// characters is not exported, so its encoder runs it.
	if target == "xml" && len(w.buf) > 0 {
		return errors.New("xml: EncodeToken of ProcInst xml target only valid for xml declaration, first token encoded")
	}
	if target != "xml" {
		if err := xml.NewEncoder(io.Discard).EncodeToken(xml.ProcInst{Target: target}); err != nil {
			return err
		}
	}
	if strings.Contains(inst, "?>") {
		return errors.New("xml: EncodeToken of ProcInst containing ?> marker")
	}
	w.buf = append(w.buf, "<?"...)
	w.buf = append(w.buf, target...)
	if inst != "" {
		w.buf = append(w.buf, ' ')
		w.buf = append(w.buf, inst...)
	}
	w.buf = append(w.buf, "?>"...)
	return nil
}

// escapes marks the ASCII bytes encoding/xml escapes in text; '\n' only in
// attribute values.
var escapes = [128]bool{'"': true, '\'': true, '&': true, '<': true, '>': true, '\t': true, '\n': true, '\r': true}

// appendEscaped appends s escaped as encoding/xml's EscapeText (text) or
// its attribute escaping (newlines too) escapes it, invalid UTF-8 and
// characters XML cannot hold becoming U+FFFD.
func appendEscaped(buf []byte, s string, newlines bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		if c < utf8.RuneSelf {
			if c >= 0x20 && !escapes[c] {
				i++
				continue
			}
			switch c {
			case '"':
				esc = "&#34;"
			case '\'':
				esc = "&#39;"
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '\t':
				esc = "&#x9;"
			case '\n':
				if !newlines {
					i++
					continue
				}
				esc = "&#xA;"
			case '\r':
				esc = "&#xD;"
			default:
				esc = "\uFFFD"
			}
		} else {
			var r rune
			r, width = utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || width != 1) && inCharRange(r) {
				i += width
				continue
			}
			esc = "\uFFFD"
		}
		buf = append(buf, s[last:i]...)
		buf = append(buf, esc...)
		i += width
		last = i
	}
	return append(buf, s[last:]...)
}

// inCharRange is XML's Char production for runes past ASCII.
func inCharRange(r rune) bool {
	return r <= 0xD7FF || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

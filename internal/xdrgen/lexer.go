package xdrgen

import (
	"fmt"
	"strings"
	"unicode"
)

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokNumber
	tokPunct
)

func (k tokenKind) String() string {
	switch k {
	case tokEOF:
		return "end of file"
	case tokIdent:
		return "identifier"
	case tokNumber:
		return "number"
	}
	return "punctuation"
}

// A token is one lexeme of an .x file. Doc holds the text of the comments
// between the previous token and this one, where libvirt keeps its
// @generate/@priority/... annotations.
type token struct {
	kind tokenKind
	text string
	pos  Pos
	doc  string
}

func (t token) String() string {
	if t.kind == tokEOF {
		return "end of file"
	}
	return fmt.Sprintf("%q", t.text)
}

// Pos is a position in a source file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// lex splits an .x file into tokens. Lines starting with '%' are passed
// through to C by rpcgen and are skipped here.
func lex(file, src string) ([]token, error) {
	var toks []token
	var doc strings.Builder
	line := 1
	atLineStart := true
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
			atLineStart = true
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '%' && atLineStart:
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case c == '#' && atLineStart:
			return nil, fmt.Errorf("%s:%d: preprocessor directives are not supported in .x files", file, line)
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: unterminated comment", file, line)
			}
			text := src[i+2 : i+2+end]
			line += strings.Count(text, "\n")
			// Only the comment right before a token documents it.
			doc.Reset()
			doc.WriteString(text)
			doc.WriteByte('\n')
			i += end + 4
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		}
		atLineStart = false
		start := i
		pos := Pos{file, line}
		switch {
		case isIdentStart(c):
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			toks = append(toks, token{kind: tokIdent, text: src[start:i], pos: pos, doc: doc.String()})
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			i++
			for i < len(src) && (isIdentPart(src[i])) {
				i++
			}
			toks = append(toks, token{kind: tokNumber, text: src[start:i], pos: pos, doc: doc.String()})
		case strings.IndexByte("{}[]<>();,=*:", c) >= 0:
			i++
			toks = append(toks, token{kind: tokPunct, text: src[start:i], pos: pos, doc: doc.String()})
		default:
			return nil, fmt.Errorf("%s:%d: unexpected character %q", file, line, rune(c))
		}
		doc.Reset()
	}
	toks = append(toks, token{kind: tokEOF, pos: Pos{file, line}, doc: doc.String()})
	return toks, nil
}

func isIdentStart(c byte) bool { return c == '_' || unicode.IsLetter(rune(c)) }
func isIdentPart(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

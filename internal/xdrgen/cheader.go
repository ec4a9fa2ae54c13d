package xdrgen

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CEnum is a `typedef enum { ... } name;` from a libvirt header.
type CEnum struct {
	Name   string // C type name, e.g. virDomainXMLFlags
	File   string
	Values []*CEnumValue
}

// CEnumValue is one enumerator with its computed value.
type CEnumValue struct {
	Name  string
	Value int64
	Since string // the libvirt version from the "(Since: X)" note, if any
}

// CDefine is a `# define NAME value` with a number or string value.
type CDefine struct {
	Name  string
	File  string
	Int   int64
	Str   string
	IsStr bool
	Since string
	Line  int
}

// Header holds what the generator takes from libvirt's public headers.
type Header struct {
	Enums   []*CEnum
	Defines []*CDefine
	// Consts maps every enumerator and numeric define to its value, for
	// resolving the .x files' references (VIR_UUID_BUFLEN, VIR_TYPED_PARAM_INT).
	Consts map[string]int64
}

var (
	defineRE = regexp.MustCompile(`^#\s*define\s+(VIR_[A-Z0-9_]+)\s+(.+?)\s*$`)
	sinceRE  = regexp.MustCompile(`Since: ([0-9]+\.[0-9]+\.[0-9]+)`)
	cIdentRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	stringRE = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"$`)
)

// ParseHeaders reads enums and defines from libvirt header files (name to
// content), in the order given; later files may refer to earlier ones.
func ParseHeaders(files []string, contents []string) (*Header, error) {
	h := &Header{Consts: map[string]int64{}}
	for i, name := range files {
		if err := h.parse(name, contents[i]); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func (h *Header) parse(file, src string) error {
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if m := defineRE.FindStringSubmatch(line); m != nil {
			d := &CDefine{Name: m[1], File: file, Line: i + 1}
			val := m[2]
			// Trailing comment on the define line.
			if j := strings.Index(val, "/*"); j >= 0 {
				if s := sinceRE.FindStringSubmatch(val[j:]); s != nil {
					d.Since = s[1]
				}
				val = strings.TrimSpace(val[:j])
			}
			if s := stringRE.FindStringSubmatch(val); s != nil {
				d.Str, d.IsStr = s[1], true
			} else if v, err := evalC(val, h.Consts); err == nil {
				d.Int = v
				h.Consts[d.Name] = v
			} else {
				continue // a macro, not a constant
			}
			if d.Since == "" {
				d.Since = sinceNear(lines, i)
			}
			h.Defines = append(h.Defines, d)
			continue
		}
		if strings.HasPrefix(line, "typedef enum") && strings.HasSuffix(line, "{") {
			end, err := h.parseEnum(file, lines, i)
			if err != nil {
				return err
			}
			i = end
		}
	}
	return nil
}

// sinceNear looks for a "(Since: X)" note in the comment just above line i.
func sinceNear(lines []string, i int) string {
	for j := i - 1; j >= 0 && j >= i-15; j-- {
		l := strings.TrimSpace(lines[j])
		if s := sinceRE.FindStringSubmatch(l); s != nil {
			return s[1]
		}
		if !strings.HasPrefix(l, "*") && !strings.HasPrefix(l, "/*") {
			return ""
		}
	}
	return ""
}

func (h *Header) parseEnum(file string, lines []string, start int) (int, error) {
	e := &CEnum{File: file}
	var body strings.Builder
	// Gather the enum body with comments reduced to "(Since: X)" markers and
	// the VIR_ENUM_SENTINELS section left out.
	inSentinel, inComment, trailing := false, false, false
	var comment strings.Builder
	// A comment that follows code on its line describes the enumerator
	// before it; one on lines of its own describes the next enumerator.
	flush := func() {
		if m := sinceRE.FindStringSubmatch(comment.String()); m != nil {
			if trailing {
				body.WriteString(" @sinceprev=" + m[1] + " ")
			} else {
				body.WriteString(" @sincenext=" + m[1] + " ")
			}
		}
		comment.Reset()
	}
	end := -1
	for i := start + 1; i < len(lines) && end < 0; i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if !inComment && strings.HasPrefix(t, "#") {
			switch {
			case strings.Contains(t, "ifdef VIR_ENUM_SENTINELS"):
				inSentinel = true
			case strings.HasPrefix(strings.ReplaceAll(t, " ", ""), "#endif") && inSentinel:
				inSentinel = false
			}
			continue
		}
		if !inComment && strings.HasPrefix(t, "}") {
			name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "}"), ";"))
			if name == "" {
				return 0, fmt.Errorf("%s:%d: enum without a typedef name", file, i+1)
			}
			e.Name = name
			end = i
			break
		}
		if inSentinel {
			continue
		}
		lineHasCode := false
		for len(l) > 0 {
			if inComment {
				j := strings.Index(l, "*/")
				if j < 0 {
					comment.WriteString(l + " ")
					l = ""
					continue
				}
				comment.WriteString(l[:j])
				l = l[j+2:]
				inComment = false
				flush()
				continue
			}
			j := strings.Index(l, "/*")
			code := l
			if j >= 0 {
				code = l[:j]
			}
			body.WriteString(code)
			if strings.TrimSpace(code) != "" {
				lineHasCode = true
			}
			if j < 0 {
				l = ""
			} else {
				l = l[j+2:]
				inComment, trailing = true, lineHasCode
			}
		}
		body.WriteByte('\n')
	}
	if end < 0 {
		return 0, fmt.Errorf("%s:%d: unterminated enum", file, start+1)
	}
	next := int64(0)
	var last *CEnumValue
	pending := ""
	for _, item := range strings.Split(body.String(), ",") {
		var expr []string
		var prevAfter, nextBefore, nextAfter string
		for _, f := range strings.Fields(item) {
			switch {
			case strings.HasPrefix(f, "@sinceprev="):
				v := strings.TrimPrefix(f, "@sinceprev=")
				if len(expr) == 0 {
					if last != nil && last.Since == "" {
						last.Since = v
					}
				} else if prevAfter == "" {
					prevAfter = v
				}
			case strings.HasPrefix(f, "@sincenext="):
				v := strings.TrimPrefix(f, "@sincenext=")
				if len(expr) == 0 {
					nextBefore = v
				} else {
					nextAfter = v
				}
			default:
				expr = append(expr, f)
			}
		}
		if len(expr) == 0 {
			if nextBefore != "" {
				pending = nextBefore
			}
			continue
		}
		text := strings.Join(expr, " ")
		name, valText, hasValue := strings.Cut(text, "=")
		name = strings.TrimSpace(name)
		if !cIdentRE.MatchString(name) {
			return 0, fmt.Errorf("%s: enum %s: cannot read enumerator %q", file, e.Name, text)
		}
		v := &CEnumValue{Name: name}
		for _, s := range []string{prevAfter, nextBefore, pending} {
			if v.Since == "" {
				v.Since = s
			}
		}
		pending = nextAfter
		if hasValue {
			val, err := evalC(valText, h.Consts)
			if err != nil {
				return 0, fmt.Errorf("%s: enum %s: %s: %w", file, e.Name, name, err)
			}
			v.Value = val
		} else {
			v.Value = next
		}
		next = v.Value + 1
		h.Consts[name] = v.Value
		e.Values = append(e.Values, v)
		last = v
	}
	h.Enums = append(h.Enums, e)
	return end, nil
}

// evalC evaluates the small C constant expressions libvirt's headers use:
// numbers with U/L suffixes, names of known constants, parentheses, unary
// minus and ~, and the binary operators << >> | & + -.
func evalC(s string, consts map[string]int64) (int64, error) {
	toks := cTokens(s)
	p := &cExpr{toks: toks, consts: consts}
	v, err := p.or()
	if err != nil {
		return 0, err
	}
	if p.i != len(p.toks) {
		return 0, fmt.Errorf("unexpected %q in %q", p.toks[p.i], s)
	}
	return v, nil
}

func cTokens(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '<' || c == '>':
			if i+1 < len(s) && s[i+1] == c {
				toks = append(toks, s[i:i+2])
				i += 2
			} else {
				toks = append(toks, s[i:i+1])
				i++
			}
		case strings.IndexByte("()|&+-~*", c) >= 0:
			toks = append(toks, s[i:i+1])
			i++
		default:
			j := i
			for j < len(s) && (isIdentPart(s[j])) {
				j++
			}
			if j == i {
				toks = append(toks, s[i:i+1])
				i++
			} else {
				toks = append(toks, s[i:j])
				i = j
			}
		}
	}
	return toks
}

type cExpr struct {
	toks   []string
	i      int
	consts map[string]int64
}

func (p *cExpr) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *cExpr) or() (int64, error) {
	v, err := p.and()
	for err == nil && p.peek() == "|" {
		p.i++
		var r int64
		r, err = p.and()
		v |= r
	}
	return v, err
}

func (p *cExpr) and() (int64, error) {
	v, err := p.shift()
	for err == nil && p.peek() == "&" {
		p.i++
		var r int64
		r, err = p.shift()
		v &= r
	}
	return v, err
}

func (p *cExpr) shift() (int64, error) {
	v, err := p.sum()
	for err == nil && (p.peek() == "<<" || p.peek() == ">>") {
		op := p.toks[p.i]
		p.i++
		var r int64
		if r, err = p.sum(); err == nil {
			if op == "<<" {
				v <<= uint(r)
			} else {
				v >>= uint(r)
			}
		}
	}
	return v, err
}

func (p *cExpr) sum() (int64, error) {
	v, err := p.product()
	for err == nil && (p.peek() == "+" || p.peek() == "-") {
		op := p.toks[p.i]
		p.i++
		var r int64
		if r, err = p.product(); err == nil {
			if op == "+" {
				v += r
			} else {
				v -= r
			}
		}
	}
	return v, err
}

func (p *cExpr) product() (int64, error) {
	v, err := p.unary()
	for err == nil && p.peek() == "*" {
		p.i++
		var r int64
		r, err = p.unary()
		v *= r
	}
	return v, err
}

func (p *cExpr) unary() (int64, error) {
	switch t := p.peek(); t {
	case "":
		return 0, fmt.Errorf("expression ends early")
	case "-":
		p.i++
		v, err := p.unary()
		return -v, err
	case "~":
		p.i++
		v, err := p.unary()
		return ^v, err
	case "(":
		p.i++
		v, err := p.or()
		if err != nil {
			return 0, err
		}
		if p.peek() != ")" {
			return 0, fmt.Errorf("missing )")
		}
		p.i++
		return v, nil
	default:
		p.i++
		if t[0] >= '0' && t[0] <= '9' {
			num := strings.TrimRight(t, "uUlL")
			return strconv.ParseInt(num, 0, 64)
		}
		if v, ok := p.consts[t]; ok {
			return v, nil
		}
		return 0, fmt.Errorf("unknown name %q", t)
	}
}

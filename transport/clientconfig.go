package transport

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// ClientConfig holds the settings of libvirt's client configuration file,
// libvirt.conf, that this package uses.
type ClientConfig struct {
	URIDefault  string   // uri_default
	URIAliases  []string // uri_aliases, "name=uri" entries
	RemoteMode  Mode     // remote_mode: default for mode=
	RemoteProxy Proxy    // remote_proxy: default for proxy=
	TLSPriority string   // tls_priority: default for tls_priority=

	// DirectByDefault mirrors a libvirt built with remote_default_mode=direct
	// (as Fedora and RHEL build it): with neither socket present, auto mode
	// picks the modular daemon. Upstream's default, and Debian's, is legacy.
	// libvirt.conf has no such setting; callers set it.
	DirectByDefault bool
}

// ClientConfigPath is where libvirt reads libvirt.conf: /etc/libvirt for
// root, $XDG_CONFIG_HOME/libvirt (~/.config/libvirt) for other users.
func ClientConfigPath(sys *System) (string, error) {
	if sys.privileged() {
		return "/etc/libvirt/libvirt.conf", nil
	}
	dir, err := sys.UserConfigDir()
	if err != nil {
		return "", err
	}
	return dir + "/libvirt.conf", nil
}

// LoadClientConfig reads libvirt.conf from ClientConfigPath. A missing file
// gives an empty config, as in libvirt; a malformed one is an error.
func LoadClientConfig(sys *System) (*ClientConfig, error) {
	path, err := ClientConfigPath(sys)
	if err != nil {
		return nil, err
	}
	return loadConfig(sys, path, "libvirt client config")
}

// loadConfig reads a configuration file in libvirt.conf's syntax; a
// missing file gives an empty config.
func loadConfig(sys *System, path, what string) (*ClientConfig, error) {
	data, err := sys.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &ClientConfig{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	cfg, err := ParseClientConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// ParseClientConfig parses libvirt.conf text in libvirt's config syntax:
// "name = value" lines, '#' comments, values that are "strings",
// 'strings', integers or [lists], optionally ended by ';'.
func ParseClientConfig(data []byte) (*ClientConfig, error) {
	entries, err := parseConf(string(data))
	if err != nil {
		return nil, err
	}
	cfg := &ClientConfig{}
	str := func(name string, v confValue) (string, error) {
		if v.list != nil || !v.isStr {
			return "", fmt.Errorf("line %d: expected a string for %q", v.line, name)
		}
		return v.str, nil
	}
	for _, e := range entries {
		var s string
		switch e.name {
		case "uri_default", "remote_mode", "remote_proxy", "tls_priority":
			if s, err = str(e.name, e.value); err != nil {
				return nil, err
			}
		}
		switch e.name {
		case "uri_default":
			cfg.URIDefault = s
		case "remote_mode":
			if err := Mode(s).check(); err != nil {
				return nil, fmt.Errorf("line %d: %v", e.value.line, err)
			}
			cfg.RemoteMode = Mode(s)
		case "remote_proxy":
			if err := Proxy(s).check(); err != nil {
				return nil, fmt.Errorf("line %d: %v", e.value.line, err)
			}
			cfg.RemoteProxy = Proxy(s)
		case "tls_priority":
			cfg.TLSPriority = s
		case "uri_aliases":
			v := e.value
			switch {
			case v.list != nil:
				cfg.URIAliases = nil
				for _, item := range v.list {
					if !item.isStr {
						return nil, fmt.Errorf("line %d: expected a list of strings for \"uri_aliases\"", item.line)
					}
					cfg.URIAliases = append(cfg.URIAliases, item.str)
				}
			case v.isStr:
				cfg.URIAliases = []string{v.str}
			default:
				return nil, fmt.Errorf("line %d: expected a list of strings for \"uri_aliases\"", v.line)
			}
		}
	}
	return cfg, nil
}

// ResolveAlias returns the URI that uri_aliases gives name, as libvirt
// resolves aliases: only names made of letters, digits, '_' and '-' are
// looked up; a malformed entry is an error.
func (c *ClientConfig) ResolveAlias(name string) (string, bool, error) {
	if name == "" || strings.TrimLeft(name, aliasChars) != "" {
		return "", false, nil
	}
	for _, a := range c.URIAliases {
		key, uri, ok := strings.Cut(a, "=")
		if !ok {
			return "", false, fmt.Errorf("malformed uri_aliases entry %q, expected \"alias=uri://host/path\"", a)
		}
		if strings.TrimLeft(key, aliasChars) != "" {
			return "", false, fmt.Errorf("malformed uri_aliases entry %q, aliases may only contain a-z, A-Z, 0-9, _ and -", a)
		}
		if key == name {
			return uri, true, nil
		}
	}
	return "", false, nil
}

const aliasChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

type confValue struct {
	line  int
	isStr bool
	str   string
	num   int64
	list  []confValue // non-nil for a list, even an empty one
}

type confEntry struct {
	name  string
	value confValue
}

type confParser struct {
	s    string
	i    int
	line int
}

func (p *confParser) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", p.line, fmt.Sprintf(format, args...))
}

// skip passes blanks and comments, and newlines too when nl is set.
func (p *confParser) skip(nl bool) {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\r':
			p.i++
		case c == '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case c == '\n' && nl:
			p.i++
			p.line++
		default:
			return
		}
	}
}

func parseConf(s string) ([]confEntry, error) {
	p := &confParser{s: s, line: 1}
	var out []confEntry
	for {
		p.skip(true)
		if p.i >= len(p.s) {
			return out, nil
		}
		start := p.i
		if c := p.s[p.i]; !isAlpha(c) && c != '_' {
			return nil, p.errorf("expecting a name")
		}
		for p.i < len(p.s) && (isAlpha(p.s[p.i]) || isDigit(p.s[p.i]) || p.s[p.i] == '_' || p.s[p.i] == '.') {
			p.i++
		}
		name := p.s[start:p.i]
		p.skip(false)
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			return nil, p.errorf("expecting an assignment after %q", name)
		}
		p.i++
		p.skip(false)
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.skip(false)
		if p.i < len(p.s) && p.s[p.i] == ';' {
			p.i++
			p.skip(false)
		}
		if p.i < len(p.s) && p.s[p.i] != '\n' {
			return nil, p.errorf("expecting a separator after the value of %q", name)
		}
		out = append(out, confEntry{name: name, value: v})
	}
}

func (p *confParser) value() (confValue, error) {
	if p.i >= len(p.s) {
		return confValue{}, p.errorf("expecting a value")
	}
	v := confValue{line: p.line}
	switch c := p.s[p.i]; {
	case c == '"' || c == '\'':
		quote := string(c)
		if c == '"' && strings.HasPrefix(p.s[p.i:], `"""`) {
			quote = `"""`
		}
		p.i += len(quote)
		end := strings.Index(p.s[p.i:], quote)
		if end < 0 {
			return v, p.errorf("unterminated string")
		}
		v.isStr, v.str = true, p.s[p.i:p.i+end]
		if quote != `"""` && strings.Contains(v.str, "\n") {
			return v, p.errorf("unterminated string")
		}
		p.line += strings.Count(v.str, "\n")
		p.i += end + len(quote)
	case c == '[':
		p.i++
		v.list = []confValue{}
		for {
			p.skip(true)
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				return v, nil
			}
			item, err := p.value()
			if err != nil {
				return v, err
			}
			if item.list != nil {
				return v, p.errorf("lists cannot be nested")
			}
			v.list = append(v.list, item)
			p.skip(true)
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i >= len(p.s) || p.s[p.i] != ']' {
				return v, p.errorf("expecting a separator in list")
			}
		}
	case c == '-' || c == '+' || isDigit(c):
		start := p.i
		p.i++
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
		n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil {
			return v, p.errorf("bad number %q", p.s[start:p.i])
		}
		v.num = n
	default:
		return v, p.errorf("expecting a value")
	}
	return v, nil
}

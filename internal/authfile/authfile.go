// Package authfile reads libvirt's client auth file (auth.conf), which maps
// services and hosts to stored credentials:
//
//	[credentials-lab]
//	authname=alice
//	password=secret
//
//	[auth-libvirt-10.0.0.5]
//	credentials=lab
//
// It parses the file as libvirt does (GLib's key file rules) and finds it
// as libvirt does. Typical use wraps a credential callback:
//
//	creds := authfile.Credentials(u, sys, userCallback)
package authfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/virtwire/virtwire/transport"
)

// File is a parsed auth file.
type File struct {
	path   string
	groups map[string]map[string]keyValue
}

type keyValue struct {
	raw  string
	line int
}

// Parse parses auth file text. path is used only in error messages.
//
// The rules are GLib's key file rules, which libvirt uses: lines are
// "[group]", "key=value" or comments ('#' first) and blank lines; leading
// blanks are ignored, blanks around '=' too, but trailing blanks are part of
// the value; a key before any group, a bad group or key name, or any other
// line is an error naming the line. A repeated key replaces the earlier
// one; a repeated group adds to it. Value escapes (\s \n \t \r \\) are
// decoded when a value is read.
func Parse(path string, data []byte) (*File, error) {
	f := &File{path: path, groups: map[string]map[string]keyValue{}}
	var cur map[string]keyValue
	for n, line := range bytes.Split(data, []byte("\n")) {
		lineno := n + 1
		s := strings.TrimSuffix(string(line), "\r")
		s = strings.TrimLeft(s, " \t\n\v\f\r")
		switch {
		case s == "" || s[0] == '#':
			continue
		case isGroupLine(s):
			name := s[1:strings.LastIndexByte(s, ']')]
			if !validGroupName(name) {
				return nil, f.errorf(lineno, "invalid group name %q", name)
			}
			if f.groups[name] == nil {
				f.groups[name] = map[string]keyValue{}
			}
			cur = f.groups[name]
		case strings.IndexByte(s, '=') > 0:
			if cur == nil {
				return nil, f.errorf(lineno, "key file does not start with a group")
			}
			key, value, _ := strings.Cut(s, "=")
			key = strings.TrimRight(key, " \t\n\v\f\r")
			if !validKeyName(key) {
				return nil, f.errorf(lineno, "invalid key name %q", key)
			}
			cur[key] = keyValue{raw: strings.TrimLeft(value, " \t\n\v\f\r"), line: lineno}
		default:
			return nil, f.errorf(lineno, "line %q is not a key-value pair, group, or comment", s)
		}
	}
	return f, nil
}

func (f *File) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("auth file %s:%d: %s", f.path, line, fmt.Sprintf(format, args...))
}

// isGroupLine is GLib's test: '[' then anything up to the first ']', then
// only blanks.
func isGroupLine(s string) bool {
	if s[0] != '[' {
		return false
	}
	end := strings.IndexByte(s, ']')
	return end > 0 && strings.Trim(s[end+1:], " \t") == ""
}

func validGroupName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '[' || c == ']' || c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// validKeyName is GLib's rule: no '=', '[' or ']' except one trailing
// "[locale]", and no blank at either end.
func validKeyName(key string) bool {
	base, locale, hasLocale := strings.Cut(key, "[")
	if base == "" || strings.ContainsAny(base, "=]") || base[0] == ' ' || base[len(base)-1] == ' ' {
		return false
	}
	if !hasLocale {
		return true
	}
	if !strings.HasSuffix(locale, "]") {
		return false
	}
	for _, r := range locale[:len(locale)-1] {
		if !(r == '-' || r == '_' || r == '.' || r == '@' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f) {
			return false
		}
	}
	return true
}

// Value returns the decoded value of key in group.
func (f *File) Value(group, key string) (string, bool, error) {
	kv, ok := f.groups[group][key]
	if !ok {
		return "", false, nil
	}
	v, err := unescapeValue(kv.raw)
	if err != nil {
		return "", false, f.errorf(kv.line, "key %q in group %q: %v", key, group, err)
	}
	return v, true, nil
}

func unescapeValue(raw string) (string, error) {
	if !utf8.ValidString(raw) {
		return "", errors.New("value is not UTF-8")
	}
	if !strings.Contains(raw, `\`) {
		return raw, nil
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			b.WriteByte(raw[i])
			continue
		}
		i++
		if i == len(raw) {
			return "", errors.New("escape character at end of line")
		}
		switch raw[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			return "", fmt.Errorf("invalid escape sequence \\%c", raw[i])
		}
	}
	return b.String(), nil
}

// Lookup finds the value of key (authname, username, password, realm...)
// for service ("libvirt", "ssh") on host as libvirt does: the group
// [auth-SERVICE-HOST], else [auth-SERVICE-default], names a credentials
// set with credentials=NAME, whose [credentials-NAME] group holds the key.
// An empty host means "localhost". No matching auth group is not an
// error; a broken reference is.
func (f *File) Lookup(service, host, key string) (string, bool, error) {
	if host == "" {
		host = "localhost"
	}
	group := "auth-" + service + "-" + host
	if f.groups[group] == nil {
		group = "auth-" + service + "-default"
	}
	if f.groups[group] == nil {
		return "", false, nil
	}
	set, ok, err := f.Value(group, "credentials")
	if err != nil {
		return "", false, err
	}
	if !ok {
		return "", false, fmt.Errorf("auth file %s: missing item 'credentials' in group '%s'", f.path, group)
	}
	credGroup := "credentials-" + set
	if f.groups[credGroup] == nil {
		return "", false, fmt.Errorf("auth file %s: missing group '%s' referenced from group '%s'", f.path, credGroup, group)
	}
	return f.Value(credGroup, key)
}

// KeyFor is the auth file key that answers a credential of type t, or ""
// when the file cannot answer it.
func KeyFor(t transport.CredentialType) string {
	switch t {
	case transport.CredUsername:
		return "username"
	case transport.CredAuthname:
		return "authname"
	case transport.CredPassphrase:
		return "password"
	case transport.CredRealm:
		return "realm"
	}
	return ""
}

// Path is where libvirt reads its auth file for a connection to u:
// $LIBVIRT_AUTH_FILE, else the authfile= parameter (both used even when the
// file is missing, so that reading it fails loudly), else
// $XDG_CONFIG_HOME/libvirt/auth.conf (~/.config/libvirt/auth.conf) if it
// can be read, else /etc/libvirt/auth.conf if it can be read, else "" (no
// file). libvirt checks the environment before the URI; so does Path.
func Path(u *transport.URI, sys *transport.System) string {
	if p := sys.Getenv("LIBVIRT_AUTH_FILE"); p != "" {
		return p
	}
	if u != nil {
		if p := u.AuthFile(); p != "" {
			return p
		}
	}
	if dir, err := sys.UserConfigDir(); err == nil {
		if p := dir + "/auth.conf"; readable(sys, p) {
			return p
		}
	}
	if p := "/etc/libvirt/auth.conf"; readable(sys, p) {
		return p
	}
	return ""
}

func readable(sys *transport.System, p string) bool {
	_, err := sys.Read(p)
	return err == nil
}

// Load reads and parses the auth file at path.
func Load(sys *transport.System, path string) (*File, error) {
	data, err := sys.Read(path)
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	return Parse(path, data)
}

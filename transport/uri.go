package transport

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Kind names the transport that reaches the daemon. It is the part of a URI
// scheme after the '+', lower-cased as libvirt does.
type Kind string

// The transports libvirt's remote driver knows.
const (
	TLS     Kind = "tls"
	Unix    Kind = "unix"
	SSH     Kind = "ssh"
	LibSSH2 Kind = "libssh2"
	Ext     Kind = "ext"
	TCP     Kind = "tcp"
	LibSSH  Kind = "libssh"
)

var transports = []Kind{TLS, Unix, SSH, LibSSH2, Ext, TCP, LibSSH}

// Secure reports whether libvirt counts the channel as secure: encrypted or
// local (tls, unix and the ssh family). tcp and ext are never counted
// (libvirt is pessimistic about what an external command does). On other
// channels libvirt's client allows only SASL mechanisms with a security
// layer, which virtwire does not implement, so it runs no SASL there
// unless asked to (virtwire.WithInsecureSASL, SCRAM only).
func (t Kind) Secure() bool {
	switch t {
	case TLS, Unix, SSH, LibSSH, LibSSH2:
		return true
	}
	return false
}

// IsSSH reports whether t is one of the ssh transports (ssh, libssh, libssh2).
func (t Kind) IsSSH() bool { return t == SSH || t == LibSSH || t == LibSSH2 }

// Param is one query parameter of a URI, percent-decoded.
type Param struct {
	Name  string
	Value string
}

// URI is a parsed libvirt connection URI:
//
//	driver[+transport]://[user@][host][:port]/[path][?params][#fragment]
//
// All fields hold decoded text. Params keep their order and every parameter,
// including ones this package does not know: those are passed to the daemon
// in the remote name. Client parameters are read with the accessor methods.
//
// libvirt URIs have no password field. ParseURI rejects "user:password@" so
// that a secret can never be stored in a URI or shown by String; give
// passwords through a credential callback or libvirt's auth file instead.
type URI struct {
	Driver    string // "qemu", "test", "remote"...
	Transport Kind   // as written after '+'; "" when the scheme has none
	User      string // "" when not given
	Host      string // IPv6 literals without brackets; "" when not given
	Port      int    // 0 when not given
	Path      string // "/system", "/default", or ""
	Params    []Param
	Fragment  string
}

// ErrInvalidURI is wrapped by every error ParseURI returns.
var ErrInvalidURI = errors.New("invalid libvirt URI")

func uriError(s, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrInvalidURI, redactURI(s), fmt.Sprintf(format, args...))
}

// redactURI hides a password written as user:password@ so that errors never
// show it.
func redactURI(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	start := i + 3
	end := len(s)
	if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
		end = start + j
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 {
		return s
	}
	colon := strings.IndexByte(s[start:start+at], ':')
	if colon < 0 {
		return s
	}
	return s[:start+colon+1] + "*****" + s[start+at:]
}

// ParseURI parses a libvirt connection URI the way libvirt's client does:
// RFC 3986 syntax with percent-escapes decoded, IPv6 literals in brackets,
// query parameters split on '&' (or ';') and decoded, the transport
// lower-cased. It also checks what libvirt's remote driver would reject
// later: an unknown transport, a unix transport with a host, a port out of
// range, and client parameters with bad values (no_verify=yes, mode=fast...).
func ParseURI(s string) (*URI, error) {
	u := &URI{}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" {
		return nil, uriError(s, "missing scheme: expected driver[+transport]://...")
	}
	if !validScheme(scheme) {
		return nil, uriError(s, "bad scheme %q: it must start with a letter and hold only letters, digits, '+', '-' and '.'", scheme)
	}
	driver, tr, hasTransport := strings.Cut(scheme, "+")
	u.Driver = driver
	if hasTransport {
		t := Kind(strings.ToLower(tr))
		if !knownTransport(t) {
			return nil, uriError(s, "unknown transport %q (want one of tls, unix, ssh, ext, tcp, libssh2, libssh)", tr)
		}
		u.Transport = t
	}
	if !strings.HasPrefix(rest, "//") {
		return nil, uriError(s, "expected \"//\" after %q: libvirt URIs look like driver[+transport]://[user@][host][:port]/[path]", scheme+":")
	}
	rest = rest[2:]

	if i := strings.IndexByte(rest, '#'); i >= 0 {
		frag, err := unescape(rest[i+1:], isFragmentChar)
		if err != nil {
			return nil, uriError(s, "fragment: %v", err)
		}
		u.Fragment = frag
		rest = rest[:i]
	}
	var query string
	hasQuery := false
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		query, rest, hasQuery = rest[i+1:], rest[:i], true
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if err := u.parseAuthority(authority); err != nil {
		return nil, uriError(s, "%v", err)
	}
	p, err := unescape(path, isPathChar)
	if err != nil {
		return nil, uriError(s, "path: %v", err)
	}
	u.Path = p
	if hasQuery {
		params, err := parseQuery(query)
		if err != nil {
			return nil, uriError(s, "query: %v", err)
		}
		u.Params = params
	}
	if u.Transport == Unix && u.Host != "" {
		return nil, uriError(s, "using unix socket and remote server %q is not supported", u.Host)
	}
	if err := u.checkParams(); err != nil {
		return nil, uriError(s, "%v", err)
	}
	return u, nil
}

func (u *URI) parseAuthority(a string) error {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		userinfo := a[:i]
		a = a[i+1:]
		if strings.Contains(userinfo, ":") {
			return errors.New("user info holds ':': libvirt URIs carry no password; use the auth file or a credential callback")
		}
		user, err := unescape(userinfo, isUserChar)
		if err != nil {
			return fmt.Errorf("user: %v", err)
		}
		u.User = user
	}
	hostport := a
	var port string
	hasPort := false
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return errors.New("IPv6 literal without closing ']'")
		}
		lit := a[1:end]
		after := a[end+1:]
		if after != "" {
			if after[0] != ':' {
				return fmt.Errorf("unexpected %q after IPv6 literal", after)
			}
			port, hasPort = after[1:], true
		}
		zoneFree := strings.Replace(lit, "%25", "%", 1)
		addr, err := netip.ParseAddr(zoneFree)
		if err != nil || !addr.Is6() {
			return fmt.Errorf("bad IPv6 literal [%s]", lit)
		}
		u.Host = zoneFree
	} else {
		if i := strings.LastIndexByte(a, ':'); i >= 0 {
			hostport, port, hasPort = a[:i], a[i+1:], true
		}
		host, err := unescape(hostport, isHostChar)
		if err != nil {
			return fmt.Errorf("host: %v", err)
		}
		if strings.ContainsAny(host, ":/?#[]@%") {
			return fmt.Errorf("bad host name %q", host)
		}
		u.Host = host
	}
	if hasPort && port != "" {
		n := 0
		for _, c := range port {
			if c < '0' || c > '9' {
				return fmt.Errorf("bad port %q: not a number", port)
			}
			if n = n*10 + int(c-'0'); n > 65535 {
				return fmt.Errorf("port %s out of range (1-65535)", port)
			}
		}
		if u.Host == "" {
			return fmt.Errorf("port %s given without a host (write localhost:%s)", port, port)
		}
		// libvirt reads port 0 as "not given" and uses the default.
		u.Port = n
	}
	return nil
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c):
		case i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func knownTransport(t Kind) bool {
	for _, k := range transports {
		if k == t {
			return true
		}
	}
	return false
}

// parseQuery splits a raw query the way libvirt's virURIParseParams does:
// sections end at '&' (or, when the rest has no '&', at ';'), "name" alone
// has an empty value, "=value" is dropped, and names and values are
// percent-decoded ('+' stays '+').
func parseQuery(q string) ([]Param, error) {
	for i := 0; i < len(q); i++ {
		if c := q[i]; c != '%' && !isQueryChar(c) {
			return nil, fmt.Errorf("character %q at offset %d must be percent-encoded", c, i)
		}
	}
	var params []Param
	for q != "" {
		end := strings.IndexByte(q, '&')
		if end < 0 {
			end = strings.IndexByte(q, ';')
		}
		if end < 0 {
			end = len(q)
		}
		section := q[:end]
		q = q[end:]
		if q != "" {
			q = q[1:]
		}
		if section == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(section, "=")
		if rawName == "" {
			continue
		}
		name, err := unescape(rawName, isQueryChar)
		if err != nil {
			return nil, err
		}
		value, err := unescape(rawValue, isQueryChar)
		if err != nil {
			return nil, err
		}
		params = append(params, Param{Name: name, Value: value})
	}
	return params, nil
}

// String formats u so that ParseURI gives back an equal URI. Text is
// percent-encoded where the grammar needs it; IPv6 hosts get brackets.
func (u *URI) String() string {
	var b strings.Builder
	b.WriteString(u.Driver)
	if u.Transport != "" {
		b.WriteByte('+')
		b.WriteString(string(u.Transport))
	}
	b.WriteString("://")
	if u.User != "" {
		b.WriteString(escape(u.User, isUserChar))
		b.WriteByte('@')
	}
	b.WriteString(formatHost(u.Host))
	if u.Port != 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(u.Port))
	}
	b.WriteString(escape(u.Path, isPathChar))
	writeTail(&b, u.Params, nil, isParamChar, u.Fragment)
	return b.String()
}

// writeTail appends "?name=value&..." for the params skip does not drop,
// escaped with keep, then "#fragment".
func writeTail(b *strings.Builder, params []Param, skip func(string) bool, keep func(byte) bool, fragment string) {
	sep := byte('?')
	for _, p := range params {
		if skip != nil && skip(p.Name) {
			continue
		}
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(escape(p.Name, keep))
		b.WriteByte('=')
		b.WriteString(escape(p.Value, keep))
	}
	if fragment != "" {
		b.WriteByte('#')
		b.WriteString(escape(fragment, isFragmentChar))
	}
}

func formatHost(h string) string {
	if strings.Contains(h, ":") {
		return "[" + strings.Replace(h, "%", "%25", 1) + "]"
	}
	return escape(h, isHostChar)
}

// EffectiveTransport is the transport a connection uses: the one written in
// the scheme, else tls when a host is given and unix when not, as in libvirt.
func (u *URI) EffectiveTransport() Kind {
	if u.Transport != "" {
		return u.Transport
	}
	if u.Host != "" {
		return TLS
	}
	return Unix
}

// Hostname is the host to connect to: Host, or "localhost" when the URI has
// none (libvirt's default, also the key for auth file lookups).
func (u *URI) Hostname() string {
	if u.Host == "" {
		return "localhost"
	}
	return u.Host
}

// clientParams are consumed by the client and never sent to the daemon.
var clientParams = []string{
	"name", "command", "socket", "auth", "sshauth", "netcat", "keyfile",
	"pkipath", "known_hosts", "known_hosts_verify", "tls_priority", "mode",
	"proxy", "no_sanity", "no_verify", "no_tty", "authfile",
}

func isClientParam(name string, keep ...string) bool {
	for _, k := range keep {
		if strings.EqualFold(name, k) {
			return false
		}
	}
	for _, c := range clientParams {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return false
}

// RemoteName is the name the client sends in CONNECT_OPEN, derived as
// libvirt's remote driver derives it: the name= parameter when given;
// "" for the "remote" driver (the daemon picks); otherwise the URI with
// transport, user, host and port removed and without the client-only
// parameters, e.g. "qemu+ssh://root@h:22/system?socket=/s&foo=1" gives
// "qemu:///system?foo=1". Parameter names and values are escaped as libvirt
// escapes them (everything but letters, digits and "-._~").
func (u *URI) RemoteName() string { return u.remoteName() }

// helperName is the URI given to virt-ssh-helper on the remote host: the
// remote name with mode= and socket= kept, as libvirt builds it.
func (u *URI) helperName() string { return u.remoteName("mode", "socket") }

func (u *URI) remoteName(keep ...string) string {
	if v, ok := u.Param("name"); ok {
		return v
	}
	if u.Driver == "remote" {
		return ""
	}
	var b strings.Builder
	b.WriteString(u.Driver)
	b.WriteString("://")
	b.WriteString(escape(u.Path, isNamePathChar))
	skip := func(name string) bool { return isClientParam(name, keep...) }
	writeTail(&b, u.Params, skip, isUnreserved, u.Fragment)
	return b.String()
}

// Param returns the value of the last parameter named name (compared
// without regard to case, as libvirt does) and whether it is present.
func (u *URI) Param(name string) (string, bool) {
	value, found := "", false
	for _, p := range u.Params {
		if strings.EqualFold(p.Name, name) {
			value, found = p.Value, true
		}
	}
	return value, found
}

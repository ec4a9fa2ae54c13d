package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// EnvVar names the environment variable that points tests at a running lab: the
// path of its lab.json. `lab env` prints the line that sets it.
const EnvVar = "VIRTWIRE_LAB"

// StateFile is the name of the file, in the lab's folder, that describes every
// endpoint of a running lab.
const StateFile = "lab.json"

// DefaultDirName is the lab folder used when none is given, relative to the
// module root. It is listed in .gitignore.
const DefaultDirName = ".lab"

// ErrRunning is returned by Up when its folder already holds a running lab.
var ErrRunning = errors.New("lab: already running")

// Lab describes a running lab: where each endpoint listens and which files a
// client needs to reach it. Up writes it to lab.json; Load and Require read it.
// All paths are absolute; all addresses are host:port on 127.0.0.1.
type Lab struct {
	// Dir is the lab's folder; everything the lab made is under it.
	Dir string `json:"dir"`

	// UnixSocket is the main daemon's read-write unix socket (auth none).
	UnixSocket string `json:"unix_socket"`
	// UnixROSocket is the main daemon's read-only unix socket (auth none).
	UnixROSocket string `json:"unix_ro_socket"`
	// TCPAddr is the main daemon's plain TCP listener (auth none).
	TCPAddr string `json:"tcp_addr"`
	// TLSAddr is the main daemon's TLS listener. It requires a client
	// certificate from the lab's CA (PKIDir) and then asks for no other auth.
	// Its server certificate names 127.0.0.1 and localhost.
	TLSAddr string `json:"tls_addr"`
	// TLSServerNames are the names (DNS and IP) in the server certificate of
	// TLSAddr and SASLTLSAddr.
	TLSServerNames []string `json:"tls_server_names"`
	// TLSWrongNameAddr is a TLS listener (auth none, client certificate
	// required) whose server certificate is signed by the lab's CA but names
	// only TLSWrongName, so host-name verification of 127.0.0.1 fails.
	TLSWrongNameAddr string `json:"tls_wrong_name_addr"`
	// TLSWrongName is the only name in TLSWrongNameAddr's certificate.
	TLSWrongName string `json:"tls_wrong_name"`
	// PKIDir is a client pki folder for libvirt's pkipath= parameter:
	// cacert.pem (the lab's CA), clientcert.pem and clientkey.pem (a client
	// certificate the daemons accept).
	PKIDir string `json:"pki_dir"`
	// RoguePKIDir is a client pki folder whose client certificate comes from
	// another CA: the daemons refuse it. Its cacert.pem holds both CAs, so a
	// client trusts the server and sends that certificate; the refusal comes
	// from the server.
	RoguePKIDir string `json:"rogue_pki_dir"`

	// SASLUser and SASLPassword are the credentials the SASL daemon knows.
	SASLUser string `json:"sasl_user"`
	// SASLPassword is SASLUser's password (random for every lab).
	SASLPassword string `json:"sasl_password"`
	// SASLTLSAddr is the SASL daemon's TLS listener: client certificate
	// required (PKIDir), then SASL, offering SCRAM-SHA-256 and DIGEST-MD5.
	SASLTLSAddr string `json:"sasl_tls_addr"`
	// SASLUnixSocket is the SASL daemon's read-write unix socket, auth sasl,
	// offering SCRAM-SHA-256 and DIGEST-MD5.
	SASLUnixSocket string `json:"sasl_unix_socket"`
	// DigestTCPAddr is the SASL daemon's plain TCP listener. libvirt offers
	// only DIGEST-MD5 there (SCRAM needs TLS or a unix socket), after which
	// all traffic is wrapped in DIGEST-MD5's security layer.
	DigestTCPAddr string `json:"digest_tcp_addr"`
	// AuthFile is a libvirt auth.conf holding SASLUser's credentials for
	// 127.0.0.1, localhost and any other host, for authfile= or
	// LIBVIRT_AUTH_FILE.
	AuthFile string `json:"auth_file"`

	// SSHAddr is the lab's sshd. Logged in, a client reaches the main daemon's
	// socket both at UnixSocket (socket= and nc) and at the default
	// /run/libvirt/libvirt-sock (virt-ssh-helper, proxy=native).
	SSHAddr string `json:"ssh_addr"`
	// SSHUser is the user to log in as.
	SSHUser string `json:"ssh_user"`
	// SSHKey is an ed25519 private key (OpenSSH format) sshd accepts for SSHUser.
	SSHKey string `json:"ssh_key"`
	// SSHKnownHosts is a known_hosts file holding sshd's host key for SSHAddr.
	SSHKnownHosts string `json:"ssh_known_hosts"`
	// SSHCommand runs the system ssh with SSHKnownHosts and no user ssh
	// configuration, for libvirt's command= parameter: with it virsh checks the
	// host key without touching ~/.ssh.
	SSHCommand string `json:"ssh_command"`

	// AdminSocket is the main daemon's admin socket, for virt-admin
	// (libvirtd:///system?socket=...) and libvirt's admin protocol.
	AdminSocket string `json:"admin_socket"`

	// QEMU tells whether the main daemon's QEMU driver (qemu:///system) works.
	// Whether it does depends on qemu-system-x86 being installed.
	QEMU bool `json:"qemu"`

	// Guest is the guest tier: a daemon in a network namespace with two
	// isolated networks and a running QEMU guest. It is nil when the lab
	// was started without it (SkipGuest).
	Guest *Guest `json:"guest,omitempty"`

	run *runState // set in the process that ran Up
}

// Endpoint names one way of reaching a lab's daemons; URI turns it into a
// libvirt URI.
type Endpoint int

// The lab's endpoints.
const (
	// UnixRW is the main daemon's read-write unix socket.
	UnixRW Endpoint = iota + 1
	// UnixRO is the main daemon's read-only unix socket.
	UnixRO
	// TCP is the main daemon's plain TCP listener, auth none.
	TCP
	// TLS is the main daemon's TLS listener with the good client certificate.
	TLS
	// TLSWrongName is a TLS listener whose certificate does not name
	// 127.0.0.1: a client that checks host names must refuse it.
	TLSWrongName
	// TLSRogue is the main daemon's TLS listener with a client certificate
	// from another CA: the daemon must refuse it.
	TLSRogue
	// SASLTLS is the SASL daemon over TLS (SCRAM-SHA-256 offered).
	SASLTLS
	// SASLUnix is the SASL daemon's unix socket (SCRAM-SHA-256 offered).
	SASLUnix
	// DigestTCP is the SASL daemon over plain TCP (only DIGEST-MD5 offered).
	DigestTCP
	// SSH is the main daemon through sshd and nc on the socket= path.
	SSH
	// SSHNative is the main daemon through sshd and virt-ssh-helper on the
	// default socket path (proxy=native).
	SSHNative
	// LibSSH is the SSH endpoint through libvirt's libssh transport, which
	// checks the host key against SSHKnownHosts itself.
	LibSSH
	// LibSSH2 is the same through libvirt's libssh2 transport.
	LibSSH2
)

var endpointNames = map[Endpoint]string{
	UnixRW: "unix", UnixRO: "unix-ro", TCP: "tcp", TLS: "tls", TLSWrongName: "tls-wrong-name",
	TLSRogue: "tls-rogue", SASLTLS: "sasl-tls", SASLUnix: "sasl-unix", DigestTCP: "digest-tcp",
	SSH: "ssh", SSHNative: "ssh-native", LibSSH: "libssh", LibSSH2: "libssh2",
}

// Endpoints returns every endpoint, in declaration order.
func Endpoints() []Endpoint {
	eps := make([]Endpoint, 0, len(endpointNames))
	for e := UnixRW; e <= LibSSH2; e++ {
		eps = append(eps, e)
	}
	return eps
}

// String returns the endpoint's short name, as `lab uri` takes it.
func (e Endpoint) String() string {
	if n, ok := endpointNames[e]; ok {
		return n
	}
	return fmt.Sprintf("Endpoint(%d)", int(e))
}

// ParseEndpoint returns the endpoint whose String is name.
func ParseEndpoint(name string) (Endpoint, error) {
	for _, e := range Endpoints() {
		if e.String() == name {
			return e, nil
		}
	}
	names := make([]string, 0, len(endpointNames))
	for _, e := range Endpoints() {
		names = append(names, e.String())
	}
	return 0, fmt.Errorf("lab: unknown endpoint %q (known: %s)", name, strings.Join(names, ", "))
}

// URI returns the libvirt URI of the test driver (test:///default) at ep,
// written as a user would write it for virsh, for example
// test+unix:///default?socket=/path/sock/libvirt-sock. SASL URIs carry no
// credentials: pass AuthFile (Virsh does) or SASLUser and SASLPassword.
func (l *Lab) URI(ep Endpoint) string {
	return l.DriverURI(ep, "test", "/default")
}

// DriverURI is URI for another driver and path, for example ("qemu", "/system").
// It returns "" for an unknown endpoint.
func (l *Lab) DriverURI(ep Endpoint, driver, path string) string {
	var transport, authority string
	var params [][2]string
	switch ep {
	case UnixRW:
		transport, params = "unix", [][2]string{{"socket", l.UnixSocket}}
	case UnixRO:
		transport, params = "unix", [][2]string{{"socket", l.UnixROSocket}}
	case TCP:
		transport, authority = "tcp", l.TCPAddr
	case TLS:
		transport, authority, params = "tls", l.TLSAddr, [][2]string{{"pkipath", l.PKIDir}}
	case TLSWrongName:
		transport, authority, params = "tls", l.TLSWrongNameAddr, [][2]string{{"pkipath", l.PKIDir}}
	case TLSRogue:
		transport, authority, params = "tls", l.TLSAddr, [][2]string{{"pkipath", l.RoguePKIDir}}
	case SASLTLS:
		transport, authority, params = "tls", l.SASLTLSAddr, [][2]string{{"pkipath", l.PKIDir}}
	case SASLUnix:
		transport, params = "unix", [][2]string{{"socket", l.SASLUnixSocket}}
	case DigestTCP:
		transport, authority = "tcp", l.DigestTCPAddr
	case SSH:
		transport, authority = "ssh", l.SSHUser+"@"+l.SSHAddr
		params = [][2]string{{"socket", l.UnixSocket}, {"keyfile", l.SSHKey},
			{"known_hosts", l.SSHKnownHosts}, {"command", l.SSHCommand}}
	case SSHNative:
		transport, authority = "ssh", l.SSHUser+"@"+l.SSHAddr
		params = [][2]string{{"proxy", "native"}, {"keyfile", l.SSHKey},
			{"known_hosts", l.SSHKnownHosts}, {"command", l.SSHCommand}}
	case LibSSH, LibSSH2:
		transport, authority = "libssh", l.SSHUser+"@"+l.SSHAddr
		if ep == LibSSH2 {
			transport = "libssh2"
		}
		params = [][2]string{{"socket", l.UnixSocket}, {"keyfile", l.SSHKey},
			{"known_hosts", l.SSHKnownHosts}, {"sshauth", "privkey"}}
	default:
		return ""
	}
	var b strings.Builder
	b.WriteString(driver + "+" + transport + "://" + authority + path)
	for i, p := range params {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p[0] + "=" + escapeParam(p[1]))
	}
	return b.String()
}

// escapeParam percent-encodes a URI parameter value, leaving the characters
// that paths are made of readable.
func escapeParam(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("/._~:-,@", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// UpOption changes what Up starts.
type UpOption func(*upOptions)

type upOptions struct {
	skipGuest bool
}

// SkipGuest makes Up start the lab without its guest tier: no network
// namespace, no QEMU guest, no guest image build.
func SkipGuest() UpOption {
	return func(o *upOptions) { o.skipGuest = true }
}

// Load reads a lab description written by Up.
func Load(path string) (*Lab, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	l := new(Lab)
	if err := json.Unmarshal(data, l); err != nil {
		return nil, fmt.Errorf("lab: %s: %w", path, err)
	}
	if l.Dir == "" || l.UnixSocket == "" {
		return nil, fmt.Errorf("lab: %s describes no lab (no dir or unix socket)", path)
	}
	return l, nil
}

// DefaultDir returns <module root>/.lab, finding the module root by walking up
// from the working directory to the nearest go.mod.
func DefaultDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("lab: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, DefaultDirName), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("lab: no go.mod above the working directory")
		}
		dir = parent
	}
}

// StatePath returns the lab.json that tests use: $VIRTWIRE_LAB if set, else
// the one in DefaultDir.
func StatePath() (string, error) {
	if p := os.Getenv(EnvVar); p != "" {
		return p, nil
	}
	dir, err := DefaultDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, StateFile), nil
}

// Ping checks that the main daemon answers on its unix socket.
func (l *Lab) Ping(ctx context.Context) error {
	return probe(ctx, "unix", l.UnixSocket)
}

// Require returns the running lab named by $VIRTWIRE_LAB (or the default
// .lab/lab.json) after checking that its main daemon answers. Without one it
// skips the test with a message naming `make test`; when the CI environment
// variable is set it fails the test instead, so CI never passes by skipping.
func Require(tb testing.TB) *Lab {
	tb.Helper()
	l, err := running()
	if err == nil {
		return l
	}
	unavailable(tb, fmt.Sprintf("no libvirt lab: %v; `make test` starts one around the tests, `make lab-up` one for `go test`", err))
	return nil
}

func running() (*Lab, error) {
	path, err := StatePath()
	if err != nil {
		return nil, err
	}
	l, err := Load(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Ping(ctx); err != nil {
		return nil, fmt.Errorf("the lab in %s does not answer: %w", l.Dir, err)
	}
	return l, nil
}

// RunVirsh runs `virsh -c uri args...` with stdin closed, LC_ALL=C and
// LIBVIRT_AUTH_FILE set to AuthFile (so SASL endpoints work without a
// prompt). It returns virsh's standard output, and an error holding its
// standard error when virsh fails.
func (l *Lab) RunVirsh(ctx context.Context, uri string, args ...string) (string, error) {
	return runVirsh(ctx, []string{"LIBVIRT_AUTH_FILE=" + l.AuthFile}, uri, args...)
}

// Virsh is RunVirsh for tests: it fails the test when virsh fails, and
// returns the output with surrounding white space trimmed.
func (l *Lab) Virsh(tb testing.TB, uri string, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := l.RunVirsh(ctx, uri, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(out)
}

package virtwire_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/transport"
)

func dialURI(t *testing.T, uri string, opts ...virtwire.Option) (*virtwire.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := virtwire.Dial(ctx, uri, opts...)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// hostnameMatches asks the daemon for its host name and compares with the
// machine's: every endpoint reaches the same daemon host.
func hostnameMatches(t *testing.T, c *virtwire.Conn) {
	t.Helper()
	h, err := c.ConnectGetHostname(context.Background())
	if err != nil {
		t.Fatalf("ConnectGetHostname: %v", err)
	}
	want, _ := os.Hostname()
	if h != want {
		t.Fatalf("hostname %q, want %q", h, want)
	}
	uri, err := c.ConnectGetURI(context.Background())
	if err != nil || uri != "test:///default" {
		t.Fatalf("ConnectGetURI = %q, %v", uri, err)
	}
}

func sshURI(l *lab.Lab, scheme string, params ...string) string {
	q := url.Values{}
	q.Set("keyfile", l.SSHKey)
	q.Set("known_hosts", l.SSHKnownHosts)
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	return fmt.Sprintf("test+%s://%s@%s/default?%s", scheme, l.SSHUser, l.SSHAddr, q.Encode())
}

func TestDialEndpoints(t *testing.T) {
	l := lab.Require(t)
	native := virtwire.WithSSH(transport.SSHConfig{Mode: transport.SSHNative})
	tests := []struct {
		name string
		uri  string
		opts []virtwire.Option
	}{
		{"unix", l.URI(lab.UnixRW), nil},
		{"tcp", l.URI(lab.TCP), nil},
		{"tls", l.URI(lab.TLS), nil},
		{"tls localhost", strings.Replace(l.URI(lab.TLS), "127.0.0.1", "localhost", 1), nil},
		{"tls wrong name with no_verify", l.URI(lab.TLSWrongName) + "&no_verify=1", nil},
		{"ssh native, nc -U socket", sshURI(l, "ssh", "socket", l.UnixSocket), []virtwire.Option{native}},
		{"ssh native, virt-ssh-helper", sshURI(l, "ssh", "proxy", "native"), []virtwire.Option{native}},
		{"libssh", sshURI(l, "libssh", "socket", l.UnixSocket), nil},
		{"ssh external", l.URI(lab.SSH), nil},
		{"sasl tls, auth file", l.URI(lab.SASLTLS) + "&authfile=" + url.QueryEscape(l.AuthFile), nil},
		{"sasl tls, option", l.URI(lab.SASLTLS), []virtwire.Option{virtwire.WithSASL(l.SASLUser, l.SASLPassword)}},
		{"sasl unix", l.URI(lab.SASLUnix), []virtwire.Option{virtwire.WithSASL(l.SASLUser, l.SASLPassword)}},
		{"sasl unix, callback", l.URI(lab.SASLUnix), []virtwire.Option{virtwire.WithCredentials(func(ctx context.Context, creds []*virtwire.Credential) error {
			for _, c := range creds {
				switch c.Type {
				case transport.CredAuthname:
					c.Result = l.SASLUser
				case transport.CredPassphrase:
					c.Result = l.SASLPassword
				}
			}
			return nil
		})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := dialURI(t, tt.uri, tt.opts...)
			if err != nil {
				t.Fatalf("Dial(%s): %v", tt.uri, err)
			}
			hostnameMatches(t, c)
		})
	}
}

func TestDialReadOnly(t *testing.T) {
	l := lab.Require(t)
	// The ro socket, chosen by the read-only option from the unix URI.
	c, err := dialURI(t, "test+unix:///default?socket="+url.QueryEscape(l.UnixROSocket), virtwire.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	hostnameMatches(t, c)
	_, err = c.NetworkCreateXML(context.Background(), "<network><name>rotest</name></network>")
	if !errors.Is(err, virtwire.ErrOperationDenied) {
		t.Fatalf("write on a read-only connection: %v, want libvirt's read-only error", err)
	}
	xml := t.TempDir() + "/net.xml"
	if err := os.WriteFile(xml, []byte("<network><name>rotest</name></network>"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, verr := l.RunVirsh(context.Background(), l.URI(lab.UnixRO), "net-create", xml)
	var e *virtwire.Error
	if !errors.As(err, &e) || verr == nil || !strings.Contains(verr.Error(), e.Message) {
		t.Errorf("virsh says %v; virtwire %q", verr, err)
	}
}

func TestDialRefusals(t *testing.T) {
	l := lab.Require(t)
	badKey := t.TempDir() + "/id_ed25519"
	if out, err := runCmd("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", badKey); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	emptyKH := t.TempDir() + "/known_hosts"
	if err := os.WriteFile(emptyKH, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	native := virtwire.WithSSH(transport.SSHConfig{Mode: transport.SSHNative})
	tests := []struct {
		name  string
		uri   string
		opts  []virtwire.Option
		is    error  // errors.Is target, or nil
		words string // the error must say this
	}{
		{"tls client cert from another CA", l.URI(lab.TLSRogue), nil, transport.ErrCertificateRejected, "rejected"},
		{"tls wrong server name", l.URI(lab.TLSWrongName), nil, nil, "certificate"},
		{"ssh unknown host", strings.Replace(sshURI(l, "ssh", "socket", l.UnixSocket), url.QueryEscape(l.SSHKnownHosts), url.QueryEscape(emptyKH), 1), []virtwire.Option{native}, transport.ErrHostKeyUnknown, "host key"},
		{"ssh wrong key", strings.Replace(sshURI(l, "ssh", "socket", l.UnixSocket), url.QueryEscape(l.SSHKey), url.QueryEscape(badKey), 1), []virtwire.Option{native}, nil, "unable to authenticate"},
		{"sasl wrong password", l.URI(lab.SASLTLS), []virtwire.Option{virtwire.WithSASL(l.SASLUser, "wrong")}, virtwire.ErrAuthFailed, "authentication failed"},
		{"sasl unix wrong password", l.URI(lab.SASLUnix), []virtwire.Option{virtwire.WithSASL(l.SASLUser, "wrong")}, virtwire.ErrAuthFailed, "authentication failed"},
		{"digest-md5 only on plain tcp", l.URI(lab.DigestTCP), []virtwire.Option{virtwire.WithSASL(l.SASLUser, l.SASLPassword)}, nil, "TLS"},
		{"unknown transport", "test+carrier-pigeon:///default", nil, transport.ErrInvalidURI, "carrier-pigeon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			c, err := dialURI(t, tt.uri, tt.opts...)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.words) {
				t.Errorf("err = %q, want it to say %q", err, tt.words)
			}
			if strings.Contains(err.Error(), l.SASLPassword) {
				t.Errorf("the error shows the password: %v", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("refusal took %v", d)
			}
		})
	}
}

func runCmd(name string, args ...string) (string, error) {
	out, err := execCommand(name, args...).CombinedOutput()
	return string(out), err
}

var _ = net.Dial

package virtwire_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// errorCase is a failure provoked both through virtwire and through virsh.
type errorCase struct {
	name   string
	driver string // the URI's driver: test, secret or nwfilter
	call   func(ctx context.Context, c *virtwire.Conn, o errorObjects) error
	// virsh provokes the same failure and prints libvirt's message on its
	// last "error: " line.
	virsh func(o errorObjects) []string
	// virshLog, instead, provokes it where virsh prints only words of its
	// own (its domain lookups): the message is then read from the debug
	// log of virsh's libvirt client, as it arrived from the daemon.
	virshLog func(o errorObjects) []string
	// message is libvirt's message where virsh does not even make the call
	// (virsh start checks the state first).
	message     func(o errorObjects) string
	code        virtwire.ErrorNumber
	domain      virtwire.ErrorDomain
	notAlso     []virtwire.ErrorNumber
	unsupported bool // IsUnsupported must report it
}

// errorObjects are what the error cases act on.
type errorObjects struct {
	running, inactive string // domains of the test's own
	missing           string // a name nothing has
	badXML            string // a file with malformed XML
}

// TestErrorsMatchVirsh provokes libvirt errors through virtwire and checks
// that errors.Is knows them by their sentinel (and by no other), that
// errors.As gives their code, domain and message, and that the message is
// the one virsh prints for the same failure on the same daemon.
func TestErrorsMatchVirsh(t *testing.T) {
	l := lab.Require(t)
	cases := []errorCase{
		{name: "no-domain", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				_, err := c.DomainLookupByName(ctx, o.missing)
				return err
			},
			virshLog: func(o errorObjects) []string { return []string{"dominfo", o.missing} },
			code:     virtwire.ErrNoDomain, domain: virtwire.FromTest,
			notAlso: []virtwire.ErrorNumber{virtwire.ErrNoNetwork, virtwire.ErrOperationInvalid}},
		{name: "no-network", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				_, err := c.NetworkLookupByName(ctx, o.missing)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"net-info", o.missing} },
			code:  virtwire.ErrNoNetwork, domain: virtwire.FromTest, notAlso: []virtwire.ErrorNumber{virtwire.ErrNoDomain}},
		{name: "no-storage-pool", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				_, err := c.StoragePoolLookupByName(ctx, o.missing)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"pool-info", o.missing} },
			code:  virtwire.ErrNoStoragePool, domain: virtwire.FromTest},
		{name: "no-storage-vol", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				_, err := c.StorageVolLookupByPath(ctx, o.missing)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"vol-info", "--pool", "default-pool", o.missing} },
			code:  virtwire.ErrNoStorageVol, domain: virtwire.FromTest},
		{name: "no-snapshot", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				dom, err := c.DomainLookupByName(ctx, o.running)
				if err != nil {
					return err
				}
				_, err = c.DomainSnapshotLookupByName(ctx, dom, o.missing, 0)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"snapshot-info", o.running, o.missing} },
			code:  virtwire.ErrNoDomainSnapshot, domain: virtwire.FromTest},
		{name: "no-node-device", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				_, err := c.NodeDeviceLookupByName(ctx, o.missing)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"nodedev-dumpxml", o.missing} },
			code:  virtwire.ErrNoNodeDevice, domain: virtwire.FromTest},
		{name: "no-interface", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				_, err := c.InterfaceLookupByName(ctx, o.missing)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"iface-dumpxml", o.missing} },
			code:  virtwire.ErrNoInterface, domain: virtwire.FromTest},
		{name: "no-secret", driver: "secret",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				_, err := c.SecretLookupByUUID(ctx, missingUUID)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"secret-dumpxml", missingUUID.String()} },
			code:  virtwire.ErrNoSecret, domain: virtwire.FromSecret},
		{name: "no-nwfilter", driver: "nwfilter",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				_, err := c.NwfilterLookupByName(ctx, o.missing)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"nwfilter-dumpxml", o.missing} },
			code:  virtwire.ErrNoNwfilter, domain: virtwire.FromNwfilter},
		{name: "destroy-inactive", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				dom, err := c.DomainLookupByName(ctx, o.inactive)
				if err != nil {
					return err
				}
				return c.DomainDestroy(ctx, &dom)
			},
			virsh: func(o errorObjects) []string { return []string{"destroy", o.inactive} },
			code:  virtwire.ErrOperationInvalid, domain: virtwire.FromDomain, notAlso: []virtwire.ErrorNumber{virtwire.ErrNoDomain}},
		{name: "start-running", driver: "test",
			// The test driver calls this an internal error, where the QEMU
			// driver says operation invalid.
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				dom, err := c.DomainLookupByName(ctx, o.running)
				if err != nil {
					return err
				}
				return c.DomainCreate(ctx, &dom)
			},
			message: func(o errorObjects) string { return "internal error: Domain '" + o.running + "' is already running" },
			code:    virtwire.ErrInternalError, domain: virtwire.FromTest,
			notAlso: []virtwire.ErrorNumber{virtwire.ErrOperationInvalid}},
		{name: "resume-running", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				dom, err := c.DomainLookupByName(ctx, o.running)
				if err != nil {
					return err
				}
				return c.DomainResume(ctx, dom)
			},
			virsh: func(o errorObjects) []string { return []string{"resume", o.running} },
			code:  virtwire.ErrInternalError, domain: virtwire.FromTest},
		{name: "invalid-disk", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				dom, err := c.DomainLookupByName(ctx, o.running)
				if err != nil {
					return err
				}
				_, _, _, _, _, err = c.DomainBlockStats(ctx, dom, "vdz")
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"domblkstat", o.running, "vdz"} },
			code:  virtwire.ErrInvalidArg, domain: virtwire.FromTest},
		{name: "too-many-vcpus", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				dom, err := c.DomainLookupByName(ctx, o.running)
				if err != nil {
					return err
				}
				return c.DomainSetVcpusFlags(ctx, dom, 99, virtwire.DomainVcpuCurrent)
			},
			virsh: func(o errorObjects) []string { return []string{"setvcpus", o.running, "99"} },
			code:  virtwire.ErrInvalidArg, domain: virtwire.FromTest},
		{name: "malformed-xml", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				doc, err := os.ReadFile(o.badXML)
				if err != nil {
					return err
				}
				_, err = c.DomainDefineXML(ctx, string(doc))
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"define", o.badXML} },
			code:  virtwire.ErrXMLDetail, domain: virtwire.FromDomain},
		{name: "unsupported", driver: "test",
			call: func(ctx context.Context, c *virtwire.Conn, o errorObjects) error {
				dom, err := c.DomainLookupByName(ctx, o.running)
				if err != nil {
					return err
				}
				_, _, _, _, _, _, _, _, _, _, _, _, err = c.DomainGetJobInfo(ctx, dom)
				return err
			},
			virsh: func(o errorObjects) []string { return []string{"domjobinfo", o.running} },
			code:  virtwire.ErrNoSupport, domain: virtwire.FromDomain, unsupported: true},
	}
	for _, kind := range []labTransport{viaUnix, viaTCP} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			conns := map[string]*virtwire.Conn{
				"test":     dialLab(t, l, kind),
				"secret":   dialLabURI(t, l, kind, "secret:///system"),
				"nwfilter": dialLabURI(t, l, kind, "nwfilter:///system"),
			}
			ctx := callCtx(t)
			e := &procEnv{t: t, c: conns["test"]}
			base := uniqueName(t)
			o := errorObjects{running: base + "-run", inactive: base + "-off", missing: errMissing,
				badXML: filepath.Join(t.TempDir(), "bad.xml")}
			if err := os.WriteFile(o.badXML, []byte("<domain>\n<name>x</name\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			e.defineDomain(t, ctx, o.inactive)
			running := e.defineDomain(t, ctx, o.running)
			if err := e.c.DomainCreate(ctx, &running); err != nil {
				t.Fatal(err)
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					ctx := callCtx(t)
					err := tc.call(ctx, conns[tc.driver], o)
					if !errors.Is(err, tc.code) {
						t.Fatalf("got %v; want errors.Is(err, %v)", err, tc.code)
					}
					for _, other := range tc.notAlso {
						if errors.Is(err, other) {
							t.Errorf("errors.Is(err, %v) is true for %v", other, err)
						}
					}
					var le *virtwire.Error
					if !errors.As(err, &le) {
						t.Fatalf("errors.As(%v, *virtwire.Error) failed", err)
					}
					if le.Code != tc.code || le.Domain != tc.domain || le.Level != virtwire.ErrError {
						t.Errorf("code %v, domain %v, level %v; want %v, %v, error", le.Code, le.Domain, le.Level, tc.code, tc.domain)
					}
					if got := virtwire.IsUnsupported(err); got != tc.unsupported {
						t.Errorf("IsUnsupported = %v, want %v", got, tc.unsupported)
					}
					var want string
					switch {
					case tc.virsh != nil:
						want = virshError(t, l, kind, tc.driver, tc.virsh(o)...)
					case tc.virshLog != nil:
						want = virshLoggedError(t, l, kind, tc.driver, tc.virshLog(o)...)
					default:
						want = tc.message(o)
					}
					if strings.TrimSpace(le.Message) != want {
						t.Errorf("message %q, want %q", le.Message, want)
					}
					if !strings.Contains(err.Error(), strings.TrimSpace(le.Message)) {
						t.Errorf("Error() = %q does not carry the message", err.Error())
					}
				})
			}
		})
	}
}

// errMissing is a name no object has.
const errMissing = "vw-no-such-object"

var missingUUID = virtwire.UUID{0x76, 0x77, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1}

// virshURI is the URI virsh uses for driver (test, secret, nwfilter)
// over kind.
func virshURI(l *lab.Lab, kind labTransport, driver string) string {
	uri := labURI(l, kind)
	if driver != "test" {
		uri = strings.Replace(strings.Replace(uri, "test+", driver+"+", 1), "/default", "/system", 1)
	}
	return uri
}

// virshError runs virsh, which must fail, and returns libvirt's message:
// what follows "error: " on the last line that starts with it, up to the
// end (some messages, such as XML parse errors, span lines). The lines
// before it are virsh's own.
func virshError(t *testing.T, l *lab.Lab, kind labTransport, driver string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	_, err := l.RunVirsh(ctx, virshURI(l, kind, driver), args...)
	if err == nil {
		t.Fatalf("virsh %s succeeded; want it to fail", strings.Join(args, " "))
	}
	// RunVirsh's error ends with ": " and virsh's standard error.
	msg := err.Error()
	i := strings.LastIndex(msg, "\nerror: ")
	if i < 0 {
		if i = strings.Index(msg, ": error: "); i < 0 {
			t.Fatalf("virsh %s: no error line in %q", strings.Join(args, " "), msg)
		}
	}
	i += strings.Index(msg[i:], "error: ") + len("error: ")
	return strings.TrimSpace(msg[i:])
}

// dispatchedError finds the error that libvirt's client received from the
// daemon in its debug log.
var dispatchedError = regexp.MustCompile(`error : virNetClientProgramDispatchError:\d+ : (.*)`)

// virshLoggedError runs virsh, which must fail, with its libvirt client's
// debug log on standard error, and returns the message of the last error
// the client received from the daemon.
func virshLoggedError(t *testing.T, l *lab.Lab, kind labTransport, driver string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "virsh", append([]string{"-c", virshURI(l, kind, driver)}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LIBVIRT_DEBUG=1", "LIBVIRT_LOG_OUTPUTS=1:stderr", "LIBVIRT_LOG_FILTERS=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("virsh %s succeeded; want it to fail", strings.Join(args, " "))
	}
	m := dispatchedError.FindAllStringSubmatch(string(out), -1)
	if len(m) == 0 {
		t.Fatalf("virsh %s: no error from the daemon in its log:\n%s", strings.Join(args, " "), out)
	}
	return strings.TrimSpace(m[len(m)-1][1])
}

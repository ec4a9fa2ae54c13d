package virtwire_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// virsh looks a secret up with virSecretLookupByUUIDString, which parses the
// UUID with libvirt's own virUUIDParse before it asks the daemon: so virsh
// secret-dumpxml finds the secret for every spelling that libvirt accepts,
// and refuses every other one as invalid. ParseUUID must agree on each, and
// String must give libvirt's form.
func TestParseUUIDMatchesVirsh(t *testing.T) {
	l := lab.Require(t)
	c := dialLabURI(t, l, viaUnix, "secret:///system")
	ctx := callCtx(t)
	var want virtwire.UUID
	if _, err := rand.Read(want[:]); err != nil {
		t.Fatal(err)
	}
	s, err := c.SecretDefineXML(ctx, fmt.Sprintf("<secret ephemeral='yes' private='no'><uuid>%s</uuid>"+
		"<usage type='volume'><volume>/virtwire-test/%s.img</volume></usage></secret>", want, uniqueName(t)), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.SecretUndefine(context.Background(), s); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if s.UUID != want {
		t.Fatalf("SecretDefineXML gave %s, want the UUID of the XML, %s", s.UUID, want)
	}

	canon := want.String()
	digits := strings.ReplaceAll(canon, "-", "")
	pairs := func(sep string) string {
		var p []string
		for i := 0; i < 32; i += 2 {
			p = append(p, digits[i:i+2])
		}
		return strings.Join(p, sep)
	}
	tests := []struct {
		name     string
		spelling string
		accepted bool
	}{
		{"libvirt's form", canon, true},
		{"upper case", strings.ToUpper(canon), true},
		{"no dashes", digits, true},
		{"spaces between pairs", pairs(" "), true},
		{"dashes between pairs", pairs("-"), true},
		{"runs of dashes and spaces", pairs("- -"), true},
		{"a leading dash", "-" + canon, true},
		{"white space around", " \t\n\r\f" + canon + "\f\r\n\t ", true},
		{"31 digits", canon[:35], false},
		{"33 digits", canon + "0", false},
		{"a split pair", digits[:1] + "-" + digits[1:], false},
		{"a trailing dash", canon + "-", false},
		{"a tab between groups", strings.Replace(canon, "-", "\t", 1), false},
		{"braces", "{" + canon + "}", false},
		{"a vertical tab", "\v" + canon, false},
	}
	uri := virshURI(l, viaUnix, "secret")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// --secret=VALUE, so that virsh never reads a spelling as an option.
			out, virshErr := l.RunVirsh(callCtx(t), uri, "secret-dumpxml", "--secret="+tt.spelling)
			got, err := virtwire.ParseUUID(tt.spelling)
			switch {
			case tt.accepted && virshErr != nil:
				t.Fatalf("virsh refused %q: %v", tt.spelling, virshErr)
			case tt.accepted && !strings.Contains(out, "<uuid>"+canon+"</uuid>"):
				t.Fatalf("virsh secret-dumpxml %q printed another secret:\n%s", tt.spelling, out)
			case tt.accepted && (err != nil || got != want):
				t.Errorf("ParseUUID(%q) = %s, %v; virsh found %s", tt.spelling, got, err, canon)
			case !tt.accepted && (virshErr == nil || !strings.Contains(virshErr.Error(), "must be a valid UUID")):
				t.Fatalf("virsh secret-dumpxml %q = %q, %v; want libvirt's invalid-UUID error", tt.spelling, out, virshErr)
			case !tt.accepted && !errors.Is(err, virtwire.ErrInvalidUUID):
				t.Errorf("ParseUUID(%q) = %s, %v; virsh refuses it", tt.spelling, got, err)
			}
		})
	}
}

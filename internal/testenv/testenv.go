// Package testenv decides what a test does when the machine lacks what it
// needs (a lab, a daemon binary, libvirt's source, xmllint): plain
// `go test ./...` on a lone clone skips it with one line saying how to run
// it, while CI, or VIRTWIRE_REQUIRE_LAB=1, fails it, so that CI never
// passes by not running.
//
//	if _, err := exec.LookPath("xmllint"); err != nil {
//		testenv.Unavailable(t, "xmllint is not installed; `make deps` installs it")
//	}
package testenv

import (
	"os"
	"testing"
)

// RequireEnvVar names the environment variable that, set to 1, makes
// missing test prerequisites failures, as CI does.
const RequireEnvVar = "VIRTWIRE_REQUIRE_LAB"

// Strict reports whether missing prerequisites fail tests rather than skip
// them: when CI is set or VIRTWIRE_REQUIRE_LAB=1.
func Strict() bool {
	return os.Getenv("CI") != "" || os.Getenv(RequireEnvVar) == "1"
}

// Unavailable ends a test that cannot run here: a skip with msg, or a
// failure when Strict.
func Unavailable(tb testing.TB, msg string) {
	tb.Helper()
	if Strict() {
		tb.Fatal(msg + " (CI or " + RequireEnvVar + "=1 is set, so this is a failure, not a skip)")
	}
	tb.Skip(msg)
}

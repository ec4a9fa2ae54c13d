package remote

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

var testUUID = UUID{0x4d, 0xea, 0x22, 0xb3, 0x1d, 0x52, 0xd8, 0xf3, 0x25, 0x16, 0x78, 0x2e, 0x98, 0xab, 0x3f, 0xa0}

func TestUUIDString(t *testing.T) {
	tests := []struct {
		u    UUID
		want string
	}{
		{testUUID, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"},
		{UUID{}, "00000000-0000-0000-0000-000000000000"},
		{UUID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "ffffffff-ffff-ffff-ffff-ffffffffffff"},
		{UUID{0: 0x01, 15: 0x0a}, "01000000-0000-0000-0000-00000000000a"},
	}
	for _, tt := range tests {
		if got := tt.u.String(); got != tt.want {
			t.Errorf("%v.String() = %q, want %q", [16]byte(tt.u), got, tt.want)
		}
		if back, err := ParseUUID(tt.want); err != nil || back != tt.u {
			t.Errorf("ParseUUID(%q) = %v, %v; want the UUID back", tt.want, back, err)
		}
	}
}

// The spellings virUUIDParse (src/util/viruuid.c) accepts and refuses.
// TestParseUUIDMatchesVirsh in the root package checks the same kinds of
// spelling against virsh on a lab daemon.
func TestParseUUID(t *testing.T) {
	accepted := []struct{ name, in string }{
		{"libvirt's form", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"},
		{"upper case", "4DEA22B3-1D52-D8F3-2516-782E98AB3FA0"},
		{"mixed case", "4dEa22B3-1d52-D8f3-2516-782e98AB3fa0"},
		{"no dashes", "4dea22b31d52d8f32516782e98ab3fa0"},
		{"dashes between any pairs", "4d-ea22b31d-52d8f32516782e98ab-3f-a0"},
		{"runs of dashes", "4dea22b3---1d52--d8f3-2516-782e98ab3fa0"},
		{"spaces between pairs", "4d ea 22 b3 1d 52 d8 f3 25 16 78 2e 98 ab 3f a0"},
		{"spaces and dashes", "4dea22b3 - 1d52 - d8f3 - 2516 - 782e98ab3fa0"},
		{"a leading dash", "-4dea22b3-1d52-d8f3-2516-782e98ab3fa0"},
		{"leading white space", " \t\n\r\f4dea22b3-1d52-d8f3-2516-782e98ab3fa0"},
		{"trailing white space", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0 \t\n\r\f"},
		{"white space, then a dash", "  -4dea22b3-1d52-d8f3-2516-782e98ab3fa0"},
	}
	for _, tt := range accepted {
		got, err := ParseUUID(tt.in)
		if err != nil || got != testUUID {
			t.Errorf("%s: ParseUUID(%q) = %v, %v; want %v", tt.name, tt.in, got, err, testUUID)
		}
	}
	refused := []struct{ name, in, why string }{
		{"empty", "", "0 hex digits"},
		{"only white space", "  \t", "0 hex digits"},
		{"31 digits", "4dea22b3-1d52-d8f3-2516-782e98ab3fa", "31 hex digits"},
		{"30 digits", "4dea22b3-1d52-d8f3-2516-782e98ab3f", "30 hex digits"},
		{"33 digits", "4dea22b3-1d52-d8f3-2516-782e98ab3fa00", "follows the 32 hex digits"},
		{"a dash splitting a pair", "4-dea22b3-1d52-d8f3-2516-782e98ab3fa0", "not a hex digit"},
		{"a space splitting a pair", "4dea22b3-1d52-d8f3-2516-782e98ab3 fa0", "not a hex digit"},
		{"a trailing dash", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0-", "follows the 32 hex digits"},
		{"a tab between pairs", "4dea22b3\t1d52-d8f3-2516-782e98ab3fa0", "not a hex digit"},
		{"a non-hex letter", "4dea22b3-1d52-d8f3-2516-782e98ab3fg0", "not a hex digit"},
		{"braces", "{4dea22b3-1d52-d8f3-2516-782e98ab3fa0}", "not a hex digit"},
		{"a 0x prefix", "0x4dea22b31d52d8f32516782e98ab3fa0", "not a hex digit"},
		{"a vertical tab, which GLib's isspace leaves out", "\v4dea22b3-1d52-d8f3-2516-782e98ab3fa0", "not a hex digit"},
		{"a NUL after the digits", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0\x00", "follows the 32 hex digits"},
		{"a NUL inside", "4dea22b3-1d52\x00-d8f3-2516-782e98ab3fa0", "not a hex digit"},
		{"non-ASCII white space", "\u00a04dea22b3-1d52-d8f3-2516-782e98ab3fa0", "not a hex digit"},
	}
	for _, tt := range refused {
		got, err := ParseUUID(tt.in)
		switch {
		case err == nil:
			t.Errorf("%s: ParseUUID(%q) = %v; want an error", tt.name, tt.in, got)
		case !errors.Is(err, ErrInvalidUUID) || !strings.Contains(err.Error(), tt.why):
			t.Errorf("%s: ParseUUID(%q): %v; want ErrInvalidUUID saying %q", tt.name, tt.in, err, tt.why)
		case got != UUID{}:
			t.Errorf("%s: ParseUUID(%q) returned %v with its error; want the zero UUID", tt.name, tt.in, got)
		}
	}
}

func TestUUIDText(t *testing.T) {
	type doc struct {
		ID   UUID
		Opt  *UUID `json:",omitempty"`
		Many []UUID
	}
	in := doc{ID: testUUID, Many: []UUID{{}, testUUID}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"ID":"4dea22b3-1d52-d8f3-2516-782e98ab3fa0","Many":["00000000-0000-0000-0000-000000000000","4dea22b3-1d52-d8f3-2516-782e98ab3fa0"]}`
	if string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var back doc
	if err := json.Unmarshal([]byte(`{"ID":"4DEA22B31D52D8F32516782E98AB3FA0","Many":[]}`), &back); err != nil || back.ID != testUUID {
		t.Errorf("json.Unmarshal = %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"ID":"4dea22b3"}`), &back); !errors.Is(err, ErrInvalidUUID) {
		t.Errorf("json.Unmarshal of a short UUID: %v, want ErrInvalidUUID", err)
	}
	// The array stays an array: slicing and indexing keep working.
	if u := testUUID; len(u[:]) != 16 || u[0] != 0x4d {
		t.Error("UUID is no longer a [16]byte")
	}
}

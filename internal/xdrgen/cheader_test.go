package xdrgen

import "testing"

func TestEvalC(t *testing.T) {
	consts := map[string]int64{"A": 4, "B": 1}
	tests := []struct {
		in   string
		want int64
	}{
		{"1 << 0", 1},
		{"1U << 31", 1 << 31},
		{"(4096 + 1)", 4097},
		{"-2", -2},
		{"A | B", 5},
		{"0x10", 16},
		{"(1 << 3) | A", 12},
		{"~0 & 7", 7},
	}
	for _, tt := range tests {
		got, err := evalC(tt.in, consts)
		if err != nil || got != tt.want {
			t.Errorf("evalC(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1 +", "(1", "NOPE", "1 2"} {
		if _, err := evalC(bad, consts); err == nil {
			t.Errorf("evalC(%q) succeeded, want an error", bad)
		}
	}
}

func TestParseHeadersEnum(t *testing.T) {
	src := `
typedef enum {
    VIR_X_A = 0, /* first (Since: 1.0.0) */
    VIR_X_B,     /* (Since: 1.2.0) */
    VIR_X_C = 1 << 4, /* multi
                         line (Since: 2.0.0) */
    VIR_X_D = VIR_X_C | VIR_X_B,

# ifdef VIR_ENUM_SENTINELS
    VIR_X_LAST
# endif
} virX;
# define VIR_Y_BUFLEN (16)
# define VIR_Z_FIELD "field_name"
`
	h, err := ParseHeaders([]string{"x.h"}, []string{src})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Enums) != 1 || h.Enums[0].Name != "virX" {
		t.Fatalf("enums = %+v", h.Enums)
	}
	want := []CEnumValue{{"VIR_X_A", 0, "1.0.0"}, {"VIR_X_B", 1, "1.2.0"}, {"VIR_X_C", 16, "2.0.0"}, {"VIR_X_D", 17, ""}}
	if len(h.Enums[0].Values) != len(want) {
		t.Fatalf("values = %d, want %d", len(h.Enums[0].Values), len(want))
	}
	for i, v := range h.Enums[0].Values {
		if *v != want[i] {
			t.Errorf("value %d = %+v, want %+v", i, *v, want[i])
		}
	}
	if h.Consts["VIR_Y_BUFLEN"] != 16 {
		t.Errorf("VIR_Y_BUFLEN = %d", h.Consts["VIR_Y_BUFLEN"])
	}
	var str *CDefine
	for _, d := range h.Defines {
		if d.Name == "VIR_Z_FIELD" {
			str = d
		}
	}
	if str == nil || !str.IsStr || str.Str != "field_name" {
		t.Errorf("string define = %+v", str)
	}
}

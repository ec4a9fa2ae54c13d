// Package cflags formats libvirt flag sets by the C names of their bits.
// The generated String methods of the root package's and package admin's
// flag types share it.
package cflags

import "strconv"

// String formats a flag set as the names of its set bits joined by |,
// with any bits that have no name in hex. Named values that are zero or
// cover several bits are matched exactly first. at returns the i-th of
// the n named values.
func String(v uint64, n int, at func(int) (uint64, string)) string {
	for i := 0; i < n; i++ {
		if fv, name := at(i); fv == v {
			return name
		}
	}
	if v == 0 {
		return "0"
	}
	var out []byte
	rest := v
	for i := 0; i < n; i++ {
		fv, name := at(i)
		if fv == 0 || fv&(fv-1) != 0 || rest&fv == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, '|')
		}
		out = append(out, name...)
		rest &^= fv
	}
	if rest != 0 {
		if len(out) > 0 {
			out = append(out, '|')
		}
		out = append(out, "0x"...)
		out = strconv.AppendUint(out, rest, 16)
	}
	return string(out)
}

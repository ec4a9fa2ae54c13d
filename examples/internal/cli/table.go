package cli

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// VirshTable lays rows out as virsh's tables (virsh domiflist, vol-list
// --details...): the first row is the header, underlined with dashes;
// every cell is preceded by a space, and all but the last column are
// padded to their widest cell plus two spaces.
func VirshTable(rows [][]string) string {
	if len(rows) == 0 {
		return ""
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	line := func(row []string) {
		for i, cell := range row {
			b.WriteString(" " + cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	line(rows[0])
	for _, w := range widths {
		b.WriteString(strings.Repeat("-", w+3))
	}
	b.WriteByte('\n')
	for _, row := range rows[1:] {
		line(row)
	}
	return b.String()
}

// Size writes a number of bytes as virsh writes capacities: two decimals
// and the largest binary unit that leaves at least 1 ("196.00 KiB",
// "1.00 GiB", "512.00 B").
func Size(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	return fmt.Sprintf("%.2f %s", v, units[u])
}

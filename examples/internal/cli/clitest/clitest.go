// Package clitest reads the tables the example programs (and virsh) print,
// for their tests: columns are found where the header's labels start, so
// empty cells and cells with spaces read right.
package clitest

import (
	"fmt"
	"strings"
)

// Table is a printed table: the header's labels and one map per row from
// label to cell.
type Table struct {
	Header []string
	Rows   []map[string]string
}

// ParseTable reads a table whose columns start where the header's labels
// start: the first non-empty line is the header, its labels separated by
// two or more spaces (one space may sit inside a label: "Host Device"); a
// line of dashes under it (as virsh prints) is skipped. Cells are cut at
// the next column's start and trimmed.
func ParseTable(out string) (Table, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	if len(lines) == 0 {
		return Table{}, fmt.Errorf("clitest: no header in %q", out)
	}
	header := lines[0]
	var t Table
	var starts []int
	for i := 0; i < len(header); {
		if header[i] == ' ' {
			i++
			continue
		}
		end := i
		for end < len(header) && !(header[end] == ' ' && (end+1 == len(header) || header[end+1] == ' ')) {
			end++
		}
		starts = append(starts, i)
		t.Header = append(t.Header, header[i:end])
		i = end
	}
	for _, line := range lines[1:] {
		if strings.Trim(line, "- ") == "" {
			continue
		}
		row := make(map[string]string, len(starts))
		for c, start := range starts {
			end := len(line)
			if c+1 < len(starts) {
				end = min(starts[c+1], len(line))
			}
			if start >= len(line) {
				row[t.Header[c]] = ""
				continue
			}
			if start > 0 && line[start-1] != ' ' {
				return Table{}, fmt.Errorf("clitest: line %q: column %q does not start at offset %d", line, t.Header[c], start)
			}
			row[t.Header[c]] = strings.TrimSpace(line[start:end])
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// Row returns the first row whose column col is value, or nil.
func (t Table) Row(col, value string) map[string]string {
	for _, r := range t.Rows {
		if r[col] == value {
			return r
		}
	}
	return nil
}

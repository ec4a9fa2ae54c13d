package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Progress returns a progress callback (for storage.TransferOptions) that
// draws a bar on w, or nil when w is not a terminal: piped or redirected
// output gets no bar, and the transfer no callback.
//
//	pull debian.qcow2  [==========>           ]   47%   128.00 MiB / 272.00 MiB
//
// The line is redrawn when the percentage changes (or, with no known
// total, every 8 MiB) and ended with a newline when done reaches total.
func Progress(w io.Writer, label string) func(done, total int64) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	width := 80
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 40 {
		width = cols
	}
	return (&bar{w: w, label: label, width: width, last: -1}).update
}

// bar is a progress bar on a terminal line.
type bar struct {
	w     io.Writer
	label string
	width int
	last  int64 // what was drawn: the percentage, or the 8 MiB step
	ended bool
}

const unknownStep = 8 << 20

func (b *bar) update(done, total int64) {
	if b.ended {
		return
	}
	step := done / unknownStep
	if total > 0 {
		step = min(done, total) * 100 / total
	}
	finished := total > 0 && done >= total
	if step == b.last && !finished {
		return
	}
	b.last = step
	fmt.Fprint(b.w, "\r"+b.line(done, total))
	if finished {
		fmt.Fprintln(b.w)
		b.ended = true
	}
}

// line is the bar as it looks after done of total bytes.
func (b *bar) line(done, total int64) string {
	if total <= 0 {
		return fmt.Sprintf("%s  %s", b.label, Size(uint64(max(done, 0))))
	}
	done = min(max(done, 0), total)
	// The done field has room for the widest size ("1023.99 MiB"), so
	// that the bar keeps its width as the numbers change.
	tail := fmt.Sprintf("  %3d%%  %11s / %s", done*100/total, Size(uint64(done)), Size(uint64(total)))
	room := b.width - len(b.label) - len(tail) - 5 // two spaces, brackets, and a column spare
	if room < 10 {
		return b.label + tail
	}
	filled := int(done * int64(room) / total)
	arrow := ""
	if filled < room {
		arrow = ">"
	}
	return b.label + "  [" + strings.Repeat("=", filled) + arrow + strings.Repeat(" ", room-filled-len(arrow)) + "]" + tail
}

// Command volume puts disk images into libvirt storage pools and makes
// guests' disks of them, the way virter's image pull does: upload a local
// image into a pool, create a copy-on-write overlay on it for a new guest,
// list a pool's volumes with the columns of virsh vol-list --details.
//
//	volume [-c URI] pull POOL NAME FILE [--format raw|qcow2]
//	volume [-c URI] overlay POOL NAME BASE [--capacity SIZE]
//	volume [-c URI] list POOL
//	volume [-c URI] download POOL NAME FILE
//	volume [-c URI] rm POOL NAME
//
// pull creates the volume NAME and uploads FILE into it, keeping its holes;
// the format is read from the file (qcow2 or raw) unless --format says it.
// A pull that fails removes the volume again. overlay creates the qcow2
// volume NAME backed by the volume BASE of the same pool, as large as BASE
// or --capacity (20G, 512MiB, bytes...). download writes a volume's
// contents to FILE, sparse. Uploads and downloads draw a progress bar when
// standard output is a terminal, and nothing otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL: the program takes any URI
	"github.com/virtwire/virtwire/examples/internal/cli"
	"github.com/virtwire/virtwire/storage"
)

const usage = `usage:
  volume [-c URI] pull POOL NAME FILE [--format raw|qcow2]
  volume [-c URI] overlay POOL NAME BASE [--capacity SIZE]
  volume [-c URI] list POOL
  volume [-c URI] download POOL NAME FILE
  volume [-c URI] rm POOL NAME`

func main() { cli.Main("volume", run) }

// commands are the subcommands: their arguments after the name and the
// flags they take besides -c.
var commands = map[string]struct {
	args  int
	flags []string
}{
	"pull":     {3, []string{"format"}},
	"overlay":  {3, []string{"capacity"}},
	"list":     {1, nil},
	"download": {3, nil},
	"rm":       {2, nil},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := cli.NewCommand("volume", usage, stderr)
	uri := cmd.URIFlag()
	format := cmd.String("format", "", "pull: the image's `format`, raw or qcow2 (default: read from the file)")
	capacity := cmd.String("capacity", "", "overlay: the disk's `size` (default: the base volume's)")
	args, err := cmd.Parse(args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return cmd.Usagef("want a command: pull, overlay, list, download or rm")
	}
	sub, args := args[0], args[1:]
	c, ok := commands[sub]
	if !ok {
		return cmd.Usagef("unknown command %q: want pull, overlay, list, download or rm", sub)
	}
	if len(args) != c.args {
		return cmd.Usagef("%s: want %d arguments, got %d", sub, c.args, len(args))
	}
	var bad []string
	cmd.Visit(func(f *flag.Flag) {
		if f.Name != "c" && f.Name != "connect" && !slices.Contains(c.flags, f.Name) {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return cmd.Usagef("%s does not take %s", sub, strings.Join(bad, ", "))
	}
	if *format != "" && *format != "raw" && *format != "qcow2" {
		return cmd.Usagef("--format %q: want raw or qcow2", *format)
	}
	var size uint64
	if *capacity != "" {
		if size, err = parseSize(*capacity); err != nil {
			return cmd.Usagef("--capacity: %v", err)
		}
	}

	conn, err := virtwire.Dial(ctx, *uri)
	if err != nil {
		return err
	}
	defer conn.Close()
	pool, err := storage.LookupPool(ctx, conn, args[0])
	if err != nil {
		return err
	}
	switch sub {
	case "pull":
		return pull(ctx, pool, args[1], args[2], *format, stdout)
	case "overlay":
		base, err := pool.LookupVolume(ctx, args[2])
		if err != nil {
			return err
		}
		_, err = pool.CreateOverlay(ctx, args[1], base, size)
		return err
	case "list":
		return list(ctx, pool, stdout)
	case "download":
		return download(ctx, pool, args[1], args[2], stdout)
	default:
		vol, err := pool.LookupVolume(ctx, args[1])
		if err != nil {
			return err
		}
		return vol.Delete(ctx, 0)
	}
}

// qcow2Magic starts every qcow2 image.
const qcow2Magic = "QFI\xfb"

// pull creates the volume name in pool and uploads the image file into
// it. A volume it created and could not fill is deleted again.
func pull(ctx context.Context, pool *storage.Pool, name, file, format string, stdout io.Writer) (err error) {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", file)
	}
	if format == "" {
		magic := make([]byte, len(qcow2Magic))
		if _, err := f.ReadAt(magic, 0); err == nil && string(magic) == qcow2Magic {
			format = "qcow2"
		} else {
			format = "raw"
		}
	}
	// A qcow2 volume takes its capacity from the image once it is
	// uploaded; a raw one is the file's size.
	spec := storage.VolumeSpec{Name: name, Format: format}
	if format == "raw" {
		spec.Capacity = uint64(st.Size())
	}
	vol, err := pool.CreateVolumeAs(ctx, spec, 0)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// Leave nothing half made; the daemon may be gone, so bound it.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if derr := vol.Delete(dctx, 0); derr != nil {
				err = errors.Join(err, fmt.Errorf("removing the half-pulled volume: %w", derr))
			}
		}
	}()
	_, err = vol.Upload(ctx, f, &storage.TransferOptions{Progress: cli.Progress(stdout, "pull "+name)})
	return err
}

// download writes the volume name's contents to file.
func download(ctx context.Context, pool *storage.Pool, name, file string, stdout io.Writer) error {
	vol, err := pool.LookupVolume(ctx, name)
	if err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	_, err = vol.Download(ctx, f, &storage.TransferOptions{Progress: cli.Progress(stdout, "download "+name)})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// list prints the pool's volumes as virsh vol-list --details does.
func list(ctx context.Context, pool *storage.Pool, w io.Writer) error {
	infos, err := pool.VolumeInfos(ctx)
	if err != nil {
		return err
	}
	rows := [][]string{{"Name", "Path", "Type", "Capacity", "Allocation"}}
	for _, in := range infos {
		rows = append(rows, []string{in.Name, in.Path, storage.VolumeTypeName(in.Type), cli.Size(in.Capacity), cli.Size(in.Allocation)})
	}
	_, err = io.WriteString(w, cli.FormatTable(rows))
	return err
}

// sizeUnits are libvirt's size units: k, M, G... and KiB, MiB... powers
// of 1024, KB, MB... powers of 1000.
var sizeUnits = map[string]uint64{
	"": 1, "b": 1, "bytes": 1,
	"k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
}

// parseSize reads a size as virsh vol-create-as takes it: a number and an
// optional unit ("20G", "512MiB", "1000000").
func parseSize(s string) (uint64, error) {
	num := strings.TrimRight(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(s[len(num):]))]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q", s, s[len(num):])
	}
	n, err := strconv.ParseUint(strings.TrimSpace(num), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number of bytes, or one with a unit such as 20G", s)
	}
	if n > ^uint64(0)/unit {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * unit, nil
}

package cli

import "fmt"

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

package domain

import (
	"context"
)

// InterfaceStats are the traffic counters of one NIC, as seen from the
// host (virDomainInterfaceStats, virsh domifstat). A counter the
// hypervisor does not keep is -1.
type InterfaceStats struct {
	RxBytes, RxPackets, RxErrs, RxDrop int64
	TxBytes, TxPackets, TxErrs, TxDrop int64
}

// InterfaceStats returns the counters of the NIC named device: its
// host-side device (vnet0, the Target of its definition) or its MAC
// address. The domain must be running.
func (d *Domain) InterfaceStats(ctx context.Context, device string) (InterfaceStats, error) {
	var s InterfaceStats
	var err error
	s.RxBytes, s.RxPackets, s.RxErrs, s.RxDrop, s.TxBytes, s.TxPackets, s.TxErrs, s.TxDrop, err =
		d.conn.DomainInterfaceStats(ctx, d.ref, device)
	if err != nil {
		return InterfaceStats{}, d.wrap("interface stats of "+device, err)
	}
	return s, nil
}

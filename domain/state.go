package domain

import (
	"context"
	"time"

	"github.com/virtwire/virtwire"
)

// State is a domain's state and why it is in it, as libvirt reports them
// (virDomainGetState).
type State struct {
	State virtwire.DomainState
	// Reason is a value of the reason type that goes with State:
	// virtwire.DomainRunningReason for DomainRunning,
	// virtwire.DomainShutoffReason for DomainShutoff, and so on.
	Reason int32
}

// String returns the state and reason as virsh domstate --reason prints
// them: "running (booted)", "shut off (destroyed)".
func (s State) String() string {
	return StateName(s.State) + " (" + ReasonName(s.State, s.Reason) + ")"
}

// stateNames are virsh's words for the states.
var stateNames = [...]string{
	virtwire.DomainNostate:     "no state",
	virtwire.DomainRunning:     "running",
	virtwire.DomainBlocked:     "idle",
	virtwire.DomainPaused:      "paused",
	virtwire.DomainShutdown:    "in shutdown",
	virtwire.DomainShutoff:     "shut off",
	virtwire.DomainCrashed:     "crashed",
	virtwire.DomainPmsuspended: "pmsuspended",
}

// reasonNames are virsh's words for the reasons of each state.
var reasonNames = [...][]string{
	virtwire.DomainNostate: {"unknown"},
	virtwire.DomainRunning: {"unknown", "booted", "migrated", "restored", "from snapshot", "unpaused",
		"migration canceled", "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed"},
	virtwire.DomainBlocked: {"unknown"},
	virtwire.DomainPaused: {"unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog",
		"from snapshot", "shutting down", "creating snapshot", "crashed", "starting up", "post-copy",
		"post-copy failed", "api error"},
	virtwire.DomainShutdown: {"unknown", "user"},
	virtwire.DomainShutoff: {"unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed",
		"from snapshot", "daemon"},
	virtwire.DomainCrashed:     {"unknown", "panicked"},
	virtwire.DomainPmsuspended: {"unknown"},
}

// StateName returns virsh's word for a state ("running", "shut off"...),
// "no state" for one it does not know.
func StateName(s virtwire.DomainState) string {
	return word(stateNames[:], int(s), stateNames[virtwire.DomainNostate])
}

// ReasonName returns virsh's words for the reason a domain is in state s
// ("booted", "destroyed"...), "unknown" for one it does not know.
func ReasonName(s virtwire.DomainState, reason int32) string {
	return word(word(reasonNames[:], int(s), nil), int(reason), "unknown")
}

// word returns names[i], or def if i is out of range.
func word[T any](names []T, i int, def T) T {
	if i < 0 || i >= len(names) {
		return def
	}
	return names[i]
}

// State returns the domain's state and its reason: virsh domstate --reason.
func (d *Domain) State(ctx context.Context) (State, error) {
	st, reason, err := d.conn.DomainGetState(ctx, d.ref, 0)
	if err != nil {
		return State{}, d.wrap("get state", err)
	}
	return State{State: st, Reason: reason}, nil
}

// Info is what virDomainGetInfo reports, in libvirt's units.
type Info struct {
	State        virtwire.DomainState
	MaxMemoryKiB uint64        // the most memory the domain may have
	MemoryKiB    uint64        // the memory it has now
	VCPUs        int           // virtual CPUs
	CPUTime      time.Duration // CPU time used
}

// Info returns the domain's state, memory, virtual CPUs and CPU time, as
// virsh dominfo shows them.
func (d *Domain) Info(ctx context.Context) (Info, error) {
	st, maxMem, mem, vcpus, cpuTime, err := d.conn.DomainGetInfo(ctx, d.ref)
	if err != nil {
		return Info{}, d.wrap("get info", err)
	}
	return Info{
		State:        virtwire.DomainState(st),
		MaxMemoryKiB: maxMem,
		MemoryKiB:    mem,
		VCPUs:        int(vcpus),
		CPUTime:      nanoseconds(cpuTime),
	}, nil
}

// nanoseconds converts libvirt's nanoseconds, saturating where a
// Duration cannot hold them (292 years).
func nanoseconds(ns uint64) time.Duration {
	if ns > uint64(1<<63-1) {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(ns)
}

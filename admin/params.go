package admin

import (
	"context"
	"fmt"

	"github.com/virtwire/virtwire"
	wire "github.com/virtwire/virtwire/protocol/admin"
)

// ThreadPool is a server's worker pool, as `virt-admin srv-threadpool-info`
// shows it, with virt-admin's names.
type ThreadPool struct {
	MinWorkers    uint32 // minWorkers: workers kept even when idle
	MaxWorkers    uint32 // maxWorkers: the most workers the pool may have
	PrioWorkers   uint32 // prioWorkers: workers for high-priority calls only
	NWorkers      uint32 // nWorkers: workers now
	FreeWorkers   uint32 // freeWorkers: workers now idle
	JobQueueDepth uint32 // jobQueueDepth: calls waiting for a worker
}

// ThreadPoolSettings are what SetServerThreadPool changes: the fields that
// are not nil, as `virt-admin srv-threadpool-set` sends only the options
// it is given. The daemon checks them together (min <= max, max > 0).
type ThreadPoolSettings struct {
	MinWorkers  *uint32
	MaxWorkers  *uint32
	PrioWorkers *uint32
}

// ClientLimits are a server's client limits and counts, as `virt-admin
// srv-clients-info` shows them, with virt-admin's names.
type ClientLimits struct {
	NClientsMax       uint32 // nclients_max: the most clients the server accepts
	NClients          uint32 // nclients: clients connected now
	NClientsUnauthMax uint32 // nclients_unauth_max: the most clients still authenticating
	NClientsUnauth    uint32 // nclients_unauth: clients authenticating now
}

// ClientLimitsSettings are what SetServerClientLimits changes: the fields
// that are not nil, as `virt-admin srv-clients-set` sends only the options
// it is given.
type ClientLimitsSettings struct {
	NClientsMax       *uint32
	NClientsUnauthMax *uint32
}

// ClientInfo is what a server knows of a client's identity, as `virt-admin
// client-info` shows it. Which fields are set depends on the client's
// transport and authentication; Params holds every parameter as sent,
// including those this package does not know.
type ClientInfo struct {
	Readonly       bool   // readonly
	SocketAddr     string // sock_addr: the peer's address (tcp and tls)
	SASLUserName   string // sasl_user_name
	X509DName      string // tls_x509_dname: the client certificate's subject
	UnixUserID     int32  // unix_user_id (-1 when not sent)
	UnixUserName   string // unix_user_name
	UnixGroupID    int32  // unix_group_id (-1 when not sent)
	UnixGroupName  string // unix_group_name
	UnixProcessID  int32  // unix_process_id (-1 when not sent)
	SELinuxContext string // selinux_context
	Params         []TypedParam
}

// ServerThreadPool returns srv's worker pool
// (ADMIN_PROC_SERVER_GET_THREADPOOL_PARAMETERS, typed).
func (c *Conn) ServerThreadPool(ctx context.Context, srv Server) (ThreadPool, error) {
	params, err := c.ServerGetThreadpoolParameters(ctx, srv, 0)
	if err != nil {
		return ThreadPool{}, err
	}
	var p ThreadPool
	err = decodeUints(params, "threadpool", map[string]*uint32{
		ThreadpoolWorkersMin:      &p.MinWorkers,
		ThreadpoolWorkersMax:      &p.MaxWorkers,
		ThreadpoolWorkersPriority: &p.PrioWorkers,
		ThreadpoolWorkersCurrent:  &p.NWorkers,
		ThreadpoolWorkersFree:     &p.FreeWorkers,
		ThreadpoolJobQueueDepth:   &p.JobQueueDepth,
	})
	return p, err
}

// SetServerThreadPool changes srv's worker pool
// (ADMIN_PROC_SERVER_SET_THREADPOOL_PARAMETERS, typed): the settings that
// are not nil. With none set it sends nothing and returns an error.
func (c *Conn) SetServerThreadPool(ctx context.Context, srv Server, s ThreadPoolSettings) error {
	params := uintParams([]namedUint{
		{ThreadpoolWorkersMin, s.MinWorkers},
		{ThreadpoolWorkersMax, s.MaxWorkers},
		{ThreadpoolWorkersPriority, s.PrioWorkers},
	})
	if len(params) == 0 {
		return fmt.Errorf("admin: SetServerThreadPool: no setting given")
	}
	return c.ServerSetThreadpoolParameters(ctx, srv, params, 0)
}

// ServerClientLimits returns srv's client limits and counts
// (ADMIN_PROC_SERVER_GET_CLIENT_LIMITS, typed).
func (c *Conn) ServerClientLimits(ctx context.Context, srv Server) (ClientLimits, error) {
	params, err := c.ServerGetClientLimits(ctx, srv, 0)
	if err != nil {
		return ClientLimits{}, err
	}
	var l ClientLimits
	err = decodeUints(params, "client limits", map[string]*uint32{
		ServerClientsMax:           &l.NClientsMax,
		ServerClientsCurrent:       &l.NClients,
		ServerClientsUnauthMax:     &l.NClientsUnauthMax,
		ServerClientsUnauthCurrent: &l.NClientsUnauth,
	})
	return l, err
}

// SetServerClientLimits changes srv's client limits
// (ADMIN_PROC_SERVER_SET_CLIENT_LIMITS, typed): the settings that are not
// nil. With none set it sends nothing and returns an error.
func (c *Conn) SetServerClientLimits(ctx context.Context, srv Server, s ClientLimitsSettings) error {
	params := uintParams([]namedUint{
		{ServerClientsMax, s.NClientsMax},
		{ServerClientsUnauthMax, s.NClientsUnauthMax},
	})
	if len(params) == 0 {
		return fmt.Errorf("admin: SetServerClientLimits: no setting given")
	}
	return c.ServerSetClientLimits(ctx, srv, params, 0)
}

// ClientInfo returns what clnt's server knows of its identity
// (ADMIN_PROC_CLIENT_GET_INFO, typed).
func (c *Conn) ClientInfo(ctx context.Context, clnt Client) (ClientInfo, error) {
	params, err := c.ClientGetInfo(ctx, clnt, 0)
	if err != nil {
		return ClientInfo{}, err
	}
	info := ClientInfo{UnixUserID: -1, UnixGroupID: -1, UnixProcessID: -1, Params: params}
	strs := map[string]*string{
		ClientInfoSocketAddr:            &info.SocketAddr,
		ClientInfoSASLUserName:          &info.SASLUserName,
		ClientInfoX509DistinguishedName: &info.X509DName,
		ClientInfoUnixUserName:          &info.UnixUserName,
		ClientInfoUnixGroupName:         &info.UnixGroupName,
		ClientInfoSelinuxContext:        &info.SELinuxContext,
	}
	ints := map[string]*int32{
		ClientInfoUnixUserID:    &info.UnixUserID,
		ClientInfoUnixGroupID:   &info.UnixGroupID,
		ClientInfoUnixProcessID: &info.UnixProcessID,
	}
	for _, p := range params {
		switch {
		case p.Field == ClientInfoReadonly:
			if err := want(p, virtwire.TypedParamBoolean, "client info"); err != nil {
				return ClientInfo{}, err
			}
			info.Readonly = p.Value.B != 0
		case strs[p.Field] != nil:
			if err := want(p, virtwire.TypedParamString, "client info"); err != nil {
				return ClientInfo{}, err
			}
			*strs[p.Field] = p.Value.S
		case ints[p.Field] != nil:
			if err := want(p, virtwire.TypedParamInt, "client info"); err != nil {
				return ClientInfo{}, err
			}
			*ints[p.Field] = p.Value.I
		}
	}
	return info, nil
}

// Name returns the transport's name as virt-admin prints it: unix, tcp,
// tls, or unknown.
func (t ClientTransport) Name() string {
	switch t {
	case ClientTransUnix:
		return "unix"
	case ClientTransTCP:
		return "tcp"
	case ClientTransTLS:
		return "tls"
	}
	return "unknown"
}

// want checks that a typed parameter the daemon sent has the type its
// name calls for.
func want(p TypedParam, t virtwire.TypedParameterType, what string) error {
	if got := virtwire.TypedParameterType(p.Value.Type); got != t {
		return fmt.Errorf("admin: %s parameter %q: %w: the daemon sent a %s, want a %s", what, p.Field, virtwire.ErrProtocol, got, t)
	}
	return nil
}

// decodeUints sets the fields named in dst from params, which must be
// unsigned ints; parameters of other names (a newer daemon's) are left
// out.
func decodeUints(params []TypedParam, what string, dst map[string]*uint32) error {
	for _, p := range params {
		f, ok := dst[p.Field]
		if !ok {
			continue
		}
		if err := want(p, virtwire.TypedParamUint, what); err != nil {
			return err
		}
		*f = p.Value.Ui
	}
	return nil
}

type namedUint struct {
	name string
	v    *uint32
}

// uintParams makes unsigned-int typed parameters of the values that are set.
func uintParams(vs []namedUint) []TypedParam {
	params := []TypedParam{}
	for _, v := range vs {
		if v.v != nil {
			params = append(params, TypedParam{Field: v.name, Value: wire.TypedParamValue{Type: int32(virtwire.TypedParamUint), Ui: *v.v}})
		}
	}
	return params
}

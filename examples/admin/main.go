// Command admin prints what virt-admin prints for a daemon's admin server,
// in virt-admin's layout, over virtwire's admin package:
//
//	admin [-c URI] srv-list
//	admin [-c URI] srv-threadpool-info SERVER
//	admin [-c URI] srv-clients-list SERVER
//	admin [-c URI] dmn-log-filters
//
// virt-admin's long names (server-list, server-threadpool-info,
// client-list, daemon-log-filters) work too. URI is an admin URI as
// virt-admin takes it: libvirtd:///system, virtqemud:///system,
// virtproxyd:///session, ...?socket=PATH; without -c, as virt-admin,
// $LIBVIRT_ADMIN_DEFAULT_URI, then uri_default in libvirt-admin.conf, then
// libvirtd:///system (root) or libvirtd:///session.
package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/virtwire/virtwire/admin"
	"github.com/virtwire/virtwire/examples/internal/cli"
)

const usage = `usage:
  admin [-c URI] srv-list
  admin [-c URI] srv-threadpool-info SERVER
  admin [-c URI] srv-clients-list SERVER
  admin [-c URI] dmn-log-filters`

func main() { cli.Main("admin", run) }

// commands maps every accepted name (virt-admin's aliases and long names)
// to what it prints and how many arguments it takes.
var commands = map[string]struct {
	args int
	run  func(ctx context.Context, c *admin.Conn, args []string, w io.Writer) error
}{
	"srv-list":               {0, serverList},
	"server-list":            {0, serverList},
	"srv-threadpool-info":    {1, threadpoolInfo},
	"server-threadpool-info": {1, threadpoolInfo},
	"srv-clients-list":       {1, clientList},
	"client-list":            {1, clientList},
	"dmn-log-filters":        {0, logFilters},
	"daemon-log-filters":     {0, logFilters},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := cli.NewCommand("admin", usage, stderr)
	var uri string
	const help = "admin server `URI`, as virt-admin -c (default: $LIBVIRT_ADMIN_DEFAULT_URI or virt-admin's default)"
	cmd.StringVar(&uri, "c", "", help)
	cmd.StringVar(&uri, "connect", "", help)
	args, err := cmd.Parse(args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return cmd.Usagef("missing command")
	}
	c, ok := commands[args[0]]
	if !ok {
		return cmd.Usagef("unknown command %q", args[0])
	}
	if len(args)-1 != c.args {
		return cmd.Usagef("%s takes %d argument(s), got %d", args[0], c.args, len(args)-1)
	}
	conn, err := admin.Dial(ctx, uri)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := c.run(ctx, conn, args[1:], stdout); err != nil {
		return err
	}
	// virt-admin ends every command's output with an empty line.
	_, err = io.WriteString(stdout, "\n")
	return err
}

// serverList prints virt-admin srv-list: the servers, numbered.
func serverList(ctx context.Context, c *admin.Conn, _ []string, w io.Writer) error {
	servers, _, err := c.ConnectListServers(ctx, 1, 0)
	if err != nil {
		return fmt.Errorf("failed to obtain list of available servers: %w", err)
	}
	rows := [][]string{{"Id", "Name"}}
	for i, s := range servers {
		rows = append(rows, []string{strconv.Itoa(i), s.Name})
	}
	_, err = io.WriteString(w, cli.FormatTable(rows))
	return err
}

// threadpoolInfo prints virt-admin srv-threadpool-info: the pool's
// parameters in the daemon's order.
func threadpoolInfo(ctx context.Context, c *admin.Conn, args []string, w io.Writer) error {
	srv, err := c.ConnectLookupServer(ctx, args[0], 0)
	if err != nil {
		return err
	}
	params, err := c.ServerGetThreadpoolParameters(ctx, srv, 0)
	if err != nil {
		return fmt.Errorf("unable to get server workerpool parameters: %w", err)
	}
	for _, p := range params {
		if _, err := fmt.Fprintf(w, "%-15s: %d\n", p.Field, p.Value.Ui); err != nil {
			return err
		}
	}
	return nil
}

// clientList prints virt-admin srv-clients-list: each client's ID,
// transport and the local time it connected.
func clientList(ctx context.Context, c *admin.Conn, args []string, w io.Writer) error {
	srv, err := c.ConnectLookupServer(ctx, args[0], 0)
	if err != nil {
		return err
	}
	clients, _, err := c.ServerListClients(ctx, srv, 1, 0)
	if err != nil {
		return fmt.Errorf("failed to obtain list of connected clients from server %q: %w", srv.Name, err)
	}
	rows := [][]string{{"Id", "Transport", "Connected since"}}
	for _, cl := range clients {
		since := time.Unix(cl.Timestamp, 0).Local().Format("2006-01-02 15:04:05-0700")
		rows = append(rows, []string{strconv.FormatUint(cl.ID, 10), admin.ClientTransport(cl.Transport).Name(), since})
	}
	_, err = io.WriteString(w, cli.FormatTable(rows))
	return err
}

// logFilters prints virt-admin dmn-log-filters: the daemon's log filters.
func logFilters(ctx context.Context, c *admin.Conn, _ []string, w io.Writer) error {
	filters, _, err := c.ConnectGetLoggingFilters(ctx, 0)
	if err != nil {
		return fmt.Errorf("unable to get daemon logging filters information: %w", err)
	}
	s := ""
	if filters != nil {
		s = *filters
	}
	_, err = fmt.Fprintf(w, " %-15s%s\n", "Logging filters: ", s)
	return err
}

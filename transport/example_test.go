package transport_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/virtwire/virtwire/transport"
)

func ExampleParseURI() {
	u, err := transport.ParseURI("qemu+ssh://root@[2001:db8::7]:2222/system?keyfile=/root/.ssh/id_ed25519&foo=bar")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("transport:", u.EffectiveTransport())
	fmt.Println("host:", u.Host, "port:", u.Port, "user:", u.User)
	fmt.Println("key file:", u.KeyFile())
	fmt.Println("remote name:", u.RemoteName())
	fmt.Println("string:", u)

	_, err = transport.ParseURI("qemu+tls://h/system?no_verify=yes")
	fmt.Println(err)
	// Output:
	// transport: ssh
	// host: 2001:db8::7 port: 2222 user: root
	// key file: /root/.ssh/id_ed25519
	// remote name: qemu:///system?foo=bar
	// string: qemu+ssh://root@[2001:db8::7]:2222/system?keyfile=/root/.ssh/id_ed25519&foo=bar
	// invalid libvirt URI "qemu+tls://h/system?no_verify=yes": parameter no_verify="yes": want an integer (0 or 1)
}

func ExampleDial() {
	// A stand-in for libvirtd's socket, so that the example runs anywhere.
	dir, err := os.MkdirTemp("", "virtwire-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "libvirt-sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()

	u, err := transport.ParseURI("qemu+unix:///system?socket=" + sock)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := transport.Dial(ctx, u, &transport.Config{ReadOnly: true})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	// The caller now speaks libvirt's RPC protocol over conn, opening the
	// connection with CONNECT_OPEN and this name:
	fmt.Println(u.RemoteName())
	_, isUnix := conn.(*net.UnixConn)
	fmt.Println("unix conn:", isUnix)
	// Output:
	// qemu:///system
	// unix conn: true
}

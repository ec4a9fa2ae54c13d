//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net/url"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL
)

// A client is one Go library under test, reduced to the calls the
// scenarios make. Handles (a domain, a volume) are looked up by the
// prepare methods, outside the measured loops.
type client interface {
	libVersion(ctx context.Context) error
	lookup(ctx context.Context, name string) error
	listAll(ctx context.Context) (int, error)
	allStats(ctx context.Context) (int, error)
	prepareDomain(ctx context.Context, name string) error
	xmlDesc(ctx context.Context) (string, error)
	prepareVolume(ctx context.Context, pool, vol string) error
	download(ctx context.Context, w io.Writer) error
	upload(ctx context.Context, r io.Reader, n int64) error
	close() error
}

func dial(ctx context.Context, name, uri string) (client, error) {
	switch name {
	case "virtwire":
		c, err := virtwire.Dial(ctx, uri)
		if err != nil {
			return nil, err
		}
		return &vwClient{c: c}, nil
	case "go-libvirt":
		return dialGoLibvirt(uri)
	}
	return nil, fmt.Errorf("unknown client %q (want virtwire or go-libvirt)", name)
}

type vwClient struct {
	c   *virtwire.Conn
	dom virtwire.Domain
	vol virtwire.StorageVol
}

func (v *vwClient) libVersion(ctx context.Context) error {
	_, err := v.c.ConnectGetLibVersion(ctx)
	return err
}

func (v *vwClient) lookup(ctx context.Context, name string) error {
	_, err := v.c.DomainLookupByName(ctx, name)
	return err
}

func (v *vwClient) listAll(ctx context.Context) (int, error) {
	doms, _, err := v.c.ConnectListAllDomains(ctx, 1, 0)
	return len(doms), err
}

func (v *vwClient) allStats(ctx context.Context) (int, error) {
	recs, err := v.c.ConnectGetAllDomainStats(ctx, nil, 0, virtwire.ConnectGetAllDomainsStatsActive)
	return len(recs), err
}

func (v *vwClient) prepareDomain(ctx context.Context, name string) (err error) {
	v.dom, err = v.c.DomainLookupByName(ctx, name)
	return err
}

func (v *vwClient) xmlDesc(ctx context.Context) (string, error) {
	return v.c.DomainGetXMLDesc(ctx, v.dom, 0)
}

func (v *vwClient) prepareVolume(ctx context.Context, pool, vol string) error {
	p, err := v.c.StoragePoolLookupByName(ctx, pool)
	if err != nil {
		return err
	}
	v.vol, err = v.c.StorageVolLookupByName(ctx, p, vol)
	return err
}

func (v *vwClient) download(ctx context.Context, w io.Writer) error {
	s, err := v.c.StorageVolDownload(ctx, v.vol, 0, 0, 0)
	if err != nil {
		return err
	}
	if _, err := s.WriteTo(w); err != nil {
		s.Abort()
		return err
	}
	return s.Close()
}

func (v *vwClient) upload(ctx context.Context, r io.Reader, n int64) error {
	s, err := v.c.StorageVolUpload(ctx, v.vol, 0, uint64(n), 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(s, r); err != nil {
		s.Abort()
		return err
	}
	return s.Close()
}

func (v *vwClient) close() error { return v.c.Close() }

type glClient struct {
	l   *libvirt.Libvirt
	dom libvirt.Domain
	vol libvirt.StorageVol
}

// dialGoLibvirt connects go-libvirt to uri with its own URI support
// (libvirt.ConnectToURI picks the dialer and sends the driver URI).
func dialGoLibvirt(uri string) (client, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, err
	}
	l, err := libvirt.ConnectToURI(u)
	if err != nil {
		return nil, fmt.Errorf("go-libvirt: %w", err)
	}
	return &glClient{l: l}, nil
}

func (g *glClient) libVersion(context.Context) error {
	_, err := g.l.ConnectGetLibVersion()
	return err
}

func (g *glClient) lookup(_ context.Context, name string) error {
	_, err := g.l.DomainLookupByName(name)
	return err
}

func (g *glClient) listAll(context.Context) (int, error) {
	doms, _, err := g.l.ConnectListAllDomains(1, 0)
	return len(doms), err
}

func (g *glClient) allStats(context.Context) (int, error) {
	recs, err := g.l.ConnectGetAllDomainStats(nil, 0, uint32(libvirt.ConnectGetAllDomainsStatsActive))
	return len(recs), err
}

func (g *glClient) prepareDomain(_ context.Context, name string) (err error) {
	g.dom, err = g.l.DomainLookupByName(name)
	return err
}

func (g *glClient) xmlDesc(context.Context) (string, error) {
	return g.l.DomainGetXMLDesc(g.dom, 0)
}

func (g *glClient) prepareVolume(_ context.Context, pool, vol string) error {
	p, err := g.l.StoragePoolLookupByName(pool)
	if err != nil {
		return err
	}
	g.vol, err = g.l.StorageVolLookupByName(p, vol)
	return err
}

func (g *glClient) download(_ context.Context, w io.Writer) error {
	return g.l.StorageVolDownload(g.vol, w, 0, 0, 0)
}

func (g *glClient) upload(_ context.Context, r io.Reader, n int64) error {
	return g.l.StorageVolUpload(g.vol, r, 0, uint64(n), 0)
}

func (g *glClient) close() error { return g.l.Disconnect() }

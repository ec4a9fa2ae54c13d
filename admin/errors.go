package admin

import "github.com/virtwire/virtwire"

// Error is an error the daemon reports (libvirt's virError): the root
// package's type, so that one errors.As serves both packages, and every
// virtwire.ErrorNumber is a sentinel (errors.Is(err, virtwire.ErrNoServer),
// virtwire.ErrNoClient, virtwire.ErrInvalidArg...).
type Error = virtwire.Error

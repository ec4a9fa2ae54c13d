// Package sasl adds SASL authentication to virtwire.Dial: importing it
// links the SCRAM-SHA-512, SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN mechanisms
// (github.com/xdg-go/scram and its stringprep tables), which a program
// that dials no daemon asking for SASL need not carry.
//
//	import _ "github.com/virtwire/virtwire/sasl"
//
//	conn, err := virtwire.Dial(ctx, "qemu+tls://host/system", virtwire.WithSASL(user, password))
//
// Without it, Dial to a daemon that asks for SASL fails with an error
// wrapping virtwire.ErrNotLinked that names this package. What may run on
// which channel is virtwire's WithSASLMechanisms and WithInsecureSASL.
package sasl

import _ "github.com/virtwire/virtwire/internal/sasl" // registers the mechanisms

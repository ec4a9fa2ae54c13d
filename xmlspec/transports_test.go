package xmlspec_test

// The lab's daemons are reached over every transport and with SASL: the
// tests link them all, as a program that accepts any URI does.
import _ "github.com/virtwire/virtwire/all"

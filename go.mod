module github.com/virtwire/virtwire

go 1.23

require (
	github.com/davecgh/go-xdr v0.0.0-20161123171359-e6a2ba005892
	github.com/google/go-cmp v0.7.0
)

require go.uber.org/goleak v1.3.0 // indirect

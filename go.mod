module github.com/virtwire/virtwire

go 1.23

package main

import (
	"testing"

	"go.uber.org/goleak"
)

// The server, its connection and its requests leave no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

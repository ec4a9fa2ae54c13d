package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Every run closes its connection: no goroutine outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

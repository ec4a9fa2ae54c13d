//go:build !unix

package engine

import "errors"

var oobSpace = 0

func (fc *fdCollector) collect(oob []byte) {}

func closeFDs([]int) {}

func dupFDs(fds []uintptr) ([]int, error) {
	return nil, errors.New("virtwire: file descriptors cannot be passed on this system")
}

func rights(fd int) []byte { return nil }

package lab

import (
	"flag"
	"fmt"
	"os"
)

// PointExamples sets the environment variable env to the URI that uri picks
// from the running lab, so that a package's runnable examples dial it as a
// user's program would (with an empty URI). Call it from TestMain after
// flag.Parse. Without a lab, outside CI and when no -run is given, it leaves
// the examples out (they cannot skip) and says so on standard error, naming
// pkg; under CI the examples run and fail instead.
func PointExamples(pkg, env string, uri func(*Lab) (string, error)) {
	l, err := running()
	var u string
	if err == nil {
		u, err = uri(l)
	}
	if err == nil {
		os.Setenv(env, u)
		return
	}
	if os.Getenv("CI") == "" && flag.Lookup("test.run").Value.String() == "" {
		fmt.Fprintf(os.Stderr, "%s: %v: examples not run\n", pkg, err)
		flag.Set("test.run", "^Test")
	}
}

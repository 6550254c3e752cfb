package main

import (
	"os"
	"testing"
)

// asCommandEnv, set to 1, makes this test binary run as the noctuary command
// itself (its arguments are the command's): the crash tests start it as a
// child process to kill, instead of building ./cmd/noctuary, which on a
// fresh machine compiles every dependency a second time without -race.
const asCommandEnv = "NOCTUARY_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommandEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

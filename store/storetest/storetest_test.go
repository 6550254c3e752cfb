package storetest

import (
	"net"
	"strconv"
	"testing"
)

// TestLaunchRefusesAnotherServersPort: a redis-server started on a port
// another one already serves cannot bind and exits; the other's PONG must
// not pass for it.
func TestLaunchRefusesAnotherServersPort(t *testing.T) {
	first := StartRedis(t)
	_, p, _ := net.SplitHostPort(first.Addr)
	port, _ := strconv.Atoi(p)
	second, err := launch(redisServer(t), port, plainArgs(port))
	if err == nil {
		second.Stop()
		t.Fatalf("launch on %s, served by another redis-server, succeeded", first.Addr)
	}
	if err := first.ours(); err != nil {
		t.Errorf("the first server: %v", err)
	}
}

package storetest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// SentinelMaster is the name under which StartSentinel's sentinel watches
// its master.
const SentinelMaster = "noctuary-master"

// Sentinel is a redis-server master watched by one Redis Sentinel, both on
// 127.0.0.1 without persistence.
type Sentinel struct {
	// URL is the sentinel's redis:// URL, for go-redis' failover client
	// (store.RedisSentinel, with SentinelMaster).
	URL string
	// Master is the master the sentinel watches.
	Master *Server
	// Sentinel is the sentinel process.
	Sentinel *Server
}

// StartSentinel starts a master and a sentinel watching it (quorum 1) on
// free ports of 127.0.0.1; both are stopped when the test ends.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	s := &Sentinel{Master: StartRedis(t)}
	dir := t.TempDir()
	s.Sentinel = startWith(t, func(port int) ([]string, error) {
		// The sentinel rewrites its configuration file: one per attempt.
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
		_, masterPort, _ := net.SplitHostPort(s.Master.Addr)
		text := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s 1\nsentinel down-after-milliseconds %[1]s 5000\n",
			SentinelMaster, masterPort)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return nil, err
		}
		return append([]string{conf, "--sentinel"}, portArgs(port)...), nil
	})
	t.Cleanup(s.Sentinel.Stop)
	s.URL = "redis://" + s.Sentinel.Addr
	return s
}

package storetest

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name under which StartSentinel's sentinel watches
// its master.
const SentinelMaster = "noctuary-master"

// Sentinel is a redis-server master and its replica, watched by one Redis
// Sentinel, all on 127.0.0.1 without persistence.
type Sentinel struct {
	// URL is the sentinel's redis:// URL, for go-redis' failover client
	// (store.RedisSentinel, with SentinelMaster).
	URL string
	// Master is the master the sentinel watches at the start.
	Master *Server
	// Replica replicates Master: a failover promotes it.
	Replica *Server
	// Sentinel is the sentinel process.
	Sentinel *Server
}

// StartSentinel starts a master, its replica (in sync) and a sentinel
// watching them (quorum 1) on free ports of 127.0.0.1; all are stopped when
// the test ends.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	s := &Sentinel{Master: StartRedis(t)}
	_, masterPort, _ := net.SplitHostPort(s.Master.Addr)
	dir := t.TempDir() // the replica's copy of the master's data, the sentinel's configuration
	s.Replica = startWith(t, func(port int) ([]string, error) {
		return append(plainArgs(port), "--replicaof", "127.0.0.1", masterPort, "--dir", dir), nil
	})
	t.Cleanup(s.Replica.Stop)
	if err := waitInSync(s.Replica.Addr); err != nil {
		t.Fatal(err)
	}
	s.Sentinel = startWith(t, func(port int) ([]string, error) {
		// The sentinel rewrites its configuration file: one per attempt.
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
		text := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s 1\nsentinel down-after-milliseconds %[1]s 5000\n",
			SentinelMaster, masterPort)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return nil, err
		}
		return append([]string{conf, "--sentinel"}, portArgs(port)...), nil
	})
	t.Cleanup(s.Sentinel.Stop)
	s.URL = "redis://" + s.Sentinel.Addr
	if err := s.waitReplicaKnown(); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitReplicaKnown waits until the sentinel sees the replica, linked to its
// master: from then on SENTINEL FAILOVER can promote it.
func (s *Sentinel) waitReplicaKnown() error {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinel.Addr})
	defer sc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		replicas, err := sc.Replicas(ctx, SentinelMaster).Result()
		for _, r := range replicas {
			if r["flags"] == "slave" && r["master-link-status"] == "ok" && r["ip"]+":"+r["port"] == s.Replica.Addr {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the sentinel does not see the replica %s: %v", s.Replica.Addr, cmp.Or(err, ctx.Err()))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitInSync waits until the replica at addr has synchronised with its
// master (master_link_status:up), so that a sentinel finds it at once.
func waitInSync(addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		info, err := rdb.Info(ctx, "replication").Result()
		if err == nil && strings.Contains(info, "master_link_status:up") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the replica %s did not synchronise with its master: %v", addr, cmp.Or(err, ctx.Err()))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

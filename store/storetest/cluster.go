package storetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterMasters is how many masters a test cluster has.
const clusterMasters = 3

// Cluster is a Redis Cluster of three masters on 127.0.0.1, without
// replicas or persistence, made by redis-cli --cluster create.
type Cluster struct {
	// URL is go-redis' cluster URL of the three masters:
	// redis://a?addr=b&addr=c.
	URL string
	// Masters are the masters' servers, whose Addr a test may dial.
	Masters []*Server

	dir string
}

// StartCluster starts a three-master Redis Cluster on free ports of
// 127.0.0.1 and waits until every master says cluster_state:ok; it is
// stopped when the test ends. It takes a few seconds (redis-cli waits for
// the nodes to agree): a package that needs many clusters borrows them
// (LendCluster, Open's kind "cluster").
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c := startCluster(t)
	t.Cleanup(c.Stop)
	return c
}

func startCluster(t testing.TB) *Cluster {
	t.Helper()
	cli := redisTool(t, "redis-cli")
	dir, err := os.MkdirTemp("", "noctuary-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{dir: dir}
	for i := range clusterMasters {
		c.Masters = append(c.Masters, startWith(t, func(port int) ([]string, error) {
			bus, err := freePort()
			if err != nil {
				return nil, err
			}
			return append(plainArgs(port), "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(bus),
				"--cluster-config-file", fmt.Sprintf("nodes-%d-%d.conf", i, port), "--dir", dir), nil
		}))
	}
	addrs := make([]string, len(c.Masters))
	for i, m := range c.Masters {
		addrs[i] = m.Addr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := slices.Concat([]string{"--cluster", "create"}, addrs, []string{"--cluster-replicas", "0", "--cluster-yes"})
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		c.Stop()
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.waitOK(ctx); err != nil {
		c.Stop()
		t.Fatal(err)
	}
	c.URL = "redis://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
	return c
}

// waitOK waits until every master reports cluster_state:ok and knows all
// the masters, so that whichever one a client asks maps every slot.
func (c *Cluster) waitOK(ctx context.Context) error {
	ready := "cluster_known_nodes:" + strconv.Itoa(clusterMasters)
	return c.eachMaster(func(m *Server, rdb *redis.Client) error {
		for {
			text, err := rdb.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(text, "cluster_state:ok") && strings.Contains(text, ready) {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("the cluster's master %s is not ready: %w", m.Addr, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}

// eachMaster calls fn with each master and a plain client of it, until fn
// fails.
func (c *Cluster) eachMaster(fn func(*Server, *redis.Client) error) error {
	for _, m := range c.Masters {
		rdb := redis.NewClient(&redis.Options{Addr: m.Addr})
		err := fn(m, rdb)
		_ = rdb.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// DBSizes returns how many keys each master holds (DBSIZE), in the order
// of Masters.
func (c *Cluster) DBSizes(ctx context.Context) ([]int64, error) {
	var out []int64
	err := c.eachMaster(func(_ *Server, rdb *redis.Client) error {
		n, err := rdb.DBSize(ctx).Result()
		out = append(out, n)
		return err
	})
	return out, err
}

// Stop kills the masters and deletes their files. It is safe to call more
// than once.
func (c *Cluster) Stop() {
	for _, m := range c.Masters {
		m.Stop()
	}
	_ = os.RemoveAll(c.dir)
}

// flush empties every master (FLUSHALL), for the next test.
func (c *Cluster) flush(ctx context.Context) error {
	return c.eachMaster(func(_ *Server, rdb *redis.Client) error { return rdb.FlushAll(ctx).Err() })
}

// clusters are the clusters Open's kind "cluster" lends, one test at a
// time: starting one takes seconds, emptying one milliseconds.
var clusters struct {
	mu   sync.Mutex
	free []*Cluster
	all  []*Cluster
}

// LendCluster lends an empty cluster to t until it ends (then empties it
// for the next test), starting one when none is free. The package calls
// StopClusters from TestMain.
func LendCluster(t testing.TB) *Cluster {
	t.Helper()
	clusters.mu.Lock()
	var c *Cluster
	if n := len(clusters.free); n > 0 {
		c, clusters.free = clusters.free[n-1], clusters.free[:n-1]
	}
	clusters.mu.Unlock()
	if c == nil {
		c = startCluster(t)
		clusters.mu.Lock()
		clusters.all = append(clusters.all, c)
		clusters.mu.Unlock()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.flush(ctx); err != nil {
			c.Stop() // not lent again
			return
		}
		clusters.mu.Lock()
		clusters.free = append(clusters.free, c)
		clusters.mu.Unlock()
	})
	return c
}

// StopClusters stops the clusters that Open's kind "cluster" started. A
// package whose tests use that kind calls it from TestMain, after m.Run.
func StopClusters() {
	clusters.mu.Lock()
	defer clusters.mu.Unlock()
	for _, c := range clusters.all {
		c.Stop()
	}
	clusters.all, clusters.free = nil, nil
}

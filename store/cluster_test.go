package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// On a three-master cluster, the keys of many services spread over every
// master; one batch and one window span them all (pipelines split by node);
// and a master that lost its scripts (SCRIPT FLUSH, a failover) gets them
// again: the batch is stored once.
func TestClusterSpreadsServices(t *testing.T) {
	ctx := context.Background()
	c := storetest.LendCluster(t)
	clk := storetest.NewClock(t0)
	s, err := store.Open(ctx, c.URL, store.Options{RedisMode: store.RedisCluster, Now: clk.Now, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const services = 30
	var svcs []string
	var evs []noctuary.ContextEvent
	for i := range services {
		svc := fmt.Sprintf("svc-%02d", i)
		svcs = append(svcs, svc)
		evs = append(evs, event(svc, "deploy-"+svc, "deploy", t0.Add(-time.Minute)), event(svc, "", "oom", t0.Add(-time.Second)))
	}
	for i := range c.Masters {
		rdb := redis.NewClient(&redis.Options{Addr: c.Masters[i].Addr})
		if err := rdb.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		_ = rdb.Close()
	}
	if acc, dup, err := s.AddEvents(ctx, evs); acc != len(evs) || dup != 0 || err != nil {
		t.Fatalf("AddEvents after SCRIPT FLUSH = %d, %d, %v; want %d, 0", acc, dup, err, len(evs))
	}
	if acc, dup, err := s.AddEvents(ctx, evs[:2]); acc != 1 || dup != 1 || err != nil { // the one with an id is a duplicate
		t.Fatalf("AddEvents again = %d, %d, %v; want 1, 1", acc, dup, err)
	}
	got, err := s.EventsInWindow(ctx, svcs, t0.Add(-time.Hour), t0)
	if err != nil || len(got) != len(evs)+1 {
		t.Fatalf("window of %d services: %d events, %v; want %d", services, len(got), err, len(evs)+1)
	}
	if !slices.IsSortedFunc(got, func(a, b noctuary.ContextEvent) int { return a.OccurredAt.Compare(b.OccurredAt) }) {
		t.Error("the window across masters is not sorted by time")
	}
	sizes, err := c.DBSizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range sizes {
		// Each service has 3 event keys; 30 services over 3 masters leave
		// none empty unless the keys share a slot.
		if n < 3 {
			t.Errorf("master %d holds %d keys (%v): the services' keys do not spread", i, n, sizes)
		}
	}
}

// Through Sentinel, the store finds the master by its name, works as on
// one Redis, and follows a failover to the promoted replica without being
// reopened: what was written before is there, writes go on.
func TestSentinelMode(t *testing.T) {
	ctx := context.Background()
	sen := storetest.StartSentinel(t)
	s, err := store.Open(ctx, sen.URL, store.Options{RedisMode: store.RedisSentinel, SentinelMaster: storetest.SentinelMaster, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Now()
	if acc, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", "before", "deploy", at)}); acc != 1 || err != nil {
		t.Fatalf("AddEvents through Sentinel = %d, %v", acc, err)
	}
	master := redis.NewClient(&redis.Options{Addr: sen.Master.Addr})
	defer master.Close()
	if n := master.Exists(ctx, "noctuary:v2:events:{checkout}", "noctuary:schema").Val(); n != 2 {
		t.Errorf("the master holds %d of the events and the schema version, want both", n)
	}
	if n := master.Wait(ctx, 1, 5*time.Second).Val(); n != 1 {
		t.Fatalf("the replica did not acknowledge the writes (WAIT = %d)", n)
	}

	sentinel := redis.NewSentinelClient(&redis.Options{Addr: sen.Sentinel.Addr})
	defer sentinel.Close()
	if err := sentinel.Failover(ctx, storetest.SentinelMaster).Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	promoted := func() bool {
		addr := sentinel.GetMasterAddrByName(ctx, storetest.SentinelMaster).Val()
		return len(addr) == 2 && "127.0.0.1:"+addr[1] == sen.Replica.Addr
	}
	for deadline := time.Now().Add(15 * time.Second); !promoted() && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
	}
	if !promoted() {
		t.Fatal("the sentinel did not promote the replica within 15s")
	}
	// Writes until one lands on the promoted replica: go-redis learns of the
	// switch a moment after the sentinel (Sentinel's failover is
	// asynchronous: writes to the old master in between are lost when it
	// becomes a replica).
	newMaster := redis.NewClient(&redis.Options{Addr: sen.Replica.Addr})
	defer newMaster.Close()
	landed := false
	for i, deadline := 0, time.Now().Add(15*time.Second); !landed && time.Now().Before(deadline); i++ {
		if _, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", fmt.Sprint("after-", i), "deploy", at)}); err == nil {
			landed = newMaster.ZCard(ctx, "noctuary:v2:events:{checkout}").Val() >= 2
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !landed {
		t.Fatal("no write reached the promoted replica within 15s of the failover")
	}
	got, err := s.EventsInWindow(ctx, []string{"checkout"}, at.Add(-time.Minute), at.Add(time.Minute))
	if err != nil || !slices.ContainsFunc(got, func(ev noctuary.ContextEvent) bool { return ev.ID == "before" }) {
		t.Errorf("after the failover the window holds %v (%v), want the event written before it", got, err)
	}

	_, err = store.Open(ctx, sen.URL, store.Options{RedisMode: store.RedisSentinel, SentinelMaster: "nobody", Logger: discard()})
	if noctuary.ErrorCode(err) != noctuary.EUnavailable {
		t.Errorf("a master the sentinel does not know: %v, want unavailable", err)
	}
}

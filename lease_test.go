package noctuary_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// KeepLease renews until the lease is reported lost, reports each failed
// renewal, goes on after an error, and stop waits for the renewals to end.
func TestKeepLeaseStopsWhenLost(t *testing.T) {
	answers := []error{nil, errors.New("redis down"), nil}
	var renewals, failures int
	lost := make(chan bool, 1)
	stop := noctuary.KeepLease(context.Background(), time.Millisecond, func(context.Context) (bool, error) {
		renewals++
		if renewals > len(answers) {
			return false, nil
		}
		return answers[renewals-1] == nil, answers[renewals-1]
	}, func(held bool, err error) {
		failures++
		if err == nil && !held {
			lost <- true
		}
	})
	select {
	case <-lost:
	case <-time.After(10 * time.Second):
		t.Fatal("the lost lease was never reported")
	}
	stop()
	if renewals != 4 || failures != 2 {
		t.Fatalf("%d renewals, %d failures; want 4 and 2 (one error, then the loss)", renewals, failures)
	}
}

// A period of zero renews nothing, and stop returns at once.
func TestKeepLeaseZeroPeriod(t *testing.T) {
	stop := noctuary.KeepLease(context.Background(), 0, func(context.Context) (bool, error) {
		t.Error("renewed with no period")
		return true, nil
	}, func(bool, error) {})
	stop()
}

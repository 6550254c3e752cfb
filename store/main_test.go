package store_test

import (
	"os"
	"testing"

	"github.com/noctuary/noctuary/store/storetest"
)

// TestMain stops the Redis Clusters the tests of kind "cluster" shared.
func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopClusters()
	os.Exit(code)
}

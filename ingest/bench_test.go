package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// benchServer serves h on loopback and returns its URL and a keep-alive client.
func benchServer(b *testing.B, h http.Handler) (string, *http.Client) {
	b.Helper()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	return srv.URL, &http.Client{Transport: tr}
}

// benchIngest serves the ingest server over a real redis-server.
func benchIngest(b *testing.B) (string, *http.Client) {
	b.Helper()
	return benchIngestLimited(b, false)
}

// benchIngestLimited is benchIngest with, when limited, the ingest rate
// limit on as in production (one script call per request), at a rate the
// benchmark never reaches.
func benchIngestLimited(b *testing.B, limited bool) (string, *http.Client) {
	b.Helper()
	rs := storetest.StartRedis(b)
	st, err := store.Open(context.Background(), rs.URL, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	opt := serverOptions(st)
	if limited {
		opt.RateLimit = ingest.RateLimit{Limiter: st, PerSecond: 1 << 30, Burst: 1 << 30}
	}
	return benchServer(b, ingest.New(opt).Handler())
}

// post sends body and reports a failure unless the answer is 202.
func post(b *testing.B, client *http.Client, url, contentType string, body []byte) bool {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return false
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+tokenAll)
	res, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		b.Errorf("status %d", res.StatusCode)
		return false
	}
	return true
}

// runParallel posts body() from 4 goroutines per CPU and reports events/s.
func runParallel(b *testing.B, client *http.Client, url, contentType string, perRequest int, body func() []byte) {
	runClients(b, 4, client, url, contentType, perRequest, body)
}

// singleClients are the numbers of goroutines per CPU that post single
// events: 4 (8 clients on 2 CPUs) leaves a request's Redis round trip
// unhidden, the process using about one CPU of two; 32 (64 clients)
// saturates the CPUs, so that the ratio to bare Gin compares cost, as a
// server with many senders sees it.
var singleClients = []int{4, 32}

// runSingle runs one sub-benchmark of single-event requests per
// singleClients, named by its number of clients.
func runSingle(b *testing.B, url string, client *http.Client) {
	body := singleEvent()
	for _, per := range singleClients {
		b.Run(fmt.Sprintf("clients=%d", per*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			runClients(b, per, client, url+"/v1/events", "application/json", 1, func() []byte { return body })
		})
	}
}

// runClients posts body() from per goroutines per CPU and reports events/s.
func runClients(b *testing.B, per int, client *http.Client, url, contentType string, perRequest int, body func() []byte) {
	b.SetParallelism(per)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !post(b, client, url, contentType, body()) {
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*perRequest)/b.Elapsed().Seconds(), "events/s")
}

func singleEvent() []byte {
	return []byte(`{"service":"checkout","kind":"deploy","source":"argocd","occurred_at":"` +
		time.Now().UTC().Format(time.RFC3339) + `","summary":"checkout rolled out sha=a4f2c1","attributes":{"sha":"a4f2c1","previous_sha":"f8b3e22"},"link":"https://argocd.example/applications/checkout"}`)
}

func BenchmarkSingleEvent(b *testing.B) {
	url, client := benchIngest(b)
	runSingle(b, url, client)
}

// BenchmarkSingleEventRateLimited is BenchmarkSingleEvent with the rate
// limit on, as it is by default in production.
func BenchmarkSingleEventRateLimited(b *testing.B) {
	url, client := benchIngestLimited(b, true)
	runSingle(b, url, client)
}

// BenchmarkBareGinDecode is the yardstick of BenchmarkSingleEvent: a bare Gin
// handler that only decodes the same request.
func BenchmarkBareGinDecode(b *testing.B) {
	runBareGin(b, func(context.Context) error { return nil })
}

// BenchmarkBareGinPing is BenchmarkBareGinDecode waiting, before it answers,
// for one Redis PING through go-redis: the floor of any handler that
// answers only once Redis has answered (docs/performance.md).
func BenchmarkBareGinPing(b *testing.B) {
	rs := storetest.StartRedis(b)
	opt, err := redis.ParseURL(rs.URL)
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	b.Cleanup(func() { _ = rdb.Close() })
	runBareGin(b, func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
}

// runBareGin runs runSingle against a bare Gin handler that decodes the
// event, then calls wait before it answers 202.
func runBareGin(b *testing.B, wait func(context.Context) error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/v1/events", func(c *gin.Context) {
		var ev noctuary.ContextEvent
		if err := json.NewDecoder(c.Request.Body).Decode(&ev); err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		if err := wait(c.Request.Context()); err != nil {
			c.Status(http.StatusServiceUnavailable)
			return
		}
		c.Data(http.StatusAccepted, "application/json", []byte(`{"accepted":1,"duplicates":0}`))
	})
	url, client := benchServer(b, e)
	runSingle(b, url, client)
}

const batchSize = 500

// batchLines returns batchSize NDJSON events, with ids "<prefix>-<i>" when
// prefix is not empty.
func batchLines(prefix string) []byte {
	ev := strings.TrimPrefix(string(singleEvent()), "{")
	var buf bytes.Buffer
	for i := range batchSize {
		buf.WriteByte('{')
		if prefix != "" {
			buf.WriteString(`"id":"` + prefix + "-" + strconv.Itoa(i) + `",`)
		}
		buf.WriteString(ev)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func BenchmarkBatch500NoID(b *testing.B) {
	url, client := benchIngest(b)
	body := batchLines("")
	runParallel(b, client, url+"/v1/events", "application/x-ndjson", batchSize, func() []byte { return body })
}

func BenchmarkBatch500WithID(b *testing.B) {
	url, client := benchIngest(b)
	var n atomic.Int64
	runParallel(b, client, url+"/v1/events", "application/x-ndjson", batchSize, func() []byte {
		return batchLines("b" + strconv.FormatInt(n.Add(1), 10))
	})
}

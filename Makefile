# Noctuary — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)

# The demo environment of `make run`: embedded store, example config, dry run
# (no PagerDuty token: notes go to the log and to GET /api/v1/incidents/{id}).
DEMO_ENV = NOCTUARY_CONFIG=examples/noctuary.yaml \
           NOCTUARY_PAGERDUTY_WEBHOOK_SECRET=demo-webhook-secret \
           NOCTUARY_ADMIN_TOKEN=demo-admin-token \
           NOCTUARY_INGEST_TOKENS=demo-ingest-token \
           DEMO_ACTION_SECRET=demo-action-secret \
           NOCTUARY_MASTER_KEY=ZGVtby1tYXN0ZXIta2V5LW5vdC1mb3ItcHJvZC11c2U=

.PHONY: run test test-calendar test-watcher test-deployments vet fmt-check build release bench load demo fuzz clean eval eval-record screenshots

run: ## serve on the embedded store with the example config
	@echo "Dashboard: http://localhost:8080/  (sign in with the demo admin token: demo-admin-token)"
	$(DEMO_ENV) $(GO) run ./cmd/noctuary serve

screenshots: ## save the dashboard's pages, desktop and phone width, under docs/screenshots/ (needs chromium)
	NOCTUARY_SCREENSHOTS=1 $(GO) test -count=1 -run 'TestDashboardBrowser' ./cmd/noctuary

demo: ## post the demo scenario to a running `make run` and print the note
	$(DEMO_ENV) $(GO) run ./cmd/noctuary demo

# The end-to-end tests of cmd/noctuary each start their own redis-server,
# fakes and Main, and mostly wait (for a budget, a lease, a shutdown), so
# they run in parallel (t.Parallel), four at a time on any machine rather
# than GOMAXPROCS (2 on CI). Those that set environment variables run alone
# first.
TEST_PARALLEL ?= 4
test: vet fmt-check ## vet, gofmt check, every test with the race detector, the calendar guard, then the watcher and deployments modules
	$(GO) test -race -count=1 -parallel $(TEST_PARALLEL) -timeout 9m $(PKGS)
	$(MAKE) --no-print-directory test-calendar
	$(MAKE) --no-print-directory test-watcher
	$(MAKE) --no-print-directory test-deployments

# The calendar guard: the packages whose fixtures start at a fixed date
# (storetest.Epoch) run again as if a year had passed since, against Redis'
# real clock. A test that only passes near its fixture date fails here.
CALENDAR_PKGS ?= ./store/... ./admin/... ./bot/... ./approvals/... ./deployments/argocd/...
test-calendar:
	NOCTUARY_TEST_CLOCK_SHIFT=-8760h $(GO) test -race -count=1 -timeout 5m $(CALENDAR_PKGS)

# The Kubernetes watcher is a Go module of its own (client-go stays out of
# the server's binary); ./... above does not reach it. go test runs the full
# vet (-vet=all) on the race build it compiles anyway: a separate `go vet`
# would compile client-go a second time, without -race, for nothing.
WATCHER ?= cmd/watch-kubernetes
test-watcher:
	cd $(WATCHER) && $(GO) test -race -vet=all -count=1 -timeout 5m ./...

# The checks of deployments/ (Dockerfile, compose, kustomize overlays decoded
# into Kubernetes' types, alert rules, dashboard) are a module of their own:
# kustomize, k8s.io/api and Prometheus' rule parser stay out of the server's.
# No -race: these tests run nothing concurrently, and instrumenting those
# dependencies for the race detector would only lengthen their cold compile;
# the full vet runs inside go test (-vet=all), as for the watcher. Cold
# (empty GOCACHE) it compiles in 198 s user + 77 s system CPU (2026-12-02,
# 2 cores at load 20-25: 15 min wall), about 2.5 min on an idle 2-core machine.
test-deployments:
	cd deployments/check && $(GO) test -vet=all -count=1 -timeout 5m ./...

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

build:
	$(GO) build -ldflags "-X main.buildVersion=$(VERSION)" -o bin/noctuary ./cmd/noctuary

# Release binaries: static (no cgo), stripped, stamped with VERSION, one per
# platform, and their SHA-256 sums in dist/SHA256SUMS (check with
# `cd dist && sha256sum -c SHA256SUMS`). A loop over `go build` does all a
# release needs; goreleaser would add a tool and a config file to keep for the
# same four builds (images are built from deployments/Dockerfile).
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
release: ## static binaries for linux/darwin x amd64/arm64 with SHA-256 sums, into dist/
	rm -rf dist && mkdir -p dist
	@for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/noctuary-$(VERSION)-$$os-$$arch; \
		echo "$$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w -X main.buildVersion=$(VERSION)" -o $$out ./cmd/noctuary || exit 1; \
	done
	cd dist && sha256sum noctuary-* > SHA256SUMS && cat SHA256SUMS

# The evaluation suite (agent/eval): the heuristic engine over the incident
# scenarios of testdata/eval, accuracy per category next to the naive rule
# "latest change", calibration and misses. `make test` fails if accuracy falls
# below testdata/eval/baseline.json; eval-record rewrites that file.
eval: ## run the evaluation suite and print accuracy, calibration and misses
	$(GO) test -count=1 -run '^TestSuite$$' -v ./agent/eval/

eval-record: ## record the suite's current accuracy as the figure CI holds
	$(GO) test -count=1 -run '^TestSuite$$' ./agent/eval/ -args -update

bench: ## benchmarks against a real redis-server; see docs/performance.md
	bash scripts/bench.sh

# Open-loop load on loopback: redis-server, REPLICAS Noctuary processes and
# cmd/noctuary-load, bounded by TIMEOUT; LOAD_RUNS sets the generator's runs.
load: ## events and incidents at a fixed rate through real processes; see docs/performance.md
	bash scripts/load.sh

fuzz: ## run each fuzz target briefly (FUZZTIME=30s by default)
	bash scripts/fuzz.sh

clean:
	rm -rf bin dist

# hirebus — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
MODELS_DIR ?= $(or $(HIREBUS_MODELS_DIR),$(CURDIR)/models)
export HIREBUS_MODELS_DIR := $(MODELS_DIR)

.PHONY: run test test-short bench models build vet lint fmt migrate sandbox-images faults load

build:
	$(GO) build -o bin/hirebus ./cmd/hirebus
	$(GO) build -o bin/hirebus-sandbox-init ./sandbox/local/cmd/hirebus-sandbox-init

run: models build
	HIREBUS_DEV=$${HIREBUS_DEV:-1} ./bin/hirebus all

models:
	bash scripts/fetch-models.sh "$(MODELS_DIR)"

# The full suite: real MariaDB, NATS, face models; missing infrastructure
# fails instead of skipping.
test: models
	$(GO) vet ./...
	HIREBUS_TEST_REQUIRE_INFRA=1 $(GO) test -race -count=1 -timeout 40m ./...

# The fast path (under a minute): pure unit tests only. internal/testutil
# skips every test needing MariaDB, NATS, the face models or golden data,
# and long tests check testing.Short() themselves.
test-short:
	$(GO) test -short -count=1 -timeout 5m ./...

# Benchmarks: medians are what we report (`benchstat bench.out` summarises).
# The face kernels are measured on one core and on both.
bench: models build
	$(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m ./edge/... ./events/... ./domain/... ./workers/... ./sandbox/... ./judge/... ./face/index/... | tee bench.out
	$(GO) test -run '^$$' -bench . -benchmem -count 5 -cpu 1,2 -timeout 60m ./face ./face/nn | tee -a bench.out

# The fault suite: the real binary as separate processes on a 3-node
# nats-server cluster, every fault scenario (`make test` runs the short one).
# The report table is appended to faults-report.md.
faults:
	HIREBUS_FAULTS=full HIREBUS_FAULTS_REPORT=$(CURDIR)/faults-report.md $(GO) test -count=1 -timeout 30m -run TestFaultsFull -v ./faults/

# Load: a bounded generator against one edge process on loopback
# (authenticated reads, command publishes, idle WebSockets up to the
# open-file limit); HIREBUS_LOAD_IDLE / _SECONDS / _CONCURRENCY tune it.
# The report is written to load-report.md.
load:
	HIREBUS_LOAD=1 HIREBUS_LOAD_REPORT=$(CURDIR)/load-report.md $(GO) test -count=1 -timeout 20m -run TestLoad -v ./faults/

fmt:
	gofmt -w $$(git ls-files '*.go')

lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

migrate: build
	./bin/hirebus migrate

# Production only (needs a Docker engine): the per-language sandbox images.
sandbox-images:
	bash docker/sandbox/build.sh

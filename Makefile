# Farol's entry points. `make demo` and `make test` work on a fresh Debian
# machine as root: they install what they need (apt packages, the pinned
# etcd, kube-apiserver and helm built from source into ~/.cache/farol).

SHELL := /bin/bash
GO ?= go
PKGS := ./...

.PHONY: all build image test lint verify-generated generate deps docs bins bench bench-l2 bench-speaker bench-bgp burst demo demo-down clean

# What `farol version` prints, stamped in at link time; each falls back
# when there is no git (a source tarball).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/farol-lb/farol/internal/version.Version=$(VERSION) \
	-X github.com/farol-lb/farol/internal/version.Commit=$(COMMIT)

# The image: reference, architecture, output, and the time written into
# it (the commit's, so the same commit gives the same archive).
IMAGE ?= ghcr.io/farol-lb/farol:$(VERSION)
IMAGE_ARCH ?= $(shell $(GO) env GOARCH)
IMAGE_TAR ?= bin/farol-image.tar
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

all: build

# The two binaries: farol (controller and speaker) and the kubectl plugin
# kubectl-farol (`kubectl farol` once it is on PATH).
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/farol ./cmd/farol
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/kubectl-farol ./cmd/kubectl-farol

# One image for the controller and the speaker: a static farol binary on an
# empty base, user 65532:65532, written by hack/image as one archive that
# `docker load`, `ctr images import` and `crane push` all accept. No
# container daemon and no base image pull.
image:
	@mkdir -p $(dir $(IMAGE_TAR))
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -trimpath \
	    -ldflags '-s -w $(LDFLAGS)' -o "$$tmp/farol" ./cmd/farol && \
	  $(GO) run ./hack/image -binary "$$tmp/farol" -arch $(IMAGE_ARCH) -ref $(IMAGE) \
	    -version $(VERSION) -revision $(COMMIT) -source https://github.com/farol-lb/farol \
	    -created $(SOURCE_DATE_EPOCH) -o $(IMAGE_TAR)
	@echo "$(IMAGE) ($(IMAGE_ARCH)) -> $(IMAGE_TAR)"

deps:
	hack/deps.sh

bins: deps
	@hack/bins.sh >/dev/null

# Every test: formatting, golangci-lint (.golangci.yml: vet, staticcheck,
# revive, errorlint, importas, depguard, ...), generated files up to date,
# then unit, integration (a real etcd + kube-apiserver) and lab tests with
# -race.
# One package at a time (-p 1): the lab tests measure failover in
# milliseconds and must not share two cores with another package's API
# server.
test: bins lint verify-generated
	FAROL_BIN_DIR=$$(hack/bins.sh --print) $(GO) test -race -count=1 -p 1 -timeout 40m $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$$(hack/tools.sh golangci-lint) run $(PKGS)

generate:
	$$(hack/tools.sh controller-gen) object paths=./api/...
	$$(hack/tools.sh controller-gen) crd paths=./api/... output:crd:dir=config/crd/bases
	$$(hack/tools.sh controller-gen) rbac:roleName=farol-controller paths=./internal/reconciler/... output:rbac:dir=config/rbac/controller
	$$(hack/tools.sh controller-gen) rbac:roleName=farol-speaker paths=./internal/app/speaker/... output:rbac:dir=config/rbac/speaker
	@# The alert rules have one source; the PrometheusRule is derived from it
	@# (and hack/chart-files.sh copies it and the dashboard into the chart).
	hack/prometheusrule.sh config/prometheus/alerts.rules.yaml >config/prometheus/prometheusrule.yaml
	hack/chart-files.sh
	@# The Prometheus Operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule)
	@# from its pinned API types, for the install tests only.
	cd hack/tools/monitoring && GOWORK=off $$(../../tools.sh controller-gen) crd:maxDescLen=0 \
	  paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 output:crd:dir=$(CURDIR)/test/integration/testdata/monitoring-crds
	cd test/integration/testdata/monitoring-crds && rm -f $$(ls | grep -v -e servicemonitors -e podmonitors -e prometheusrules)
	$(MAKE) -s docs

# The configuration reference, derived from the CRDs written above
# (hack/docgen; TestReferenceUpToDate fails when it is stale).
docs:
	$(GO) run ./hack/docgen -crds config/crd/bases -o docs/reference.md

# Fails when the generated files in the tree differ from what the
# generators write now (run in a copy, so the tree is never touched).
verify-generated:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  git ls-files -co --exclude-standard | tar -c -T - | tar -x -C "$$tmp"; \
	  $(MAKE) -s -C "$$tmp" generate >/dev/null; \
	  if ! diff -r api "$$tmp/api" || ! diff -r config "$$tmp/config" || ! diff -r charts "$$tmp/charts" \
	    || ! diff -r docs "$$tmp/docs" \
	    || ! diff -r test/integration/testdata "$$tmp/test/integration/testdata"; then \
	    echo "generated files are out of date: run 'make generate' and commit the result"; exit 1; fi

# Allocator benchmarks: 20k assignments into a /16 and into 50 pools,
# restart rebuild, allocations per op.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/ipam/

# 1,000 Services created in a burst against a real API server: time to
# address p50/p99.
burst: bins
	FAROL_BIN_DIR=$$(hack/bins.sh --print) FAROL_BURST=1000 $(GO) test -count=1 -run TestBurst -v -timeout 20m ./test/integration/

# Layer 2 failover in the lab: the owner's link is cut, time until the
# client's requests succeed again (p50/max over 10 repetitions with 3 and 5
# nodes); a cut-off, frozen node returning, time until one node answers per
# address (p50/max over 10); and 1,000 Services announced from 3 nodes.
bench-l2: bins
	FAROL_BIN_DIR=$$(hack/bins.sh --print) FAROL_FAILOVER_REPS=10 FAROL_SCALE=1000 \
	  $(GO) test -count=1 -run 'TestFailover|TestPartitionAndReturn|TestGracefulStop|TestManyServices' -v -timeout 30m ./test/e2e/ \
	  | grep --line-buffered -E '^(=== RUN|--- |PASS|FAIL|ok)|FAILOVER|RETURN|rep [0-9]+:|graceful|announced|ownership'

# One speaker against a real API server at cluster scale (issue 8): time
# to settle, RSS, reconciles and CPU caused by 200 Node heartbeats and 20
# AddressPool status writes, time to decide after a node leaves. Quick
# default 500 Nodes / 2,000 Services (about a minute); full size with
# FAROL_BENCH_NODES=5000 FAROL_BENCH_SERVICES=20000 (about 17 minutes of
# creating objects first).
bench-speaker: bins
	$(GO) build -o bin/farol-bench-speaker ./test/bench/speaker
	FAROL_BIN_DIR=$$(hack/bins.sh --print) bin/farol-bench-speaker

# BGP in the lab (issue 10): 3 nodes and an FRR router with maximum-paths.
# Withdrawal times, p50 and max over 10 repetitions: a node's link cut
# without BFD (hold 3 s) and with BFD 100 ms x 3, and a speaker's SIGTERM,
# until the node's next hop leaves the router's kernel route; then 10,000
# Services advertised by every node: time from the last address written
# to every route in the router's kernel table with 3 next hops, speaker
# RSS, time to withdraw them all and to advertise them all again. Prints
# Markdown tables. About 7 to 10 minutes, half of it creating the Services
# (FAROL_BGP_REPS, FAROL_BGP_SERVICES make it shorter, 0 leaves a part
# out; FAROL_BGP_LAB_DIR keeps the speakers' and FRR's logs there).
bench-bgp: bins
	FAROL_BIN_DIR=$$(hack/bins.sh --print) $(GO) test -count=1 -run '^$$' -bench '^BenchmarkBGP$$' -benchtime 1x -v \
	  -timeout 60m ./test/e2e/

demo: bins build
	$(GO) build -o bin/farol-demo ./test/demo
	bin/farol-demo

demo-down:
	$(GO) build -o bin/farol-demo ./test/demo
	bin/farol-demo down

clean:
	rm -rf bin

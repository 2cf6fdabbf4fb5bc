# token-chaos developer entry points. Node 24 is pinned in node_modules; put it first on PATH
# so every recipe runs on it whatever the system Node is.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE_TEST := node --test --test-reporter=spec --test-concurrency=2
UNIT_TESTS := 'test/unit/**/*.test.ts'
INTEGRATION_TESTS := 'test/integration/**/*.test.ts'
# End to end through real nginx and Caddy (Debian packages) and the gRPC API; no cluster needed.
E2E_TESTS := 'test/e2e/*.test.ts'

.PHONY: all deps build test lint format typecheck unit integration e2e cluster cluster-down cluster-build bench demo clean

all: test

# Installs only when node_modules is missing: re-running npm ci under a running test would empty
# node_modules beneath it. After changing package-lock.json, run `npm ci` yourself.
node_modules/.package-lock.json:
	npm ci --no-audit --no-fund

deps: node_modules/.package-lock.json

lint: deps
	biome check .

format: deps
	biome check --write .

typecheck: deps
	tsc --noEmit -p tsconfig.json

# JavaScript compiled ahead of time into dist/ (git-ignored): what the image runs. It starts
# faster and uses less memory than the .ts sources run through Node's type stripping. The
# authz-server loads proto/ relative to its own module, so the protos go next to the code.
# BUILD_DIR moves the output (the build test compiles into a temporary folder).
BUILD_DIR ?= dist
build: deps
	rm -rf $(BUILD_DIR)
	tsc -p tsconfig.build.json --outDir $(BUILD_DIR)
	cp -R proto $(BUILD_DIR)/proto

unit: deps
	$(NODE_TEST) $(UNIT_TESTS)

# Builds (or reuses) kube-apiserver, etcd and helm, then starts a cluster for the duration of
# the test run; unit, integration and end-to-end tests run in one runner invocation, one summary.
test: lint typecheck cluster-build
	test/cluster/with-cluster.sh $(NODE_TEST) $(UNIT_TESTS) $(INTEGRATION_TESTS) $(E2E_TESTS)

integration: deps cluster-build
	test/cluster/with-cluster.sh $(NODE_TEST) $(INTEGRATION_TESTS)

e2e: deps
	$(NODE_TEST) $(E2E_TESTS)

# One command, no cluster: the authz-server with the example experiments, the demo shop API and
# bounded traffic on 127.0.0.1, shown live; about two minutes. A captured run: docs/demo-output.txt
demo: deps
	node test/e2e/demo/run.ts

cluster-build:
	test/cluster/build.sh

cluster: deps cluster-build
	test/cluster/up.sh

cluster-down:
	test/cluster/down.sh

clean:
	rm -rf .cache test/.run dist

# Benchmarks (not part of `make test`; a few minutes, loopback only, every loop bounded).
bench: deps build cluster-build
	node bench/engine-decide.bench.ts
	bench/authz-grpc.sh
	test/cluster/with-cluster.sh node bench/operator-1000.ts

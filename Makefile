# growthlens make targets. Everything runs with the Go toolchain alone; benchmarks that
# compare against R or scikit-learn say how to install them and skip those rows when absent.

GO        ?= go
BIN       := bin/growthlens
SEED      ?= 7
DATA      ?= var/default
SHARED    ?= ../shared/data
export CGO_ENABLED := 1

.PHONY: all build run test vet fmt-check bench evaluate clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/growthlens

# The main job on the built-in default data.
run: build
	@echo "growthlens: nothing to run yet"

# Vet, format check and the unit tests (a few minutes on 2 cores).
test: vet fmt-check
	$(GO) test -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench:

evaluate: build

clean:
	rm -rf bin var

# Dimensional drilldown (models/rootcause): the synthetic evaluation on held-out seeds
# 10001–10500 per regime, the method beside the largest-change baseline, then the
# 100,000-leaf timing benchmark (5 runs; quote the median).
.PHONY: bench-rootcause
bench-rootcause:
	$(GO) test -count=1 -run 'TestSyntheticEvaluation' -v ./models/rootcause -rootcause.cases=500 | grep -E 'eval_test|^ok|FAIL'
	$(GO) test -count=5 -run '^$$' -bench 'Rank100k|LargestChange100k' -benchtime 10x ./models/rootcause

# Model registry store (models/registry): Put and Artifact latency, plaintext and encrypted,
# promotion and API-key checks, and the RSS of a fresh process that opens a small store with
# the registry's Badger settings beside Badger's defaults (medians of 5 runs).
.PHONY: bench-registry
bench-registry:
	@mkdir -p var
	$(GO) test -count=5 -run '^$$' -bench . -benchtime 300ms ./models/registry | tee var/bench-registry.txt | awk -f scripts/bench-median.awk

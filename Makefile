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

# Forecasting (models/forecast): our automatic forecast against R forecast's ets, thetaf and
# auto.arima on the 756 M3 quarterly series, side by side in one run (R rows are skipped with
# an install hint when R is absent).
.PHONY: bench-forecast validate-forecast evaluate-forecast
bench-forecast:
	$(GO) run ./bench/forecast -data $(SHARED)/m3

# The design study behind the automatic forecast: rolling-origin validation on the M3
# training parts only (the test values are never read).
validate-forecast:
	$(GO) run ./bench/forecast -data $(SHARED)/m3 -design

evaluate: build

# The automatic forecast scored on the M3 quarterly test values (one JSON object).
evaluate-forecast: build
	@$(BIN) evaluate forecast --train $(SHARED)/m3/M3Q-train.csv --test $(SHARED)/m3/M3Q-test.csv --json

clean:
	rm -rf bin var

# growthlens make targets. Everything runs with the Go toolchain alone; benchmarks that
# compare against R or scikit-learn say how to install them and skip those rows when absent.

GO        ?= go
BIN       := bin/growthlens
SEED      ?= 7
DATA      ?= var/default
SHARED    ?= ../shared/data
export CGO_ENABLED := 1

.PHONY: all build run data data-big test vet fmt-check bench bench-import bench-panel evaluate clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/growthlens

# The main job on the built-in default data: generate the default company (once), then
# build its feature panels and print a summary.
run: build $(DATA)/ground_truth.json
	$(BIN) features --data $(DATA) --summary

$(DATA)/ground_truth.json:
	$(BIN) generate --out $(DATA) --seed $(SEED)

# The default company and one company per shock scenario (var/scenarios/<name>).
data: build $(DATA)/ground_truth.json
	@for s in supply-delay support-slowdown marketing-cut reimbursement-delay reform random; do \
		$(BIN) generate --out var/scenarios/$$s --seed $(SEED) --scenario $$s >/dev/null && echo "var/scenarios/$$s"; \
	done

# The 10,000-employee tenant (about a million opportunities, 300 MB) used by the benchmarks.
data-big: build
	$(BIN) generate --out var/big --employees 10000 --seed $(SEED)

# Vet, format check and the unit tests (a few minutes on 2 cores).
test: vet fmt-check
	$(GO) test -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Every benchmark; each prints its figures beside the reference or target it is compared to.
bench: bench-import bench-panel bench-classify bench-rootcause

# Quarterly region panel of the 10,000-employee tenant (target <= 20 s, <= 1 GiB).
bench-panel: build
	BIN=$(BIN) bash bench/panel.sh

# Import speed and memory: a generated 1,000,000-row opportunities CSV through growthlens import
# (target >= 300,000 rows/s, peak RSS <= 1 GiB), with references measured in the same run.
bench-import:
	GO=$(GO) bash bench/import.sh

evaluate: build

# Classifier search vs scikit-learn on IBM HR attrition (same outer folds), then batch scoring
# speed on one core. Needs Debian's python3 (scikit-learn rows are skipped without
# python3-sklearn, with the install command printed).
.PHONY: bench-classify
IBM_HR := $(SHARED)/ibm-hr-attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv
bench-classify: build
	@if [ -x /usr/bin/python3 ]; then \
		/usr/bin/python3 bench/classify.py --bin $(BIN) --data $(IBM_HR) --repeats 3; \
	else \
		echo "no /usr/bin/python3: scikit-learn side skipped (apt-get install -y python3 python3-sklearn python3-pandas)"; \
		$(BIN) evaluate classifier --data $(IBM_HR) --target Attrition --positive Yes --folds 5 --seed 0; \
	fi
	$(GO) test -run '^$$' -bench PredictProba -benchtime 3x -cpu 1 ./models/classify

clean:
	rm -rf bin var

# Dimensional drilldown (models/rootcause): the synthetic evaluation on held-out seeds
# 10001–10500 per regime, the method beside the largest-change baseline, then the
# 100,000-leaf timing benchmark (5 runs; quote the median).
.PHONY: bench-rootcause
bench-rootcause:
	$(GO) test -count=1 -run 'TestSyntheticEvaluation' -v ./models/rootcause -rootcause.cases=500 | grep -E 'eval_test|^ok|FAIL'
	$(GO) test -count=5 -run '^$$' -bench 'Rank100k|LargestChange100k' -benchtime 10x ./models/rootcause

# Driver model (models/driver): coverage of the 95 % intervals with the shape-only penalty
# beside ridge on every coefficient (200 simulated panels), then recovery of
# ground_truth.json on held-out synthetic companies — seeds 101–110 of the reform and random
# scenarios at 16 regions × 10 years × 2,000 employees, and seeds 101–150 at the default
# size — with both penalties. About 10 minutes on 2 cores.
.PHONY: bench-driver
bench-driver:
	$(GO) test -count=1 -timeout 60m -v -run 'TestBenchCoverage|TestBenchRecovery' ./models/driver -args -driver.bench | grep -vE '^(=== RUN|--- PASS|PASS$$|ok )'
	$(GO) test -count=1 -timeout 60m -v -run 'TestBenchRecovery' ./models/driver -args -driver.bench -driver.bench.size=default -driver.bench.seeds=101-150 | grep -vE '^(=== RUN|--- PASS|PASS$$|ok )'

# Root causes and indicators (models/diagnose/rceval): seeds 1–50 — 40 random-scenario
# companies of 2,000 employees with 1–3 known shocks and 10 without — scored beside the
# largest-change baselines. The method was tuned on seeds 1001–1060 only. About 15 minutes on
# 2 cores.
.PHONY: evaluate-rootcause
evaluate-rootcause: build
	$(BIN) evaluate rootcause --seeds 1-50 --employees 2000 --workers 2

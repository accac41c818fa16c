# growthlens make targets. Everything runs with the Go toolchain alone; benchmarks that
# compare against R or scikit-learn say how to install them and skip those rows when absent.

GO        ?= go
BIN       := bin/growthlens
SEED      ?= 7
DATA      ?= var/default
SHARED    ?= ../shared/data
export CGO_ENABLED := 1

.PHONY: all build run test vet fmt-check bench bench-import evaluate clean

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
bench: bench-classify

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

# Incentive recommendations (models/incentive): the acceptance run on generated companies of
# 100 to 2,000 employees, seeds 11-13 (not used in development; bars from 1,000 employees),
# then the 10,000-employee batch scoring benchmark on one and two cores (quote the median).
.PHONY: bench-incentive
INCENTIVE_SIZES ?= 100,500,1000,2000
INCENTIVE_SEEDS ?= 11,12,13
bench-incentive:
	$(GO) test -count=1 -timeout 180m -run 'TestAcceptance' -v ./models/incentive -incentive.sizes=$(INCENTIVE_SIZES) -incentive.seeds=$(INCENTIVE_SEEDS) | grep -E 'acceptance_test|^ok|FAIL'
	$(GO) test -count=5 -run '^$$' -bench 'Recommend10k' -benchtime 5x -cpu 1,2 ./models/incentive

# growthlens make targets. Everything runs with the Go toolchain alone; benchmarks that
# compare against R or scikit-learn say how to install them and skip those rows when absent.

# bash with pipefail, so that a recipe like `go test … | grep …` fails when the test fails
# (with sh the pipeline's status was grep's, and a bench whose bars failed still passed).
SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -c

GO        ?= go
BIN       := bin/growthlens
# SEED is the one default seed of every command (internal/seed); the default company is seed 7.
SEED      ?= 7
DATA      ?= var/default
STORE     ?= var/store
TENANT    ?= default
SHARED    ?= ../shared/data
# Go tests and benchmarks find the shared data through this variable, so SHARED=DIR reaches them.
GROWTHLENS_SHARED_DATA ?= $(abspath $(SHARED))
export GROWTHLENS_SHARED_DATA
ADDR      ?= 127.0.0.1:8080
DEMO_KEY  ?= var/demo-admin.key
export CGO_ENABLED := 1

.PHONY: all build run train promote data data-big test vet fmt-check tidy-check bench bench-import bench-panel bench-train evaluate clean

all: build

# The code version the binary reports (growthlens version, /healthz, growthlens_build_info,
# run records): stamped from git here, so it holds whatever GOFLAGS says about -buildvcs.
VERSION   ?= $(shell git describe --always --dirty --abbrev=12 2>/dev/null)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILDINFO := github.com/growthlens/growthlens/internal/buildinfo
LDFLAGS   := -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).revision=$(REVISION)

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/growthlens

# The API reference page's renderer (serve/apidocs): Redoc's standalone bundle from the npm
# registry, pinned by version and integrity, copied into serve/apidocs/assets/ (not
# committed) so that the next build embeds it and /docs serves Redoc from this origin. Without
# it /docs is a plain HTML reference rendered by our own code: go build needs no network.
REDOC_VERSION   := 2.5.4
REDOC_INTEGRITY := sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==
DOCS_ASSETS     := serve/apidocs/assets
.PHONY: docs-assets
docs-assets:
	@command -v npm >/dev/null || { echo "docs-assets needs npm (apt-get install -y npm); /docs stays the plain reference without it"; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	got=$$(cd "$$tmp" && npm pack --silent --json redoc@$(REDOC_VERSION) | sed -n 's/.*"integrity": *"\([^"]*\)".*/\1/p') && \
	if [ "$$got" != "$(REDOC_INTEGRITY)" ]; then echo "redoc@$(REDOC_VERSION): integrity $$got, want $(REDOC_INTEGRITY)"; exit 1; fi && \
	tar -xzf "$$tmp"/redoc-$(REDOC_VERSION).tgz -C "$$tmp" package/bundles/redoc.standalone.js package/bundles/redoc.standalone.js.LICENSE.txt package/LICENSE && \
	cp "$$tmp"/package/bundles/redoc.standalone.js "$$tmp"/package/bundles/redoc.standalone.js.LICENSE.txt $(DOCS_ASSETS)/ && \
	cp "$$tmp"/package/LICENSE $(DOCS_ASSETS)/redoc.LICENSE.txt && \
	echo "$(DOCS_ASSETS): redoc $(REDOC_VERSION) (integrity checked); the next build serves it at /docs"

# The main job on the built-in default data: generate the default company (once), print its
# panel summary, train, register and promote every model into $(STORE), make a demo admin API
# key (var/demo-admin.key, reused while the store knows it), then serve the HTTP API on
# $(ADDR) in the foreground until Ctrl-C (docs/api.md has curl examples).
run: build $(DATA)/ground_truth.json
	$(BIN) features --data $(DATA) --summary
	$(BIN) train --data $(DATA) --store $(STORE) --tenant $(TENANT) --seed $(SEED) --log-level warn
	@BIN=$(BIN) STORE=$(STORE) TENANT=$(TENANT) FILE=$(DEMO_KEY) bash deploy/demo-key.sh
	@echo "demo admin key of tenant $(TENANT): KEY=\$$(cat $(DEMO_KEY))"
	$(BIN) serve --addr $(ADDR) --store $(STORE) --data $(DATA) --tenant $(TENANT)

# Retrain on $(DATA) (same data and seed: the stored versions are reused, byte for byte).
train: build $(DATA)/ground_truth.json
	$(BIN) train --data $(DATA) --store $(STORE) --tenant $(TENANT) --seed $(SEED)

# Move a model's champion alias: make promote MODEL=forecast VERSION=3 REASON="why".
promote: build
	@if [ -z "$(MODEL)" ] || [ -z "$(VERSION)" ] || [ -z "$(REASON)" ]; then \
		echo "usage: make promote MODEL=<name> VERSION=<n> REASON=<why>   (growthlens models list shows them)"; \
		$(BIN) models list --store $(STORE) --tenant $(TENANT); exit 2; \
	fi
	$(BIN) models promote $(MODEL) $(VERSION) --reason "$(REASON)" --store $(STORE) --tenant $(TENANT)

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

# The container image (Dockerfile): multi-stage, the /docs renderer fetched in its first stage,
# the binary run by an unprivileged user. IMAGE names it; needs docker (or IMAGE_TOOL=podman).
IMAGE      ?= growthlens:$(or $(VERSION),dev)
IMAGE_TOOL ?= docker
.PHONY: image
image:
	$(IMAGE_TOOL) build --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) -t $(IMAGE) .

# Vet, format and go.mod checks and the unit tests (a few minutes on 2 cores).
test: vet fmt-check tidy-check
	$(GO) test -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

# go.mod and go.sum must be what go mod tidy writes (it prints the diff when they are not).
tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod is not tidy: run go mod tidy"; exit 1; }

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Every benchmark; each prints its figures beside the reference or target it is compared to.
# The driver and incentive runs train dozens of companies (about half an hour together).
bench: bench-import bench-panel bench-train bench-forecast bench-classify bench-rootcause bench-slices bench-registry bench-driver bench-incentive bench-serve

# Training time and peak RSS of the default company and the 10,000-employee tenant
# (targets: 10 s; 120 s and 2 GiB).
bench-train: build
	BIN=$(BIN) bash bench/train.sh

# Quarterly region panel of the 10,000-employee tenant (target <= 20 s, <= 1 GiB).
bench-panel: build
	BIN=$(BIN) bash bench/panel.sh

# Import speed and memory: a generated 1,000,000-row opportunities CSV through growthlens import
# (target >= 300,000 rows/s, peak RSS <= 1 GiB), with references measured in the same run.
bench-import:
	GO=$(GO) bash bench/import.sh

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

# The same study with R forecast's ets, thetaf and auto.arima fitted to the same validation
# sets beside ours (docs/forecast.md; about 40 minutes on 2 shared cores; needs r-cran-forecast).
.PHONY: validate-forecast-r
validate-forecast-r:
	$(GO) run ./bench/forecast -data $(SHARED)/m3 -design -r

# Every evaluation whose public data is in $(SHARED), one table with the targets beside.
evaluate: build
	$(BIN) evaluate all --shared $(SHARED) --log-level warn

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
		$(BIN) evaluate classifier --data $(IBM_HR) --label Attrition --positive Yes --folds 5 --seed 0; \
	fi
	$(GO) test -run '^$$' -bench PredictProba -benchtime 3x -cpu 1 ./models/classify

# The automatic forecast scored on the M3 quarterly test values (one JSON object).
evaluate-forecast: build
	@$(BIN) evaluate forecast --train $(SHARED)/m3/M3Q-train.csv --test $(SHARED)/m3/M3Q-test.csv --json

clean:
	rm -rf bin var

# Dimensional drilldown (models/rootcause): the synthetic evaluation on held-out seeds
# 3001–3500 per regime, the method beside the largest-change baseline, then the
# 100,000-leaf timing benchmark (5 runs; quote the median).
.PHONY: bench-rootcause
bench-rootcause:
	$(GO) test -count=1 -run 'TestSyntheticEvaluation' -v ./models/rootcause -rootcause.cases=500 | grep -E 'eval_test|^ok|FAIL'
	$(GO) test -count=5 -run '^$$' -bench 'Rank100k|LargestChange100k' -benchtime 10x ./models/rootcause
	$(GO) test -count=3 -run '^$$' -bench 'Rank1M' -benchtime 1x -benchmem -cpu 1 ./models/rootcause

# Slice root causes on generated cube incidents (issue 15): every method on every bench
# (validation and test; ~15 min), then the end-to-end CLI timing at 100,000 and 1,000,000
# leaves. Run under the shared lock: flock /work/bench.lock make bench-slices
.PHONY: bench-slices evaluate-slices
evaluate-slices: build
	$(BIN) evaluate slices --bench all
bench-slices: build evaluate-slices
	BIN=$(BIN) bash bench/slices.sh

# Driver model (models/driver): coverage of the 95 % intervals with the shape-only penalty
# beside ridge on every coefficient (200 simulated panels), then recovery of
# ground_truth.json on held-out synthetic companies — seeds 101–110 of the reform and random
# scenarios at 16 regions × 10 years × 2,000 employees, and seeds 101–150 at the default
# size — with both penalties. About 10 minutes on 2 cores.
.PHONY: bench-driver
bench-driver:
	$(GO) test -count=1 -timeout 60m -v -run 'TestBenchCoverage' ./models/driver -args -driver.bench | grep -vE '^(=== RUN|--- PASS|PASS$$|ok )'
	$(GO) run ./bench/driver -seeds 101-110 -scenarios reform,random -size large
	$(GO) run ./bench/driver -seeds 101-150 -scenarios reform,random -size default

# Model registry store (models/registry): Put and Artifact latency, plaintext and encrypted,
# promotion and API-key checks, and the RSS of a fresh process that opens a small store with
# the registry's Badger settings beside Badger's defaults (medians of 5 runs).
.PHONY: bench-registry
bench-registry:
	@mkdir -p var
	$(GO) test -count=5 -run '^$$' -bench . -benchtime 300ms ./models/registry | tee var/bench-registry.txt | awk -f bench/median.awk

# Incentive recommendations (models/incentive): the acceptance run on generated companies of
# 100 to 2,000 employees, seeds 11-13 (not used in development; the bars apply at every size),
# once with the models allowed to read age and once under the default policy (age kept out),
# then the 10,000-employee batch scoring benchmark on one and two cores, and training time on
# the default company and, when var/big exists, the 10,000-employee tenant (targets 3 s and
# 40 s; quote the medians).
.PHONY: bench-incentive
INCENTIVE_SIZES ?= 100,500,1000,2000
INCENTIVE_SEEDS ?= 11,12,13
# INCENTIVE_REFERENCE=DIR also scores each company with models trained once on DIR (e.g. var/big).
INCENTIVE_REFERENCE ?=
bench-incentive:
	@echo "acceptance, models allowed to read age (the generator's preferences do): every bar asserted"
	$(GO) test -count=1 -timeout 180m -run 'TestAcceptance' -v ./models/incentive -incentive.sizes=$(INCENTIVE_SIZES) -incentive.seeds=$(INCENTIVE_SEEDS) -incentive.reference=$(INCENTIVE_REFERENCE) -incentive.protected-inputs | grep -E 'acceptance_test|^ok|FAIL'
	@echo "acceptance, the default policy (age kept out): top match and fit risk asserted, the F1 gap reported"
	$(GO) test -count=1 -timeout 180m -run 'TestAcceptance' -v ./models/incentive -incentive.sizes=$(INCENTIVE_SIZES) -incentive.seeds=$(INCENTIVE_SEEDS) -incentive.reference=$(INCENTIVE_REFERENCE) | grep -E 'acceptance_test|^ok|FAIL'
	$(GO) test -count=5 -run '^$$' -bench 'Recommend10k' -benchtime 5x -cpu 1,2 ./models/incentive
	$(GO) test -count=5 -run '^$$' -bench 'Train$$' -benchtime 1x ./models/incentive
	@if [ -f var/big/ground_truth.json ]; then $(GO) test -count=3 -run '^$$' -bench 'Train$$' -benchtime 1x ./models/incentive -incentive.train-dir=$(CURDIR)/var/big; fi

# Attrition (models/incentive): on 20 generated companies of 1,000 employees, held-out seeds
# 4101-4120 (4001-4005 tuned the inputs and the interval), each of the last three years scored
# by models trained on the years before it: AUC, log loss and Brier beside a logistic baseline,
# and the share of team-years whose true leavers fall in the 80 % interval (bar 0.70-0.90).
# Then evaluate incentive on the default company: the policy checks and the four-fifths ratios.
# About 30 minutes on the shared 2-core machine; run it under the bench lock.
.PHONY: evaluate-incentive
ATTRITION_SEEDS ?= 4101-4120
evaluate-incentive: build $(DATA)/ground_truth.json
	$(GO) test -count=1 -timeout 180m -run 'TestAttritionEvaluation' -v ./models/incentive -incentive.attrition-seeds=$(ATTRITION_SEEDS) | grep -E 'attrition_eval_test|^ok|FAIL'
	$(BIN) evaluate incentive --data $(DATA)

# Root causes and indicators (models/diagnose/rceval): seeds 1–50 — 40 random-scenario
# companies of 2,000 employees with 1–3 known shocks and 10 without — scored beside the
# largest-change baselines. The method was tuned on seeds 1001–1060 only. About 15 minutes on
# 2 cores.
.PHONY: evaluate-rootcause
evaluate-rootcause: build
	$(BIN) evaluate rootcause --seeds 1-50 --employees 2000 --workers 2

# The quarterly review page in headless Chromium (serve/review/browser_test.go, build tag browser):
# generates and trains the default company in a temp dir, serves it on 127.0.0.1:0, signs in,
# checks every section, chart and the console, and the static report of `growthlens report`;
# screenshots go to var/review*.png. Needs Debian's chromium (apt-get install -y chromium).
.PHONY: test-browser
CHROMIUM ?= /usr/bin/chromium
test-browser: build
	@mkdir -p var
	$(GO) test -tags browser -count=1 -timeout 10m -run 'TestBrowser' -v ./serve/review -args -browser.chromium=$(CHROMIUM) -browser.bin=$(CURDIR)/$(BIN) -browser.out=$(CURDIR)/var

# The quarterly review as one self-contained HTML file (QUARTER empty: the first forecast
# quarter; LANG_REVIEW en or zh). Stop any `growthlens serve` on $(STORE) first: only one
# process may open the store.
.PHONY: report
QUARTER ?=
LANG_REVIEW ?= en
report: build
	@mkdir -p var
	$(BIN) report --store $(STORE) --data $(DATA) --tenant $(TENANT) --lang $(LANG_REVIEW) $(if $(QUARTER),--quarter $(QUARTER)) --out var/review.html

# HTTP service (serve): wrk at 64 connections on loopback against a bare Gin JSON hello handler
# (bench/hello) and against GET forecast, a single-employee and a 1,000-employee recommendation
# POST, in the same run, 3 rounds, medians and ratios to the bare handler (targets: forecast
# >= 50 % of bare with p99 <= 10 ms; one employee >= 25 %; 1,000 employees p50 <= 50 ms).
# Generates and trains a 1,200-employee company in a temp dir first (a few minutes). Needs wrk.
.PHONY: bench-serve
bench-serve:
	BIN=$(BIN) GO=$(GO) bash bench/serve.sh

# Runs the README's tour and every example of docs/api.md against a running make run and
# checks each status (needs curl and jq; API=http://HOST:PORT for another server).
.PHONY: api-examples
api-examples:
	API=$${API:-http://$(ADDR)} bash docs/api-examples.sh

# The adversarial suite of issue 14 (bench/hostile): serves a generated 200-employee company on
# 127.0.0.1 and sends malformed and oversized requests, slow clients, every route with every
# credential, the 1 GiB allocation request, a flood of refused requests, a spent store quota,
# and kill -9 during training and during a backup; prints attacks → outcomes with counts and
# fails on any 5xx (but the full disk's 507s), RSS growth over 200 MiB, the allocation raising
# RSS by 50 MiB, a slow client held past 15 s, KPI series without credentials, or a lost
# acknowledged write. A few minutes; it loads the machine, so it takes the shared bench lock.
.PHONY: test-hostile
HOSTILE_LOCK ?= ../bench.lock
test-hostile: build
	flock $(HOSTILE_LOCK) $(GO) run ./bench/hostile -bin $(BIN)

# Cluster mode end to end (bench/cluster, docs/cluster.md): a 3-node NATS JetStream cluster
# on loopback, 2 API replicas and 2 workers as child processes of the built binary; trains 20
# tenants, moves champions back and forth under a bounded request loop against both
# replicas, kills one worker mid-run and one NATS node (kill -9), then checks that no 5xx
# came outside the failover window, no acknowledged write was lost and both replicas serve
# the same champions, and prints the table. A few minutes; it loads the machine, so it takes
# the shared bench lock. The fast cluster unit tests are part of make test.
.PHONY: test-cluster
CLUSTER_LOCK ?= ../bench.lock
test-cluster: build
	flock $(CLUSTER_LOCK) $(GO) run ./bench/cluster -bin $(BIN)

# Cluster scale figures (bench/cluster -bench, docs/cluster.md "Capacity"): training
# throughput of 200 small tenants through one Badger server and through JetStream with 1
# and 2 workers, GET forecast req/s through the Badger server, 1 and 2 replicas (3 rounds,
# medians), and the store's bytes per tenant. About 15 minutes; it takes the shared bench lock.
.PHONY: bench-cluster
bench-cluster: build
	flock $(CLUSTER_LOCK) $(GO) run ./bench/cluster -bin $(BIN) -bench

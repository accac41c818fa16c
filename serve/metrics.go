package serve

import (
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/growthlens/growthlens/internal/buildinfo"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series. Each Server has its own registry, so that
// several servers in one process (tests) do not collide.
type metrics struct {
	reg *prometheus.Registry

	requests    *prometheus.CounterVec   // route, method, status
	latency     *prometheus.HistogramVec // route, method, status
	predictions *prometheus.CounterVec   // tenant, model, kind
	modelVer    *prometheus.GaugeVec     // tenant, model
	trainRuns   *prometheus.CounterVec   // tenant, status
	trainSecs   *prometheus.HistogramVec // tenant, status
	completion  *prometheus.GaugeVec     // tenant, scope, metric, period
	swaps       *prometheus.CounterVec   // tenant, model
	uploads     *prometheus.CounterVec   // tenant, table, outcome
	pace        *prometheus.GaugeVec     // tenant, scope, metric, grain, period
	alerts      *prometheus.CounterVec   // tenant, severity

	// kpi says whether a tenant's business figures are exported (Config.MetricsKPITenants).
	kpi func(tenant string) bool

	observedCache  sync.Map // observedKey → *observed
	predictedCache sync.Map // predictedKey → prometheus.Counter
}

func newMetrics(kpiTenants []string) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), kpi: func(tenant string) bool {
		return slices.Contains(kpiTenants, "*") || slices.Contains(kpiTenants, tenant)
	}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "growthlens_http_requests_total",
		Help: "HTTP requests served, by route template, method and status code.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "growthlens_http_request_duration_seconds",
		Help:    "Time from the request reaching the router to the response being written, by route template, method and status code.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method", "status"})
	m.predictions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "growthlens_predictions_total",
		Help: "Predictions served: forecasts (one per scope asked), what-ifs, attributions, drilldowns, recommendations (one per employee) and allocations.",
	}, []string{"tenant", "model", "kind"})
	m.modelVer = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "growthlens_model_version",
		Help: "Version of each model the server is serving (the champion it loaded), by tenant.",
	}, []string{"tenant", "model"})
	m.trainRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "growthlens_training_runs_total",
		Help: "Training runs started through the server, by tenant and final status.",
	}, []string{"tenant", "status"})
	m.trainSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "growthlens_training_duration_seconds",
		Help:    "Duration of training runs started through the server.",
		Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200},
	}, []string{"tenant", "status"})
	m.completion = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "growthlens_kpi_completion_ratio",
		Help: "KPI completion: actual over target in the latest complete quarter of the tenant's data (1 = on target), per tenant and scope. Period-to-date actuals are in growthlens_kpi_pace_ratio.",
	}, []string{"tenant", "scope", "metric", "period"})
	m.swaps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "growthlens_model_swaps_total",
		Help: "Models loaded and swapped in while serving, by tenant and model.",
	}, []string{"tenant", "model"})
	m.uploads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "growthlens_uploads_total",
		Help: "Data table uploads, by tenant, table and outcome (ok, invalid).",
	}, []string{"tenant", "table", "outcome"})
	m.pace = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "growthlens_kpi_pace_ratio",
		Help: "KPI completion to date: the period-to-date actual last posted to /v1/actuals over the target pro-rated by the share of the period's revenue history expects by then (1 = on pace; an alert fires below 0.8), per tenant, scope and grain (month, quarter) of the running period.",
	}, []string{"tenant", "scope", "metric", "grain", "period"})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "growthlens_alerts_raised_total",
		Help: "KPI alerts raised from posted actuals (after deduplication), by tenant and severity.",
	}, []string{"tenant", "severity"})
	info := buildinfo.Read()
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "growthlens_build_info",
		Help: "Always 1; its labels say which code the server runs: version (a git description, \"dev\" when unknown), revision (the commit) and the Go toolchain.",
	}, []string{"version", "revision", "goversion"})
	build.WithLabelValues(info.Version, info.Revision, info.Go).Set(1)
	m.reg.MustRegister(build, m.requests, m.latency, m.predictions, m.modelVer, m.trainRuns, m.trainSecs, m.completion, m.swaps, m.uploads, m.pace, m.alerts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// observed are the series of one route, method and status, looked up once: finding a series
// by its label values hashes them and takes the vector's lock on every request, a cost that
// shows in make bench-serve's ratio to a bare handler.
type observed struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

type observedKey struct {
	route, method string
	status        int
}

func (m *metrics) observe(route, method string, status int, seconds float64) {
	k := observedKey{route, method, status}
	o, ok := m.observedCache.Load(k)
	if !ok {
		st := strconv.Itoa(status)
		ob := &observed{m.requests.WithLabelValues(route, method, st), m.latency.WithLabelValues(route, method, st)}
		if route == "unmatched" {
			// Any method a client makes up lands here: counted, but not kept in the cache.
			ob.requests.Inc()
			ob.latency.Observe(seconds)
			return
		}
		o, _ = m.observedCache.LoadOrStore(k, ob)
	}
	ob := o.(*observed)
	ob.requests.Inc()
	ob.latency.Observe(seconds)
}

type predictedKey struct{ tenant, model, kind string }

func (m *metrics) predicted(tenant, model, kind string, n int) {
	k := predictedKey{tenant, model, kind}
	c, ok := m.predictedCache.Load(k)
	if !ok {
		c, _ = m.predictedCache.LoadOrStore(k, m.predictions.WithLabelValues(tenant, model, kind))
	}
	c.(prometheus.Counter).Add(float64(n))
}

// setPace records a scope's pace in the running period of a grain, replacing the series of
// the period before it.
func (m *metrics) setPace(tenant, scope, grain, period string, pace float64) {
	if !m.kpi(tenant) {
		return
	}
	m.pace.DeletePartialMatch(prometheus.Labels{"tenant": tenant, "scope": scope, "metric": "revenue", "grain": grain})
	m.pace.WithLabelValues(tenant, scope, "revenue", grain, period).Set(pace)
}

// setCompletion records a scope's KPI completion in the latest complete quarter, when the
// tenant's business figures are exported.
func (m *metrics) setCompletion(tenant, scope, period string, ratio float64) {
	if !m.kpi(tenant) {
		return
	}
	m.completion.WithLabelValues(tenant, scope, "revenue", period).Set(ratio)
}

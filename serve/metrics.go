package serve

import (
	"net/http"
	"strconv"

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
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
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
		Help: "KPI completion: actual over target for the latest period with both (1 = on target), per tenant and scope. Posted period-to-date actuals update it.",
	}, []string{"tenant", "scope", "metric", "period"})
	m.swaps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "growthlens_model_swaps_total",
		Help: "Models loaded and swapped in while serving, by tenant and model.",
	}, []string{"tenant", "model"})
	m.uploads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "growthlens_uploads_total",
		Help: "Data table uploads, by tenant, table and outcome (ok, invalid).",
	}, []string{"tenant", "table", "outcome"})
	m.reg.MustRegister(m.requests, m.latency, m.predictions, m.modelVer, m.trainRuns, m.trainSecs, m.completion, m.swaps, m.uploads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *metrics) observe(route, method string, status int, seconds float64) {
	st := strconv.Itoa(status)
	m.requests.WithLabelValues(route, method, st).Inc()
	m.latency.WithLabelValues(route, method, st).Observe(seconds)
}

func (m *metrics) predicted(tenant, model, kind string, n int) {
	m.predictions.WithLabelValues(tenant, model, kind).Add(float64(n))
}

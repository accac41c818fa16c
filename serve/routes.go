package serve

import "github.com/gin-gonic/gin"

// Body kinds of a route.
const (
	bodyNone = iota
	bodyJSON
	bodyUpload
)

// route is one endpoint: method, Gin path, the permission it needs, the audit action of a
// mutation ("" for reads), the query parameters it takes, its body kind and its handler.
type route struct {
	method, path string
	perm         permission
	action       string
	query        []string
	body         int
	fn           func(*gin.Context, *call) error
}

// routeTable lists every endpoint. The OpenAPI document must list exactly these (a test
// checks both ways), with the roles the permission table gives each.
func (s *Server) routeTable() []route {
	return []route{
		{method: "GET", path: "/healthz", fn: s.healthz},
		{method: "GET", path: "/readyz", fn: s.readyz},
		{method: "GET", path: "/metrics", fn: s.serveMetrics},
		{method: "GET", path: "/openapi.json", fn: s.serveOpenAPI},

		{method: "GET", path: "/v1/scopes", perm: permRead, query: []string{"level"}, fn: s.listScopes},
		{method: "GET", path: "/v1/forecast", perm: permRead, query: []string{"scope", "horizon"}, fn: s.getForecast},
		{method: "GET", path: "/v1/forecast/adjustments", perm: permRead, query: []string{"scope", "history"}, fn: s.listAdjustments},
		{method: "PUT", path: "/v1/forecast/adjustments/:scope/:quarter", perm: permGoals, action: "forecast.adjust", body: bodyJSON, fn: s.putAdjustment},
		{method: "DELETE", path: "/v1/forecast/adjustments/:scope/:quarter", perm: permGoals, action: "forecast.adjust.withdraw", fn: s.deleteAdjustment},
		{method: "GET", path: "/v1/drivers", perm: permRead, fn: s.getDrivers},
		{method: "POST", path: "/v1/whatif", perm: permRead, body: bodyJSON, fn: s.postWhatIf},
		{method: "GET", path: "/v1/rootcauses", perm: permRead, query: []string{"scope", "period", "kpi", "against", "expected", "direction"}, fn: s.getRootCauses},
		{method: "POST", path: "/v1/rootcauses/slices", perm: permRead, body: bodyJSON, fn: s.postSlices},
		{method: "GET", path: "/v1/attribution", perm: permRead, query: []string{"scope", "period", "kpi", "against", "expected"}, fn: s.getAttribution},
		{method: "GET", path: "/v1/alerts", perm: permRead, query: []string{"limit", "open"}, fn: s.getAlerts},
		{method: "POST", path: "/v1/alerts/:id/ack", perm: permAlerts, action: "alerts.ack", body: bodyJSON, fn: s.ackAlert},
		{method: "POST", path: "/v1/alerts/:id/mute", perm: permAlerts, action: "alerts.mute", body: bodyJSON, fn: s.muteAlert},
		{method: "POST", path: "/v1/alerts/check", perm: permActuals, action: "alerts.check", body: bodyJSON, fn: s.postAlertCheck},
		{method: "POST", path: "/v1/subscriptions", perm: permGoals, action: "subscriptions.create", body: bodyJSON, fn: s.postSubscription},
		{method: "GET", path: "/v1/subscriptions", perm: permGoals, fn: s.getSubscriptions},
		{method: "DELETE", path: "/v1/subscriptions/:id", perm: permGoals, action: "subscriptions.delete", fn: s.deleteSubscription},
		{method: "GET", path: "/v1/deliveries", perm: permGoals, query: []string{"status", "limit"}, fn: s.getDeliveries},
		{method: "POST", path: "/v1/deliveries/:id/retry", perm: permGoals, action: "deliveries.retry", body: bodyJSON, fn: s.retryDelivery},
		{method: "GET", path: "/v1/indicators", perm: permRead, query: []string{"role", "scope"}, fn: s.getIndicators},
		{method: "POST", path: "/v1/actuals", perm: permActuals, action: "actuals.post", body: bodyJSON, fn: s.postActuals},

		{method: "POST", path: "/v1/goals", perm: permGoals, action: "goals.set", body: bodyJSON, fn: s.postGoal},
		{method: "GET", path: "/v1/goals", perm: permRead, query: []string{"period", "history"}, fn: s.getGoals},
		{method: "GET", path: "/v1/cascade", perm: permRead, query: []string{"period", "target"}, fn: s.getCascade},
		{method: "GET", path: "/v1/catalogue", perm: permRead, fn: s.getCatalogue},
		{method: "PUT", path: "/v1/catalogue", perm: permGoals, action: "catalogue.set", body: bodyUpload, fn: s.putCatalogue},
		{method: "GET", path: "/v1/scorecards", perm: permPeople, query: []string{"period", "team", "employee_id"}, fn: s.getScorecards},

		{method: "POST", path: "/v1/recommendations", perm: permPeople, body: bodyJSON, fn: s.postRecommendations},
		{method: "GET", path: "/v1/employees/:id/features", perm: permPeople, query: []string{"as_of"}, fn: s.getEmployeeFeatures},
		{method: "GET", path: "/v1/attrition", perm: permPeople, query: []string{"scope", "employee_id", "limit"}, fn: s.getAttrition},
		{method: "POST", path: "/v1/allocations", perm: permPeople, body: bodyJSON, fn: s.postAllocations},

		{method: "GET", path: "/v1/data", perm: permUpload, fn: s.getData},
		{method: "POST", path: "/v1/data/:table", perm: permUpload, action: "data.upload", query: []string{"mode", "strict", "dry_run", "max_reject_share"}, body: bodyUpload, fn: s.postData},
		{method: "PUT", path: "/v1/data/:table", perm: permUpload, action: "data.upload", query: []string{"strict", "dry_run", "max_reject_share"}, body: bodyUpload, fn: s.putData},
		{method: "POST", path: "/v1/training-runs", perm: permTrain, action: "train.start", body: bodyJSON, fn: s.postTrainingRun},
		{method: "GET", path: "/v1/training-runs", perm: permTrain, query: []string{"limit"}, fn: s.listTrainingRuns},
		{method: "GET", path: "/v1/training-runs/:id", perm: permTrain, fn: s.getTrainingRun},

		{method: "GET", path: "/v1/models", perm: permModelsRead, fn: s.listModels},
		{method: "GET", path: "/v1/models/:name", perm: permModelsRead, query: []string{"history"}, fn: s.getModel},
		{method: "GET", path: "/v1/models/:name/versions/:version", perm: permModelsRead, fn: s.getModelVersion},
		{method: "POST", path: "/v1/models/:name/promote", perm: permModelsWrite, action: "models.promote", body: bodyJSON, fn: s.postPromote},
		{method: "POST", path: "/v1/models/:name/rollback", perm: permModelsWrite, action: "models.rollback", body: bodyJSON, fn: s.postRollback},

		{method: "GET", path: "/v1/audit", perm: permAudit, query: []string{"since", "until", "who", "action", "outcome", "limit", "cursor"}, fn: s.getAudit},
	}
}

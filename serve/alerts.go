package serve

import (
	"encoding/json"

	"github.com/gin-gonic/gin"
)

// Alerts are kept in the store (t/<tenant>/alert/<id>) by whoever raises them; GET
// /v1/alerts lists a tenant's current ones, newest first.

type alertJSON struct {
	ID      string          `json:"id"`
	Created string          `json:"created"`
	Updated string          `json:"updated"`
	Alert   json.RawMessage `json:"alert"`
}

func (s *Server) getAlerts(c *gin.Context, rq *call) error {
	limit, err := queryInt(rq.query, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	recs, err := s.store.Alerts(rq.key.Tenant, limit)
	if err != nil {
		return err
	}
	out := make([]alertJSON, len(recs))
	for i, r := range recs {
		out[i] = alertJSON{ID: r.ID, Created: r.Created.Format(timeLayout), Updated: r.Updated.Format(timeLayout), Alert: r.Data}
	}
	return writeJSON(c, 200, map[string]any{"alerts": out})
}

const timeLayout = "2006-01-02T15:04:05.999999999Z07:00"

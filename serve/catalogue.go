package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/indicators"
)

// The tenant's own KPI catalogue: PUT /v1/catalogue replaces the roles and indicators a tenant
// adds beside the built-in catalogue (JSON or YAML, each field checked; a new version each
// time, audited), GET /v1/catalogue lists the catalogue in use with what the tenant added
// marked. Suggestions, the cascade and scorecards read the catalogue in use: the tenant's data
// snapshot carries it (tenantData.cat) and is rebuilt when it changes.

// tenantCatalogue reads the tenant's additions from the store and returns the catalogue in
// use and the additions' version (0 for none). Additions stored by an older build that no
// longer pass the checks are left out, with a warning in the log.
func (s *Server) tenantCatalogue(tenant string) (*indicators.Catalogue, int) {
	docs, err := s.store.Catalogue(tenant)
	if err != nil {
		s.log.Warn("tenant catalogue not read; the built-in one is used", "tenant", tenant, "err", err)
		return indicators.Default(), 0
	}
	if len(docs) == 0 {
		return indicators.Default(), 0
	}
	cat, err := extendWith(docs[0].Data)
	if err != nil {
		s.log.Warn("tenant catalogue not usable; the built-in one is used", "tenant", tenant, "version", docs[0].Version, "err", err)
		return indicators.Default(), docs[0].Version
	}
	return cat, docs[0].Version
}

func extendWith(b []byte) (*indicators.Catalogue, error) {
	extra, err := indicators.ParseCustom(b, nil)
	if err != nil {
		return nil, err
	}
	return indicators.Extend(indicators.Default(), extra)
}

type catalogueIndicator struct {
	indicators.Indicator
	Custom bool `json:"custom"`
}

type catalogueRole struct {
	Role       string               `json:"role"`
	Name       string               `json:"name"`
	NameZh     string               `json:"name_zh"`
	Custom     bool                 `json:"custom"`
	Indicators []catalogueIndicator `json:"indicators"`
}

type catalogueResponse struct {
	// Version is the version of the tenant's additions (0: none).
	Version int             `json:"version"`
	Roles   []catalogueRole `json:"roles"`
}

func (s *Server) getCatalogue(c *gin.Context, rq *call) error {
	sn := rq.t.live.Load()
	d := sn.data
	var extra *indicators.Catalogue
	if docs, err := s.store.Catalogue(rq.key.Tenant); err != nil {
		return err
	} else if len(docs) > 0 {
		extra, _ = indicators.ParseCustom(docs[0].Data, nil)
	}
	return writeJSON(c, 200, describeCatalogue(d.catalogue(), extra, d.catVersion))
}

func describeCatalogue(cat, extra *indicators.Catalogue, version int) catalogueResponse {
	out := catalogueResponse{Version: version, Roles: []catalogueRole{}}
	for _, r := range cat.Roles {
		_, builtin := indicators.Default().Role(r.Role)
		cr := catalogueRole{Role: r.Role, Name: r.Name, NameZh: r.NameZh, Custom: !builtin, Indicators: []catalogueIndicator{}}
		for _, ind := range r.Indicators {
			cr.Indicators = append(cr.Indicators, catalogueIndicator{Indicator: ind, Custom: indicators.IsCustom(extra, r.Role, ind.ID)})
		}
		out.Roles = append(out.Roles, cr)
	}
	return out
}

// maxCatalogueBytes bounds a catalogue body: a few hundred indicators.
const maxCatalogueBytes = 256 << 10

func (s *Server) putCatalogue(c *gin.Context, rq *call) error {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || !(mt == "application/json" || mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml") {
		return errorf(EMediaType, "Content-Type", "send the catalogue as application/json or application/yaml")
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxCatalogueBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errorf(ETooLarge, "body", "the catalogue is over %d bytes", maxCatalogueBytes)
	case err != nil:
		return invalid("body", "the body cannot be read: %v", err)
	}
	extra, err := indicators.ParseCustom(b, nil)
	var fe *indicators.FieldError
	if errors.As(err, &fe) {
		return invalid(fe.Field, "%s", fe.Msg)
	}
	if err != nil {
		return invalid("body", "%s", err.Error())
	}
	cat, err := indicators.Extend(indicators.Default(), extra)
	if err != nil {
		return invalid("body", "%s", err.Error())
	}
	doc, err := s.store.PutCatalogue(rq.key.Tenant, func(int) (json.RawMessage, error) { return json.Marshal(extra) })
	if err != nil {
		return err
	}
	var added []string
	for _, r := range extra.Roles {
		for _, ind := range r.Indicators {
			added = append(added, r.Role+"."+ind.ID)
		}
	}
	rq.target = "catalogue of " + rq.key.Tenant
	rq.detail = clip.String(fmt.Sprintf("version %d: %s", doc.Version, strings.Join(added, ", ")), 2000)
	// Serve the new catalogue from the next request on.
	if err := s.reload(rq.t); err != nil {
		s.log.Warn("reload after a catalogue change", "tenant", rq.key.Tenant, "err", err)
	}
	return writeJSON(c, 200, describeCatalogue(cat, extra, doc.Version))
}

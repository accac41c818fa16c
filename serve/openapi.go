package serve

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/growthlens/growthlens/internal/clip"
)

// openAPIYAML is the API's OpenAPI 3 document, written by hand beside the code it describes.
// TestOpenAPIMatchesRoutes checks it against the route table both ways and against the
// permission table; the server serves it as JSON at /openapi.json and as the reference page
// at /docs (package apidocs).
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPI loads and validates the document.
func OpenAPI() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return doc, nil
}

// openAPIJSON returns the validated document and its JSON encoding.
func openAPIJSON() (*openapi3.T, []byte, error) {
	doc, err := OpenAPI()
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, err
	}
	return doc, append(b, '\n'), nil
}

// The reference page's paths: the page, and the assets it loads (the renderer's bundle when
// it was fetched before the build; see package apidocs).
const (
	docsPath   = "/docs"
	docsAssets = "/docs/assets/"
)

// mountDocs serves the API reference page at /docs without a key, as /openapi.json is: it
// describes the API, not a tenant's data.
func (s *Server) mountDocs(e *gin.Engine) {
	e.GET(docsPath, func(c *gin.Context) {
		body, csp := s.docs.Page()
		h := c.Writer.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		c.Data(200, "text/html; charset=utf-8", body)
	})
	e.GET(docsAssets+":name", func(c *gin.Context) {
		body, ct, ok := s.docs.Asset(c.Param("name"))
		if !ok {
			s.fail(c, callOf(c), errorf(ENotFound, "path", "no asset %q; the reference page is at %s", clip.String(c.Param("name"), 64), docsPath))
			return
		}
		h := c.Writer.Header()
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("X-Content-Type-Options", "nosniff")
		c.Data(200, ct, body)
	})
}

package serve

import "testing"

func TestOpenAPILoads(t *testing.T) {
	if _, err := OpenAPI(); err != nil {
		t.Fatal(err)
	}
}

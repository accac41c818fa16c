// Package apidocs renders the API reference page that the server serves at /docs, from the
// embedded OpenAPI document and embedded assets only: nothing is loaded from another origin.
//
// Two pages, one source. When the binary was built after `make docs-assets` fetched Redoc's
// standalone bundle from the npm registry into assets/, the page is Redoc, reading
// /openapi.json, with the plain reference inside its element for a browser without scripts.
// On a fresh clone built with Go alone, assets/ holds only its README and the page is that
// plain reference: every operation with its roles, parameters, request body and responses,
// rendered by html/template from the same document.
//
// It must not fetch anything at run time, and it must not describe routes the document does
// not list: the document is the one description of the API (serve's tests hold it to the
// route table).
package apidocs

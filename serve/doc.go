// Package serve is growthlens's HTTP service.
package serve

package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"syscall"

	"github.com/growthlens/growthlens/models/registry"
)

// Error codes of the API. Every error a client sees carries one of them, and the code alone
// decides the HTTP status (statusOf). Clients should branch on the code, not the message.
const (
	EInvalid          = "invalid_argument"       // malformed request: bad JSON, wrong type, out of range, unknown field
	EUnauthenticated  = "unauthenticated"        // no API key, or an unknown or revoked one
	EPermission       = "permission_denied"      // the key's role may not do this
	ENotFound         = "not_found"              // no such route, model, version, run, employee or scope in this tenant
	EMethod           = "method_not_allowed"     // the route exists with another method
	EConflict         = "conflict"               // the request clashes with the current state (alias already there, a run in progress)
	ETooLarge         = "payload_too_large"      // body over the limit, or a batch over its maximum
	EMediaType        = "unsupported_media_type" // a body in a format the route does not take
	EInvalidData      = "invalid_data"           // an uploaded table that failed validation as a whole
	ERateLimited      = "rate_limited"           // the key's request budget is spent for now; see Retry-After
	EUnavailable      = "unavailable"            // the model or data needed is not loaded (yet): train, upload or wait
	EInternal         = "internal"               // a fault on the server's side; the message never says more
	ENotImplemented   = "not_implemented"        // the capability is not built into this server
	ECanceled         = "canceled"               // the client went away (or its deadline passed) before the answer was ready
	EStorage          = "insufficient_storage"   // the store's disk or quota is full: reads go on, writes wait for room
	internalMessageFm = "internal error; quote request id %s when reporting it"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[string]int{
	EInvalid:         http.StatusBadRequest,
	EUnauthenticated: http.StatusUnauthorized,
	EPermission:      http.StatusForbidden,
	ENotFound:        http.StatusNotFound,
	EMethod:          http.StatusMethodNotAllowed,
	EConflict:        http.StatusConflict,
	ETooLarge:        http.StatusRequestEntityTooLarge,
	EMediaType:       http.StatusUnsupportedMediaType,
	EInvalidData:     http.StatusUnprocessableEntity,
	ERateLimited:     http.StatusTooManyRequests,
	EUnavailable:     http.StatusServiceUnavailable,
	EInternal:        http.StatusInternalServerError,
	ENotImplemented:  http.StatusNotImplemented,
	ECanceled:        StatusClientClosedRequest,
	EStorage:         http.StatusInsufficientStorage,
}

// StatusClientClosedRequest is the status of a request whose client left before the answer
// was ready (nginx's 499): the work stops, the access log and the audit log say so, and
// nobody reads the body.
const StatusClientClosedRequest = 499

// Error is the API's one error type. Code picks the status, Message is shown to the client
// and must not carry internals, Field names the request field at fault (a JSON field path,
// a query parameter, a path parameter or "body"), and Err, when set, is the cause kept for
// the server's log only.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Err     error  `json:"-"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Code + ": " + e.Field + ": " + e.Message
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Status returns the HTTP status of the error's code.
func (e *Error) Status() int {
	if s, ok := statusOf[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorf returns an *Error with a formatted message.
func errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// invalid is the most common error: a request field with a bad value.
func invalid(field, format string, args ...any) *Error {
	return errorf(EInvalid, field, format, args...)
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error *Error `json:"error"`
}

// asError turns any error into an *Error a client may see. Registry errors map to their
// codes with the registry's message (which names tenant, model and version, all the caller's
// own); anything unrecognised becomes EInternal with a message that says nothing but the
// request id, and the original is kept in Err for the log.
func asError(err error, requestID string) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e.Code == EInternal || statusOf[e.Code] == 0 {
			return &Error{Code: EInternal, Message: fmt.Sprintf(internalMessageFm, requestID), Err: err}
		}
		return e
	}
	var inUse *registry.InUseError
	switch {
	case registry.Unavailable(err):
		return &Error{Code: EUnavailable, Message: "the store did not answer (a storage server may be failing over); try again in a moment", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: ECanceled, Message: "the request ended before it was answered", Err: err}
	case errors.Is(err, registry.ErrNotFound):
		return &Error{Code: ENotFound, Message: err.Error(), Err: err}
	case errors.Is(err, registry.ErrInvalid):
		return &Error{Code: EInvalid, Message: err.Error(), Err: err}
	case errors.Is(err, registry.ErrInUse), errors.Is(err, registry.ErrUnchanged), errors.Is(err, registry.ErrNoHistory):
		return &Error{Code: EConflict, Message: err.Error(), Err: err}
	case errors.Is(err, registry.ErrNoSpace), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &Error{Code: EStorage, Message: "the server's disk is full: reads are still served, writes are refused until an operator frees space", Err: err}
	case errors.Is(err, registry.ErrRevoked), errors.Is(err, registry.ErrExpired):
		return &Error{Code: EUnauthenticated, Message: "invalid API key", Err: err}
	case errors.As(err, &inUse):
		return &Error{Code: EUnavailable, Message: "the store is in use by another process", Err: err}
	}
	return &Error{Code: EInternal, Message: fmt.Sprintf(internalMessageFm, requestID), Err: err}
}

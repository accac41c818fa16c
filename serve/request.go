package serve

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/registry"
)

// call is what the server knows about one request while it is handled.
type call struct {
	id  string          // request id, sent back in X-Request-ID and written to logs and the audit log
	key registry.APIKey // the caller's key (zero for public routes and failed authentication)
	// refusedKey is the revoked or expired key a refused request presented: its attempt is
	// audited under the key's tenant. It grants nothing.
	refusedKey registry.APIKey
	t          *tenant // the caller's tenant
	query      url.Values
	start      time.Time
	route      string

	// target and detail describe a mutation for its audit entry; handlers set them.
	target, detail string
	// err is the error the response carries, for the log.
	err error
	// release frees the request's people-endpoint slot (keySlots), when it holds one.
	release func()
	// secure says the client reached us over TLS (directly, or through a trusted proxy).
	secure bool
}

const callKey = "growthlens.call"

func callOf(c *gin.Context) *call {
	if v, ok := c.Get(callKey); ok {
		return v.(*call)
	}
	rq := &call{id: newRequestID(), start: time.Now()}
	c.Set(callKey, rq)
	return rq
}

// Request ids are a random per-process prefix and a counter: unique, cheap, and they sort
// in arrival order within one process.
var (
	ridPrefix = func() string {
		var b [4]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}()
	ridSeq atomic.Uint64
)

func newRequestID() string {
	return ridPrefix + "-" + strconv.FormatUint(ridSeq.Add(1), 36)
}

// clientRequestID accepts a caller's X-Request-ID when it is short and plain, so that ids
// can be followed across systems without letting a caller inject into logs.
func clientRequestID(s string) (string, bool) {
	if s == "" || len(s) > 64 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return "", false
		}
	}
	return s, true
}

// checkQuery parses the query string and refuses parameters the route does not take and
// parameters given twice, so that a misspelt option is an error rather than ignored.
func checkQuery(raw string, allowed []string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, invalid("query", "malformed query string: %v", err)
	}
	for k, vs := range q {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			if len(allowed) == 0 {
				return nil, invalid(k, "unknown query parameter: this route takes none")
			}
			return nil, invalid(k, "unknown query parameter: this route takes %s", strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return nil, invalid(k, "given %d times; give it once", len(vs))
		}
	}
	return q, nil
}

// checkJSONType requires a JSON content type on a request with a body.
func checkJSONType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return errorf(EMediaType, "Content-Type", "Content-Type is missing: send application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return errorf(EMediaType, "Content-Type", "Content-Type %q: send application/json", clip.String(ct, 64))
	}
	return nil
}

// decodeJSON reads exactly one JSON object from the request body into v: a body that is not
// an object (null, an array), unknown fields, keys that match a field only in another case,
// keys given twice, trailing data, wrong types, malformed or truncated JSON and bodies over
// the limit are each an *Error naming the field where the decoder can tell it.
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return jsonError(err)
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] != '{' && json.Valid(trimmed) {
		return invalid("body", "want a JSON object, got %s", jsonKind(firstKind(trimmed[0])))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonError(err)
		}
		return invalid("body", "unexpected data after the JSON object")
	}
	if err := checkStrict(body, reflect.TypeOf(v)); err != nil {
		return jsonError(err)
	}
	return nil
}

// firstKind names the JSON kind a value starting with c has.
func firstKind(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func jsonError(err error) error {
	var (
		maxErr  *http.MaxBytesError
		synErr  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		return errorf(ETooLarge, "body", "request body is larger than %d bytes", maxErr.Limit)
	case isTimeout(err):
		return invalid("body", "the request body did not arrive in time")
	case errors.Is(err, io.EOF):
		return invalid("body", "empty body: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("body", "truncated JSON")
	case errors.As(err, &synErr):
		return invalid("body", "malformed JSON at byte %d: %s", synErr.Offset, synErr.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return invalid("body", "want a JSON object, got %s", jsonKind(typeErr.Value))
		}
		return invalid(field, "want %s, got %s", goKind(typeErr.Type.Kind().String()), jsonKind(typeErr.Value))
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return invalid(f, "unknown field")
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return invalid("body", "%s", strings.TrimPrefix(msg, "json: "))
}

func jsonKind(v string) string {
	switch {
	case v == "number" || strings.HasPrefix(v, "number "):
		return "a number"
	case v == "string":
		return "a string"
	case v == "bool":
		return "true or false"
	case v == "array":
		return "an array"
	case v == "object":
		return "an object"
	case v == "null":
		return "null"
	}
	return v
}

func goKind(k string) string {
	switch k {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr", "pointer":
		return "an object"
	}
	return k
}

// bufPool recycles response buffers.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON encodes v and writes it with the status. Encoding happens before anything is
// written, so a value that cannot be encoded becomes a clean 500.
func writeJSON(c *gin.Context, status int, v any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	c.Data(status, "application/json; charset=utf-8", buf.Bytes())
	return nil
}

// writeRaw writes pre-encoded JSON.
func writeRaw(c *gin.Context, status int, b []byte) {
	c.Data(status, "application/json; charset=utf-8", b)
}

// Query parameter helpers. Each returns an *Error naming the parameter.

func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalid(name, "%q is not an integer", clip.String(s, 32))
	}
	if n < lo || n > hi {
		return 0, invalid(name, "%d is out of range [%d, %d]", n, lo, hi)
	}
	return n, nil
}

func queryFloat(q url.Values, name string) (float64, bool, error) {
	s := q.Get(name)
	if s == "" {
		return 0, false, nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false, invalid(name, "%q is not a finite number", clip.String(s, 32))
	}
	return x, true, nil
}

func queryEnum(q url.Values, name, def string, allowed ...string) (string, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", invalid(name, "%q: want one of %s", clip.String(s, 32), strings.Join(allowed, ", "))
}

func queryBool(q url.Values, name string, def bool) (bool, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, invalid(name, "%q: want true or false", clip.String(s, 32))
	}
	return b, nil
}

func queryTime(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalid(name, "%q: want an RFC 3339 time such as 2026-10-01T00:00:00Z", clip.String(s, 40))
	}
	return t, nil
}

// finite checks a required number field.
func finite(field string, x float64) error {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return invalid(field, "must be a finite number")
	}
	return nil
}

// isTimeout reports whether err is a network deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

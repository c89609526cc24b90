package fcrt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/redact"
)

// Event is the event OSS invokes a function with for a GetObject made
// through an Object FC Access Point (OSS user guide "Use Function Compute
// to process GetObject requests"). OSS documents only getObjectContext.
//
// Printed with fmt or logged with log/slog, an Event shows neither the
// token nor inputOssUrl's query (a signature); json.Marshal writes it
// whole, for sending on, not for logs.
type Event struct {
	GetObjectContext GetObjectContext `json:"getObjectContext"`
}

// GetObjectContext is what the function needs to answer the GetObject.
type GetObjectContext struct {
	// OutputRoute is the host to send WriteGetObjectResponse to
	// (wgor.Response.Route).
	OutputRoute string `json:"outputRoute"`
	// OutputToken is the single-use token that authorizes the response
	// (wgor.Response.Token). It is secret.
	OutputToken string `json:"outputToken"`
	// InputOSSURL is a presigned URL from which the original object can be
	// read (see OpenOriginal). Its query is secret.
	InputOSSURL string `json:"inputOssUrl"`
}

// ErrInvalidEvent is wrapped by every error ParseEvent returns.
var ErrInvalidEvent = errors.New("fcrt: invalid event")

// ParseEvent parses the event as encoding/json does (unknown members
// ignored, names matched regardless of case), after a UTF-8 byte order
// mark. outputRoute and outputToken are required. Errors wrap
// ErrInvalidEvent and never quote the event, which holds the token.
func ParseEvent(data []byte) (*Event, error) {
	var ev Event
	var problem string
	err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &ev)
	switch c := ev.GetObjectContext; {
	case err != nil:
		problem = jsonProblem(err)
	case c == GetObjectContext{}:
		problem = "no getObjectContext: is the function invoked by an Object FC Access Point?"
	case c.OutputRoute == "":
		problem = "getObjectContext.outputRoute is missing or empty"
	case c.OutputToken == "":
		problem = "getObjectContext.outputToken is missing or empty"
	default:
		return &ev, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrInvalidEvent, problem)
}

// jsonProblem describes a JSON error by its kind and place only: encoding/json's
// own messages may quote the data.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 12345": keep "number"
		return fmt.Sprintf("%s is JSON %s, want %s", typ.Field, kind, typ.Type)
	}
	return "not valid JSON"
}

// String describes the context without the token or inputOssUrl's query.
func (c GetObjectContext) String() string {
	s := "fcrt.GetObjectContext{OutputRoute: " + strconv.Quote(c.OutputRoute)
	if c.OutputToken != "" {
		s += ", OutputToken: " + redact.Mark
	}
	if u := c.InputOSSURL; u != "" {
		if i := strings.IndexAny(u, "?#"); i >= 0 { // a presigned URL's query holds its signature
			u = u[:i] + "?" + redact.Mark
		}
		s += ", InputOSSURL: " + strconv.Quote(u)
	}
	return s + "}"
}

// Format makes every fmt verb print String.
func (c GetObjectContext) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue makes log/slog print String.
func (c GetObjectContext) LogValue() slog.Value { return redact.LogValue(c.String()) }

// String describes the event without secrets.
func (e Event) String() string {
	return "fcrt.Event{GetObjectContext: " + e.GetObjectContext.String() + "}"
}

// Format makes every fmt verb print String.
func (e Event) Format(f fmt.State, verb rune) { redact.Format(f, verb, e.String()) }

// LogValue makes log/slog print String.
func (e Event) LogValue() slog.Value { return redact.LogValue(e.String()) }

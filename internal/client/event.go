package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// Event is the event OSS invokes a function with for a GetObject made
// through an Object FC Access Point.
//
// OSS documents only getObjectContext, so only that is typed; every other
// member is kept, as sent, in Extra, and written back by MarshalJSON.
// Printing an Event with fmt or logging it with log/slog never shows the
// token, the query of inputOssUrl (a presigned URL carries a signature) or
// the contents of Extra.
type Event struct {
	GetObjectContext GetObjectContext `json:"getObjectContext"`

	// Extra holds the event's other top-level members by name, as raw
	// JSON.
	Extra map[string]json.RawMessage `json:"-"`
}

// GetObjectContext is what the function needs to answer the GetObject.
type GetObjectContext struct {
	// OutputRoute is the host to send WriteGetObjectResponse to (Response.Route).
	OutputRoute string `json:"outputRoute"`
	// OutputToken is the single-use token that authorizes the response
	// (Response.Token). It is secret.
	OutputToken string `json:"outputToken"`
	// InputOSSURL is a URL from which the original object can be read.
	InputOSSURL string `json:"inputOssUrl"`

	// Extra holds the context's other members by name, as raw JSON.
	Extra map[string]json.RawMessage `json:"-"`
}

// ErrInvalidEvent is wrapped by every error ParseEvent returns.
var ErrInvalidEvent = errors.New("wgor: invalid event")

// eventError carries a message that never quotes the event (it holds the
// token) and the error it stems from.
type eventError struct {
	msg   string
	cause error
}

func (e *eventError) Error() string   { return e.msg }
func (e *eventError) Unwrap() []error { return []error{ErrInvalidEvent, e.cause} }

// ParseEvent parses the event a function received. It is lenient: members it
// does not know are kept in Extra, a UTF-8 byte order mark is skipped and
// member names match regardless of case, as with encoding/json. A missing
// getObjectContext, outputRoute or outputToken is an error. Errors wrap
// ErrInvalidEvent and never quote the event.
//
// One input gives one answer. When several members' names differ only in
// case, the one spelled exactly as documented (getObjectContext,
// outputRoute, outputToken, inputOssUrl) is read and the others are kept
// in Extra; when none is spelled exactly, the event is ambiguous and an
// error. Of members with the very same name, the last wins, as in
// encoding/json.
func ParseEvent(data []byte) (*Event, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, jsonError(err)
	}
	c := ev.GetObjectContext
	switch {
	case c.OutputRoute == "" && c.OutputToken == "" && c.InputOSSURL == "" && c.Extra == nil:
		return nil, &eventError{msg: "wgor: invalid event: no getObjectContext: is the function invoked by an Object FC Access Point?"}
	case c.OutputRoute == "":
		return nil, &eventError{msg: "wgor: invalid event: getObjectContext.outputRoute is missing or empty"}
	case c.OutputToken == "":
		return nil, &eventError{msg: "wgor: invalid event: getObjectContext.outputToken is missing or empty"}
	}
	return &ev, nil
}

// jsonError describes a JSON error without quoting the data.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var msg string
	switch {
	case errors.As(err, &syn):
		msg = fmt.Sprintf("wgor: invalid event: not valid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		msg = fmt.Sprintf("wgor: invalid event: %s is JSON %s, want %s", typ.Field, firstWord(typ.Value), typ.Type)
	case errors.Is(err, errEventNotObject), errors.Is(err, errContextNotObject), errors.Is(err, errAmbiguous):
		msg = "wgor: invalid event: " + err.Error()
	default:
		msg = "wgor: invalid event: not valid JSON"
	}
	return &eventError{msg: msg, cause: err}
}

// firstWord keeps "number" of "number 12345": encoding/json appends the
// number itself.
func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}

var (
	errEventNotObject   = errors.New("the event is not a JSON object")
	errContextNotObject = errors.New("getObjectContext is not a JSON object")
)

// UnmarshalJSON reads getObjectContext and keeps the other members in Extra.
func (e *Event) UnmarshalJSON(data []byte) error {
	members, err := objectMembers(data)
	if err != nil {
		if errors.As(err, new(*json.UnmarshalTypeError)) {
			return errEventNotObject
		}
		return err
	}
	*e = Event{}
	name, err := pick(members, "getObjectContext")
	if err != nil {
		return err
	}
	for n, raw := range members {
		if n != name {
			e.Extra = setRaw(e.Extra, n, raw)
		}
	}
	if raw, ok := members[name]; ok && !isNull(raw) {
		return json.Unmarshal(raw, &e.GetObjectContext)
	}
	return nil
}

// MarshalJSON writes getObjectContext and the members in Extra.
func (e Event) MarshalJSON() ([]byte, error) {
	ctx, err := json.Marshal(e.GetObjectContext)
	if err != nil {
		return nil, err
	}
	return marshalMembers(e.Extra, "getObjectContext", ctx)
}

// UnmarshalJSON reads the documented members and keeps the others in Extra.
func (c *GetObjectContext) UnmarshalJSON(data []byte) error {
	members, err := objectMembers(data)
	if err != nil {
		if errors.As(err, new(*json.UnmarshalTypeError)) {
			return errContextNotObject
		}
		return err
	}
	*c = GetObjectContext{}
	fields := [...]struct {
		name string
		dst  *string
	}{{"outputRoute", &c.OutputRoute}, {"outputToken", &c.OutputToken}, {"inputOssUrl", &c.InputOSSURL}}
	read := make(map[string]*string, len(fields))
	for _, f := range fields {
		name, err := pick(members, f.name)
		if err != nil {
			return err
		}
		if name != "" {
			read[name] = f.dst
		}
	}
	// In name order, so that the first error is the same each time.
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		raw := members[name]
		dst, ok := read[name]
		if !ok {
			c.Extra = setRaw(c.Extra, name, raw)
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) {
				typ.Field = "getObjectContext." + name
			}
			return err
		}
	}
	return nil
}

// MarshalJSON writes the documented members, those that are set, and the
// members in Extra.
func (c GetObjectContext) MarshalJSON() ([]byte, error) {
	var known []byte
	for _, m := range []struct{ name, value string }{
		{"outputRoute", c.OutputRoute}, {"outputToken", c.OutputToken}, {"inputOssUrl", c.InputOSSURL},
	} {
		if m.value == "" {
			continue
		}
		if known != nil {
			known = append(known, ',')
		}
		known = appendJSONString(append(known, `"`+m.name+`":`...), m.value)
	}
	return marshalMembers(c.Extra, "", known)
}

// pick returns the member to read for the documented name want: want
// itself when present, else the one member equal to it but for case, else
// "". Two or more such members and none spelled exactly is an error.
func pick(members map[string]json.RawMessage, want string) (string, error) {
	if _, ok := members[want]; ok {
		return want, nil
	}
	var found []string
	for n := range members {
		if strings.EqualFold(n, want) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%w: %d members are named %s but for case, and none exactly so: keep one", errAmbiguous, len(found), want)
}

var errAmbiguous = errors.New("ambiguous member names")

// objectMembers splits a JSON object into its members.
func objectMembers(data []byte) (map[string]json.RawMessage, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return nil, err
	}
	return members, nil
}

func setRaw(m map[string]json.RawMessage, name string, raw json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		m = make(map[string]json.RawMessage)
	}
	m[name] = raw
	return m
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// marshalMembers writes an object: either the member name holding the
// value, or (name empty) the members already encoded in known, then extra
// in name order.
func marshalMembers(extra map[string]json.RawMessage, name string, known []byte) ([]byte, error) {
	out := []byte{'{'}
	switch {
	case name != "":
		out = append(appendJSONString(out, name), ':')
		out = append(out, known...)
	case len(known) > 0:
		out = append(out, known...)
	}
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if len(out) > 1 {
			out = append(out, ',')
		}
		raw := extra[n]
		if !json.Valid(raw) {
			return nil, fmt.Errorf("wgor: Extra member %q is not valid JSON", n)
		}
		out = append(appendJSONString(out, n), ':')
		out = append(out, raw...)
	}
	return append(out, '}'), nil
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// String describes the context without the token or inputOssUrl's query.
func (c GetObjectContext) String() string {
	var b strings.Builder
	b.WriteString("wgor.GetObjectContext{OutputRoute: ")
	b.WriteString(strconv.Quote(c.OutputRoute))
	if c.OutputToken != "" {
		b.WriteString(", OutputToken: <redacted>")
	}
	if c.InputOSSURL != "" {
		b.WriteString(", InputOSSURL: ")
		b.WriteString(strconv.Quote(withoutQuery(c.InputOSSURL)))
	}
	if len(c.Extra) > 0 {
		b.WriteString(", Extra: ")
		b.WriteString(memberNames(c.Extra))
	}
	b.WriteString("}")
	return b.String()
}

// Format makes every fmt verb print String.
func (c GetObjectContext) Format(f fmt.State, verb rune) { formatString(f, verb, c.String()) }

// LogValue implements slog.LogValuer without the token or the URL's query.
func (c GetObjectContext) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("output_route", c.OutputRoute),
		slog.Bool("output_token_set", c.OutputToken != ""),
		slog.String("input_oss_url", withoutQuery(c.InputOSSURL)),
	)
}

// String describes the event without secrets, naming the members of Extra
// but not their contents.
func (e Event) String() string {
	s := "wgor.Event{GetObjectContext: " + e.GetObjectContext.String()
	if len(e.Extra) > 0 {
		s += ", Extra: " + memberNames(e.Extra)
	}
	return s + "}"
}

// Format makes every fmt verb print String.
func (e Event) Format(f fmt.State, verb rune) { formatString(f, verb, e.String()) }

// LogValue implements slog.LogValuer without secrets.
func (e Event) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("get_object_context", e.GetObjectContext.LogValue()))
}

func formatString(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s)
		return
	}
	fmt.Fprint(f, s)
}

func withoutQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i] + "?<redacted>"
	}
	return u
}

func memberNames(m map[string]json.RawMessage) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, strconv.Quote(n))
	}
	slices.Sort(names)
	return "[" + strings.Join(names, " ") + "]"
}

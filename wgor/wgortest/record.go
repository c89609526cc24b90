package wgortest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
)

// MaxRecordedBody bounds the bytes of each relayed body kept for Relays.
const MaxRecordedBody = 4 << 20

// maxAnswer bounds the bytes kept of an answer, an XML error document.
const maxAnswer = 64 << 10

// Relay is one WriteGetObjectResponse the access point received, as the
// function sent it and as the access point answered it.
type Relay struct {
	// Status is the x-oss-fwd-status sent, 0 if it was not a number.
	Status int
	// Header holds the forwarded headers, x-oss-fwd-header-<Name> as
	// <Name>.
	Header http.Header
	// ContentLength is the request's Content-Length, -1 when sent chunked.
	ContentLength int64
	// Body is the body received, up to MaxRecordedBody bytes;
	// BodyTruncated says there was more.
	Body          []byte
	BodyTruncated bool

	// Answer is the access point's status: 200 when it relayed the
	// response; otherwise Code and Message say why it refused (403
	// SignatureDoesNotMatch, 400 IncompleteBody…). RequestID is the
	// answer's x-oss-request-id.
	Answer    int
	Code      string
	Message   string
	RequestID string
}

// Invocation is one invocation of the function.
type Invocation struct {
	RequestID string // also the GetObject's x-oss-request-id
	// Err is the invocation's failure, nil on success: for a Handler run
	// in-process, the runtime's account ("fcrt: the handler returned: …",
	// "fcrt: the handler panicked: …"), wrapping the handler's error; for a
	// function given by URL, what the access point saw.
	Err error
}

// recorder keeps what went through the access point.
type recorder struct {
	mu          sync.Mutex
	inflight    int // invocations and WriteGetObjectResponses
	relays      []Relay
	invocations []Invocation
	failed      map[string]error // the runtime's account of a failed invocation, by request ID
}

func (rc *recorder) begin() {
	rc.mu.Lock()
	rc.inflight++
	rc.mu.Unlock()
}

// end records, with f, the end of what begin counted.
func (rc *recorder) end(f func()) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	f()
	rc.inflight--
}

// invoked records an invocation's end, the access point's view err
// replaced by the runtime's account when there is one; rc.mu is held.
func (rc *recorder) invoked(id string, err error) {
	if f, ok := rc.failed[id]; ok && err != nil {
		err = f
	}
	delete(rc.failed, id)
	rc.invocations = append(rc.invocations, Invocation{RequestID: id, Err: err})
}

// settle locks rc once nothing is in flight, or after d; the caller
// unlocks it.
func (rc *recorder) settle(d time.Duration) {
	for end := time.Now().Add(d); ; time.Sleep(time.Millisecond) {
		rc.mu.Lock()
		if rc.inflight == 0 || time.Now().After(end) {
			return
		}
		rc.mu.Unlock()
	}
}

// Relays returns the WriteGetObjectResponses received so far, in the order
// they ended, after waiting (up to the timeout) for those in flight.
func (s *Server) Relays() []Relay {
	s.rec.settle(s.limit)
	defer s.rec.mu.Unlock()
	return slices.Clone(s.rec.relays)
}

// Invocations returns the function's invocations that ended so far, in
// the order they ended. A GetObject the access point refused itself (no
// key, say) invokes nothing.
func (s *Server) Invocations() []Invocation {
	s.rec.settle(s.limit)
	defer s.rec.mu.Unlock()
	return slices.Clone(s.rec.invocations)
}

// wrap records each WriteGetObjectResponse that h serves.
func (rc *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !r.URL.Query().Has(oss.WriteQuery) {
			h.ServeHTTP(w, r)
			return
		}
		rc.begin()
		rel := Relay{Header: make(http.Header), ContentLength: r.ContentLength}
		rel.Status, _ = strconv.Atoi(r.Header.Get(oss.HeaderStatus))
		for name, vs := range r.Header {
			if fwd, ok := strings.CutPrefix(name, http.CanonicalHeaderKey(oss.FwdPrefix)); ok && fwd != "" {
				rel.Header[http.CanonicalHeaderKey(fwd)] = vs
			}
		}
		body, answer := capped{max: MaxRecordedBody}, capped{max: maxAnswer}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(r.Body, &body), r.Body}
		rw := &hookWriter{ResponseWriter: w, kept: &answer}
		rw.before = func(status int) { rel.Answer, rel.RequestID = status, rw.Header().Get(oss.HeaderRequestID) }
		defer rc.end(func() {
			rel.Body, rel.BodyTruncated = body.Bytes(), body.truncated
			if rel.Answer == 0 {
				rel.Answer = http.StatusOK
			}
			if rel.Answer != http.StatusOK {
				doc, _ := oss.ParseErrorDoc(&answer.Buffer, maxAnswer)
				rel.Code, rel.Message = doc.Code, doc.Message
			}
			rc.relays = append(rc.relays, rel)
		})
		h.ServeHTTP(rw, r)
	})
}

// capped keeps the first max bytes written to it; truncated says there
// were more.
type capped struct {
	bytes.Buffer
	max       int
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	keep := min(len(p), c.max-c.Len())
	c.Buffer.Write(p[:keep])
	c.truncated = c.truncated || keep < len(p)
	return len(p), nil
}

// hookWriter calls before, once, with the status about to be sent, and
// copies the body to kept when it is set.
type hookWriter struct {
	http.ResponseWriter
	before func(status int)
	kept   io.Writer
	wrote  bool
}

func (w *hookWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.before(status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *hookWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.kept != nil {
		w.kept.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.NewResponseController reach the connection's deadlines.
func (w *hookWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// failures is the in-process runtime's slog.Handler: it keeps the error of
// each failed invocation, which fcrt logs as "error" beside
// "fc_request_id", and passes on the records Handler takes. (fcrt logs
// without With, so the embedded WithAttrs and WithGroup are never called.)
type failures struct {
	slog.Handler
	rec *recorder
}

func (f failures) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || f.Handler.Enabled(ctx, l)
}

func (f failures) Handle(ctx context.Context, r slog.Record) error {
	var id string
	var err error
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "fc_request_id":
			id = a.Value.String()
		case "error":
			err, _ = a.Value.Any().(error)
		}
		return true
	})
	if id != "" && err != nil {
		f.rec.mu.Lock()
		f.rec.failed[id] = err
		f.rec.mu.Unlock()
	}
	if !f.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return f.Handler.Handle(ctx, r)
}

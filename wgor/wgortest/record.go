package wgortest

import (
	"bytes"
	"io"
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
	changed     *sync.Cond
	inflight    int
	relays      []Relay
	invocations []Invocation
	failed      map[string]error // the runtime's account of a failed invocation, by request ID
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

func (rc *recorder) begin() {
	rc.mu.Lock()
	rc.inflight++
	rc.mu.Unlock()
}

func (rc *recorder) end(f func()) {
	rc.mu.Lock()
	f()
	rc.inflight--
	rc.changed.Broadcast()
	rc.mu.Unlock()
}

// settle locks rc and waits, at most d, until no invocation or
// WriteGetObjectResponse is in flight; the caller unlocks rc.
func (rc *recorder) settle(d time.Duration) {
	rc.mu.Lock()
	c := rc.changed
	timedOut := false
	t := time.AfterFunc(d, func() {
		rc.mu.Lock()
		timedOut = true
		c.Broadcast()
		rc.mu.Unlock()
	})
	defer t.Stop()
	for rc.inflight > 0 && !timedOut {
		c.Wait()
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
		body := &teeBody{ReadCloser: r.Body}
		r.Body = body
		rw := &answerWriter{ResponseWriter: w}
		defer rc.end(func() {
			rel.Body, rel.BodyTruncated = body.kept.Bytes(), body.truncated
			rel.Answer, rel.RequestID = rw.status, rw.requestID
			if rel.Answer == 0 {
				rel.Answer = http.StatusOK
			}
			if rel.Answer != http.StatusOK {
				doc, _ := oss.ParseErrorDoc(&rw.body, maxAnswer)
				rel.Code, rel.Message = doc.Code, doc.Message
			}
			rc.relays = append(rc.relays, rel)
		})
		h.ServeHTTP(rw, r)
	})
}

// teeBody keeps what is read, up to MaxRecordedBody bytes.
type teeBody struct {
	io.ReadCloser
	kept      bytes.Buffer
	truncated bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	keep := min(n, MaxRecordedBody-t.kept.Len())
	t.kept.Write(p[:keep])
	if keep < n {
		t.truncated = true
	}
	return n, err
}

// answerWriter keeps the status and the start of the body of an answer.
type answerWriter struct {
	http.ResponseWriter
	status    int
	requestID string
	body      bytes.Buffer
}

func (a *answerWriter) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
		a.requestID = a.Header().Get(oss.HeaderRequestID)
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerWriter) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.WriteHeader(http.StatusOK)
	}
	if a.body.Len() < maxAnswer {
		a.body.Write(p[:min(len(p), maxAnswer-a.body.Len())])
	}
	return a.ResponseWriter.Write(p)
}

// Unwrap lets http.NewResponseController reach the connection's deadlines.
func (a *answerWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

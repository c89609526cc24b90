package accesspoint

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// serveWriteGetObjectResponse checks a function's response, hands it to the
// waiting GetObject, and answers once the relay is over.
func (s *Server) serveWriteGetObjectResponse(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	p, job, e := s.accept(r)
	if e != nil {
		s.log.Info("writegetobjectresponse refused", "request_id", requestID, "code", e.doc.Code, "message", e.doc.Message)
		writeError(w, r, requestID, e)
		return
	}
	if names := undocumentedFwdHeaders(r); len(names) > 0 {
		s.log.Info("writegetobjectresponse: forwarding headers the API reference does not list; OSS may drop them",
			"request_id", requestID, "headers", names)
	}
	_ = http.NewResponseController(w).SetReadDeadline(p.deadline)
	p.jobs <- job
	res := <-job.done
	if res.err != nil {
		s.log.Warn("writegetobjectresponse: relay failed", "request_id", requestID,
			"getobject_request_id", p.requestID, "code", res.err.doc.Code, "bytes", res.bytes)
		writeError(w, r, requestID, res.err)
		return
	}
	w.Header().Set(oss.HeaderRequestID, requestID)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// accept runs the checks and claims the token: the length first, so that a
// body of unknown length is never read; the signature before anything that
// could tell an unauthenticated caller about tokens.
func (s *Server) accept(r *http.Request) (*pending, *relayJob, *ossError) {
	// The API reference lists Content-Length as required.
	if !s.cfg.AllowChunked && (r.ContentLength < 0 || len(r.Header.Values("Content-Length")) != 1) {
		return nil, nil, newError(http.StatusLengthRequired, CodeMissingContentLength,
			"OSS requires Content-Length on WriteGetObjectResponse: send the body with its length, "+
				"or start the emulator with --allow-chunked (Config.AllowChunked) to rely on chunked transfer, which OSS does not document.")
	}
	if err := s.verify(r); err != nil {
		return nil, nil, fromVerifyError(err)
	}
	status, e := checkHeaders(r)
	if e != nil {
		return nil, nil, e
	}
	var digest []byte
	if v := r.Header.Get("Content-Md5"); v != "" {
		d, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(d) != md5.Size {
			return nil, nil, newError(http.StatusBadRequest, CodeInvalidDigest,
				"Content-MD5 must be the base64 of a 16-byte MD5 digest.")
		}
		digest = d
	}
	p, e := s.tokens.claim(r.Header.Get(oss.HeaderToken), r.Header.Get(oss.HeaderRoute))
	if e != nil {
		return nil, nil, e
	}
	return p, &relayJob{req: r, status: status, digest: digest, done: make(chan relayResult, 1)}, nil
}

// verify checks the signature: V2, V1 or V4 (sign.Verify), each in the
// header or the query.
func (s *Server) verify(r *http.Request) error {
	lookup := func(id string) (sign.Credentials, bool) {
		return s.cfg.Credentials, id == s.cfg.Credentials.AccessKeyID
	}
	o := v1Options{lookup: lookup, now: time.Now()}
	if v := oldVersion(r); v != 0 {
		return verifyOld(r, v, o)
	}
	_, err := sign.Verify(r, &sign.VerifyOptions{Region: s.cfg.Region, Now: o.now, Lookup: lookup})
	return err
}

// checkHeaders checks the route, token and status headers (the API
// reference's header table), and returns the status to forward.
func checkHeaders(r *http.Request) (int, *ossError) {
	for _, name := range []string{oss.HeaderRoute, oss.HeaderToken, oss.HeaderStatus} {
		if n := len(r.Header.Values(name)); n > 1 {
			return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
				name+" was sent "+strconv.Itoa(n)+" times: send it once.")
		}
	}
	if r.Header.Get(oss.HeaderRoute) == "" || r.Header.Get(oss.HeaderToken) == "" {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			oss.HeaderRoute+" and "+oss.HeaderToken+" are required: copy them from the event's getObjectContext.")
	}
	v := r.Header.Values(oss.HeaderStatus)
	if len(v) == 0 {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			oss.HeaderStatus+" is required: send the HTTP status the GetObject caller gets, one of "+oss.StatusList+".")
	}
	status, ok := oss.ParseStatus(v[0])
	if !ok {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			oss.HeaderStatus+" "+strconv.Quote(clip(v[0], 16))+" is not valid: OSS accepts only "+oss.StatusList+", in plain decimal.")
	}
	return status, nil
}

// undocumentedFwdHeaders lists the forwarded names of r that the API
// reference does not list, but Location (the Java SDK's sample sends it).
func undocumentedFwdHeaders(r *http.Request) []string {
	var names []string
	for name := range r.Header {
		fwd, ok := cutFwd(name)
		if ok && !oss.Documented(fwd) && fwd != "Location" {
			names = append(names, fwd)
		}
	}
	return names
}

// cutFwd returns <Name> of a header name x-oss-fwd-header-<Name>.
func cutFwd(name string) (string, bool) {
	if len(name) <= len(oss.FwdPrefix) || !strings.EqualFold(name[:len(oss.FwdPrefix)], oss.FwdPrefix) {
		return "", false
	}
	return http.CanonicalHeaderKey(name[len(oss.FwdPrefix):]), true
}

// clip cuts s to at most n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

package accesspoint

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
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
	if e := checkLength(r, s.cfg.AllowChunked); e != nil {
		return nil, nil, e
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

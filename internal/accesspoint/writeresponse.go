package accesspoint

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/wgor-dev/wgor/sign"
)

// Request headers of WriteGetObjectResponse (OSS API reference
// "WriteGetObjectResponse").
const (
	headerRoute     = "X-Oss-Request-Route"
	headerToken     = "X-Oss-Request-Token"
	headerFwdStatus = "X-Oss-Fwd-Status"
	fwdHeaderPrefix = "X-Oss-Fwd-Header-"
)

// serveWriteGetObjectResponse checks a function's response — its length
// first, so that a body of unknown length is never read, then the
// signature, so that an unauthenticated request learns nothing about
// tokens, then its headers, then the token — and hands it to the waiting
// GetObject, which relays it. It answers when the relay is over.
func (s *Server) serveWriteGetObjectResponse(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	refuse := func(e *ossError) {
		s.log.Info("writegetobjectresponse refused", "request_id", requestID, "code", e.code, "message", e.message)
		writeError(w, r, requestID, e)
	}
	if e := checkLength(r, s.allowChunked); e != nil {
		refuse(e)
		return
	}
	if e := s.verify(r); e != nil {
		refuse(e)
		return
	}
	status, e := checkHeaders(r)
	if e != nil {
		refuse(e)
		return
	}
	route, token := r.Header.Get(headerRoute), r.Header.Get(headerToken)
	if names := undocumentedFwdHeaders(r); len(names) > 0 {
		s.log.Info("writegetobjectresponse: forwarding headers the API reference does not list; OSS may drop them",
			"request_id", requestID, "headers", names)
	}
	var err error
	var digest []byte
	if v := r.Header.Get("Content-Md5"); v != "" {
		digest, err = base64.StdEncoding.DecodeString(v)
		if err != nil || len(digest) != md5.Size {
			refuse(newError(http.StatusBadRequest, CodeInvalidDigest,
				"Content-MD5 must be the base64 of a 16-byte MD5 digest."))
			return
		}
	}
	p, e := s.tokens.claim(token, route)
	if e != nil {
		refuse(e)
		return
	}

	// The body must arrive before the GetObject's deadline.
	_ = http.NewResponseController(w).SetReadDeadline(p.deadline)
	job := &relayJob{req: r, status: status, digest: digest, done: make(chan relayResult, 1)}
	p.jobs <- job
	res := <-job.done
	if res.err != nil {
		s.log.Warn("writegetobjectresponse: relay failed", "request_id", requestID,
			"getobject_request_id", p.requestID, "code", res.err.code, "bytes", res.bytes)
		writeError(w, r, requestID, res.err)
		return
	}
	w.Header().Set(headerRequestID, requestID)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// verify checks the signature of a WriteGetObjectResponse: OSS V4 in the
// header or the query (sign.Verify), or OSS V1 in either (verifyV1).
func (s *Server) verify(r *http.Request) *ossError {
	lookup := func(id string) (sign.Credentials, bool) { return s.creds, id == s.creds.AccessKeyID }
	if strings.HasPrefix(r.Header.Get(sign.HeaderAuthorization), "OSS2 ") {
		return newError(http.StatusBadRequest, CodeInvalidArgument,
			"The emulator does not check OSS signature V2 (OSS2): sign with V4 (OSS4-HMAC-SHA256) or V1.")
	}
	if isV1(r) {
		if err := verifyV1(r, v1Options{lookup: lookup, now: s.now()}); err != nil {
			return fromVerifyError(err)
		}
		return nil
	}
	if _, err := sign.Verify(r, &sign.VerifyOptions{Region: s.region, Now: s.now(), Lookup: lookup}); err != nil {
		return fromVerifyError(err)
	}
	return nil
}

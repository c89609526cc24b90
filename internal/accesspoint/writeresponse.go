package accesspoint

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// serveWriteGetObjectResponse checks a function's response — its length
// first, so that a body of unknown length is never read, then the
// signature, so that an unauthenticated request learns nothing about
// tokens, then its headers, then the token — and hands it to the waiting
// GetObject, which relays it. It answers when the relay is over.
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
	// The body must arrive before the GetObject's deadline.
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

// accept runs the checks in order and claims the token.
func (s *Server) accept(r *http.Request) (*pending, *relayJob, *ossError) {
	if e := checkLength(r, s.allowChunked); e != nil {
		return nil, nil, e
	}
	if e := s.verify(r); e != nil {
		return nil, nil, e
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

// verify checks the signature of a WriteGetObjectResponse: OSS V4 in the
// header or the query (sign.Verify), or OSS V1 or V2 in either.
func (s *Server) verify(r *http.Request) *ossError {
	lookup := func(id string) (sign.Credentials, bool) { return s.creds, id == s.creds.AccessKeyID }
	var err error
	switch {
	case isV2(r):
		err = verifyV2(r, v1Options{lookup: lookup, now: s.now()})
	case isV1(r):
		err = verifyV1(r, v1Options{lookup: lookup, now: s.now()})
	default:
		if _, err = sign.Verify(r, &sign.VerifyOptions{Region: s.region, Now: s.now(), Lookup: lookup}); err != nil {
			e := fromVerifyError(err)
			e.doc.Message += verifyHints[e.doc.Code]
			return e
		}
	}
	if err != nil {
		return fromVerifyError(err)
	}
	return nil
}

// verifyHints say, for the emulator, what to change after a V4 refusal whose
// message does not.
var verifyHints = map[string]string{
	"InvalidAccessKeyId":   " Sign with the credentials of the invocation (Server.Credentials).",
	"InvalidSecurityToken": " Send the security token of the invocation's credentials.",
}

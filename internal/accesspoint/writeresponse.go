package accesspoint

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strconv"

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

// serveWriteGetObjectResponse checks a function's response — signature
// first, so that an unauthenticated request learns nothing about tokens, then
// its headers, then the token — and hands it to the waiting GetObject, which
// relays it. It answers when the relay is over.
func (s *Server) serveWriteGetObjectResponse(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	refuse := func(e *ossError) {
		s.log.Info("writegetobjectresponse refused", "request_id", requestID, "code", e.code, "message", e.message)
		writeError(w, r, requestID, e)
	}
	_, err := sign.Verify(r, &sign.VerifyOptions{
		Region: s.region,
		Now:    s.now(),
		Lookup: func(id string) (sign.Credentials, bool) {
			return s.creds, id == s.creds.AccessKeyID
		},
	})
	if err != nil {
		refuse(fromVerifyError(err))
		return
	}
	route, token := r.Header.Get(headerRoute), r.Header.Get(headerToken)
	if route == "" || token == "" {
		refuse(newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-request-route and x-oss-request-token are required: copy them from the event's getObjectContext."))
		return
	}
	status, err := strconv.Atoi(r.Header.Get(headerFwdStatus))
	if err != nil || status < 200 || status > 599 {
		refuse(newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-fwd-status must be an HTTP status code from 200 to 599."))
		return
	}
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

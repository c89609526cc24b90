package accesspoint

import (
	"bytes"
	"crypto/md5"
	"errors"
	"hash"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
)

// relayJob is a claimed WriteGetObjectResponse, relayed by the GetObject
// handler while the WriteGetObjectResponse handler waits on done.
type relayJob struct {
	req    *http.Request
	status int
	digest []byte // Content-MD5, when sent
	done   chan relayResult
}

type relayResult struct {
	err   *ossError // nil: the caller got the whole response
	bytes int64
}

// relay writes the status, the forwarded headers and the streamed body to
// the caller, with the request's Content-Length when it has one. A body
// that ends early or fails its Content-MD5 aborts the caller's response.
func (s *Server) relay(w http.ResponseWriter, p *pending, job *relayJob, start time.Time) {
	var res relayResult
	abort := false
	defer func() {
		job.done <- res
		code := ""
		if res.err != nil {
			code = res.err.doc.Code
		}
		s.log.Info("getobject: relayed", "request_id", p.requestID, "status", job.status,
			"bytes", res.bytes, "error_code", code, "duration", time.Since(start))
		if abort {
			panic(http.ErrAbortHandler) // net/http closes the connection, silently
		}
	}()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(p.deadline)

	h := w.Header()
	for name, values := range job.req.Header {
		// Connection and framing fields are not relayed: the emulator's own
		// response sets them. Proxy-Connection too (RFC 9110, section 7.6.1).
		if fwd, ok := cutFwd(name); ok && !slices.Contains(oss.ConnectionSpecific[:], fwd) && fwd != "Proxy-Connection" {
			h[fwd] = append(h[fwd], values...)
		}
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // relay as sent: no sniffing
	}
	h.Set(oss.HeaderRequestID, p.requestID)
	body := job.req.Body

	if job.status == http.StatusNotModified {
		w.WriteHeader(job.status)
		n, err := io.Copy(io.Discard, body)
		if err != nil {
			res.err = readError(err, n)
		}
		return
	}
	if n := job.req.ContentLength; n >= 0 {
		h.Set("Content-Length", strconv.FormatInt(n, 10))
	}
	w.WriteHeader(job.status)
	res.bytes, res.err = copyBody(w, rc, body, job.digest)
	abort = res.err != nil
}

// copyBody streams body to w, flushing each chunk. With a digest it holds
// the last byte back until the digest matched.
func copyBody(w io.Writer, rc *http.ResponseController, body io.Reader, digest []byte) (int64, *ossError) {
	buf := make([]byte, 64<<10)

	var sum hash.Hash
	if digest != nil {
		sum = md5.New()
	}
	var written, read int64
	held := 0 // 1 when buf[0] is a byte held back
	for {
		n, rerr := body.Read(buf[held:])
		read += int64(n)
		if sum != nil {
			sum.Write(buf[held : held+n])
		}
		end := held + n
		held = 0
		if sum != nil && end > 0 {
			end, held = end-1, 1 // hold the last byte back
		}
		if err := write(w, rc, buf[:end]); err != nil {
			return written, callerError(err)
		}
		written += int64(end)
		if held == 1 {
			buf[0] = buf[end]
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return written, readError(rerr, read)
		}
	}
	if sum != nil && !bytes.Equal(sum.Sum(nil), digest) {
		return written, newError(http.StatusBadRequest, CodeInvalidDigest,
			"The Content-MD5 you specified does not match the body that was sent.")
	}
	if err := write(w, rc, buf[:held]); err != nil {
		return written, callerError(err)
	}
	return written + int64(held), nil
}

func write(w io.Writer, rc *http.ResponseController, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	return rc.Flush()
}

func readError(err error, n int64) *ossError {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return newError(http.StatusBadRequest, CodeRequestTimeout,
			"The body of WriteGetObjectResponse did not arrive within the timeout; "+strconv.FormatInt(n, 10)+" bytes were read.")
	}
	return newError(http.StatusBadRequest, CodeIncompleteBody,
		"The body of WriteGetObjectResponse ended before it was complete after "+strconv.FormatInt(n, 10)+" bytes.")
}

func callerError(err error) *ossError {
	msg := "The GetObject caller went away before the whole response reached it."
	if errors.Is(err, os.ErrDeadlineExceeded) {
		msg = "The GetObject caller did not read the response within the timeout."
	}
	return newError(http.StatusBadRequest, CodeCallerDisconnected, msg)
}

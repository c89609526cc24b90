package accesspoint

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// Error codes the emulator answers with: OSS's own (OSS API reference,
// "Error codes"), then the emulator's choices where OSS documents none.
const (
	CodeAccessDenied          = "AccessDenied"
	CodeInvalidArgument       = "InvalidArgument"
	CodeInvalidDigest         = "InvalidDigest"
	CodeIncompleteBody        = "IncompleteBody"
	CodeMethodNotAllowed      = "MethodNotAllowed"
	CodeNoSuchKey             = "NoSuchKey"
	CodeRequestTimeout        = "RequestTimeout"
	CodeServiceUnavailable    = "ServiceUnavailable"
	CodeInternalError         = "InternalError"
	CodeSignatureDoesNotMatch = "SignatureDoesNotMatch"
	CodeMissingContentLength  = "MissingContentLength"
	CodeRequestTimeTooSkewed  = "RequestTimeTooSkewed"

	// The function failed before any WriteGetObjectResponse (502).
	CodeFunctionInvocationFailed = "FunctionInvocationFailed"
	// The function returned without sending WriteGetObjectResponse (502).
	CodeFunctionResponseNotReceived = "FunctionResponseNotReceived"
	// No WriteGetObjectResponse within Config.Timeout (504).
	CodeFunctionTimeout = "FunctionTimeout"
	// The GetObject caller went away during the relay (400, to the function).
	CodeCallerDisconnected = "CallerDisconnected"
)

// ossError is an error answered in OSS's XML error document.
type ossError struct {
	status int
	doc    oss.ErrorDoc
}

func newError(status int, code, message string) *ossError {
	return &ossError{status: status, doc: oss.ErrorDoc{Code: code, Message: message}}
}

// verifyHints say what to change after a refusal whose message does not.
var verifyHints = map[string]string{
	"InvalidAccessKeyId":   " Sign with the credentials of the invocation (Server.Credentials).",
	"InvalidSecurityToken": " Send the security token of the invocation's credentials.",
}

// fromVerifyError maps a refused signature to OSS's answer: 400 for
// InvalidArgument, else 403. SignatureDoesNotMatch carries the server's
// StringToSign, never the canonical request (it holds the tokens).
func fromVerifyError(err error) *ossError {
	var ve *sign.VerifyError
	if !errors.As(err, &ve) {
		return newError(http.StatusForbidden, CodeAccessDenied, "The request signature could not be checked.")
	}
	status := http.StatusForbidden
	if ve.Code == CodeInvalidArgument {
		status = http.StatusBadRequest
	}
	e := newError(status, ve.Code, ve.Message+verifyHints[ve.Code])
	e.doc.EC = ve.EC
	if ve.Code == "InvalidSecurityToken" {
		e.doc.EC = "0002-00000006" // OSS error page 0002-00000006
	}
	if ve.Code == CodeSignatureDoesNotMatch {
		e.doc.StringToSign = ve.StringToSign
	}
	return e
}

// writeError answers e as OSS does: the XML document, application/xml, the
// request ID and EC in headers too.
func writeError(w http.ResponseWriter, r *http.Request, requestID string, e *ossError) {
	d := e.doc
	d.RequestID, d.HostID = requestID, r.Host
	body := d.Marshal()
	h := w.Header()
	clear(h) // an error stands alone
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(oss.HeaderRequestID, requestID)
	if d.EC != "" {
		h.Set("X-Oss-Ec", d.EC)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// newRequestID returns 24 upper-case hex digits, as OSS's x-oss-request-id.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

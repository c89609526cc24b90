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

// Error codes the emulator answers with. The first group are OSS's own codes
// (OSS API reference, "Error codes"; the signature codes come from
// sign.Verify). OSS does not document what WriteGetObjectResponse answers for
// a bad token, nor what a GetObject caller receives when the function fails,
// so the second group is the emulator's choice; see the package
// documentation.
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

	// CodeFunctionInvocationFailed: the function returned an error, or the
	// custom runtime answered a failure, before any WriteGetObjectResponse
	// (502).
	CodeFunctionInvocationFailed = "FunctionInvocationFailed"
	// CodeFunctionResponseNotReceived: the function returned successfully
	// without sending WriteGetObjectResponse (502).
	CodeFunctionResponseNotReceived = "FunctionResponseNotReceived"
	// CodeFunctionTimeout: no WriteGetObjectResponse arrived within
	// Config.Timeout (504).
	CodeFunctionTimeout = "FunctionTimeout"
	// CodeCallerDisconnected answers a WriteGetObjectResponse whose
	// GetObject caller went away before the whole response reached it (400).
	CodeCallerDisconnected = "CallerDisconnected"
)

// ossError is an error answered in OSS's XML error document.
type ossError struct {
	status int
	doc    oss.ErrorDoc // Code, Message, EC and, for SignatureDoesNotMatch, StringToSign
}

func newError(status int, code, message string) *ossError {
	return &ossError{status: status, doc: oss.ErrorDoc{Code: code, Message: message}}
}

// fromVerifyError maps a refusal of a signature to OSS's answer: 400 for a
// malformed request, 403 for everything else. The server's string to sign
// goes along with SignatureDoesNotMatch; the canonical request does not,
// because it holds the security token and the request token.
func fromVerifyError(err error) *ossError {
	var ve *sign.VerifyError
	if !errors.As(err, &ve) {
		return newError(http.StatusForbidden, CodeAccessDenied, "The request signature could not be checked.")
	}
	status := http.StatusForbidden
	if ve.Code == CodeInvalidArgument {
		status = http.StatusBadRequest
	}
	e := newError(status, ve.Code, ve.Message)
	e.doc.EC = ve.EC
	if e.doc.EC == "" {
		e.doc.EC = defaultEC[ve.Code]
	}
	if ve.Code == CodeSignatureDoesNotMatch {
		e.doc.StringToSign = ve.StringToSign
	}
	return e
}

// defaultEC are the EC of the refusals whose pages OSS publishes, for a
// refusal that names none: 0002-00000201 and 0002-00000006.
var defaultEC = map[string]string{
	CodeSignatureDoesNotMatch: ecSignatureDoesNotMatch,
	"InvalidSecurityToken":    ecInvalidSecurityToken,
}

// writeError answers e as OSS does: the XML document, Content-Type
// application/xml, and the request ID (and EC, when known) in headers too.
func writeError(w http.ResponseWriter, r *http.Request, requestID string, e *ossError) {
	d := e.doc
	d.RequestID, d.HostID = requestID, r.Host
	body := d.Marshal()
	h := w.Header()
	for k := range h { // an error stands alone: no header set before it
		delete(h, k)
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(oss.HeaderRequestID, requestID)
	if d.EC != "" {
		h.Set("X-Oss-Ec", d.EC)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// newRequestID returns 24 upper-case hex digits, the shape of OSS's
// x-oss-request-id.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

package accesspoint

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"

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

// Detailed error codes (EC) that OSS documents for the refusals the emulator
// reproduces, when the refusal does not name its own (sign.VerifyError.EC
// does for V4). Other errors carry no EC.
var detailedCodes = map[string]string{
	CodeSignatureDoesNotMatch: "0002-00000201", // OSS help page 0002-00000201
	"InvalidSecurityToken":    "0002-00000006", // OSS help page 0002-00000006
}

// ossError is an error answered in OSS's XML error format.
type ossError struct {
	status       int
	code         string
	message      string
	stringToSign string // SignatureDoesNotMatch only
	ec           string // OSS's detailed code; "" means detailedCodes[code], if any
}

func newError(status int, code, message string) *ossError {
	return &ossError{status: status, code: code, message: message}
}

// fromVerifyError maps a refusal of sign.Verify to OSS's answer: 400 for a
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
	e := newError(status, ve.Code, ve.Message+verifyHints[ve.Code])
	e.ec = ve.EC
	if ve.Code == CodeSignatureDoesNotMatch {
		e.stringToSign = ve.StringToSign
	}
	return e
}

// verifyHints say, for the emulator, what to change after a refusal whose
// message does not.
var verifyHints = map[string]string{
	"InvalidAccessKeyId":   " Sign with the credentials of the invocation (Server.Credentials).",
	"InvalidSecurityToken": " Send the security token of the invocation's credentials.",
}

// errorBody is OSS's XML error document.
type errorBody struct {
	XMLName      xml.Name `xml:"Error"`
	Code         string   `xml:"Code"`
	Message      string   `xml:"Message"`
	RequestID    string   `xml:"RequestId"`
	HostID       string   `xml:"HostId"`
	StringToSign string   `xml:"StringToSign,omitempty"`
	EC           string   `xml:"EC,omitempty"`
}

// writeError answers e as OSS does: the XML document, Content-Type
// application/xml, and the request ID (and EC, when known) in headers too.
func writeError(w http.ResponseWriter, r *http.Request, requestID string, e *ossError) {
	body := errorBody{
		Code:         e.code,
		Message:      e.message,
		RequestID:    requestID,
		HostID:       r.Host,
		StringToSign: e.stringToSign,
		EC:           e.ec,
	}
	if body.EC == "" {
		body.EC = detailedCodes[e.code]
	}
	out, err := xml.MarshalIndent(body, "", "  ")
	if err != nil { // cannot happen for strings; answer without a body
		out = nil
	}
	doc := append([]byte(xml.Header), out...)
	doc = append(doc, '\n')

	h := w.Header()
	for k := range h { // an error stands alone: no header set before it
		delete(h, k)
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	h.Set(headerRequestID, requestID)
	if body.EC != "" {
		h.Set("X-Oss-Ec", body.EC)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(doc)
}

const headerRequestID = "X-Oss-Request-Id"

// newRequestID returns 24 upper-case hex digits, the shape of OSS's
// x-oss-request-id.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

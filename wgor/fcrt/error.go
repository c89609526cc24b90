package fcrt

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
)

// ValidStatus reports whether OSS accepts status as WriteGetObjectResponse's
// x-oss-fwd-status (OSS API reference "WriteGetObjectResponse"). Any other
// is refused before anything is sent.
func ValidStatus(status int) bool { return oss.ValidStatus(status) }

// StatusError is a deliberate error answer: the runtime answers the
// GetObject caller with Status and an OSS-style XML error body holding
// Code, Message and the invocation's request ID. Make one with Error.
type StatusError struct {
	Status  int    // the HTTP status the caller receives
	Code    string // OSS-style error code, such as NoSuchKey
	Message string
}

// Error returns an error that, returned by a Handler before it wrote
// anything, answers the caller with status and OSS's XML error document
// holding code, message and the request ID. A status OSS does not accept
// (see ValidStatus) is answered 500; a 304, which has no content, without
// the document.
func Error(status int, code, message string) error {
	return &StatusError{Status: status, Code: code, Message: message}
}

// Error describes the answer.
func (e *StatusError) Error() string {
	return fmt.Sprintf("fcrt: answer %d %s: %s", e.Status, e.Code, e.Message)
}

// answerOf returns the runtime's answer to a handler's error, and whether
// the error is a deliberate answer rather than a failure.
func answerOf(err error) (status int, code, message string, deliberate bool) {
	var se *StatusError
	var oe *OriginalError
	switch {
	case errors.As(err, &se):
		status, code, message, deliberate = se.Status, se.Code, se.Message, true
	case errors.As(err, &oe):
		status, code, message, deliberate = oe.StatusCode, oe.Code, oe.Message, true
	default:
		return http.StatusInternalServerError, "InternalError",
			"The function failed before it answered; its log has the error.", false
	}
	if !ValidStatus(status) {
		status = http.StatusInternalServerError
	}
	if code == "" {
		code = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	return status, code, message, deliberate
}

// PanicError is the error of a handler that panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic

	text string    // Value as text, scrubbed of the invocation's secrets
	pcs  []uintptr // the frames, for the runtime API's stackTrace
}

// Error describes the panic, without the invocation's secrets.
func (e *PanicError) Error() string {
	text := e.text
	if text == "" { // made by hand: still no signature
		text = redact.New().String(fmt.Sprint(e.Value))
	}
	return "fcrt: the handler panicked: " + text
}

// Format makes every fmt verb print Error, never Value as it is.
func (e *PanicError) Format(f fmt.State, verb rune) { redact.Format(f, verb, e.Error()) }

// handlerError is an error the handler returned.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return "fcrt: the handler returned: " + e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

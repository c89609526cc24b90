package wgor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNotSent is wrapped by every error Write returns before a byte of the
// request left the machine: an invalid Response, a body that could not be
// spooled, a context that ended first, a connection that could not be
// made. The outputToken is then still unused, and may carry another
// answer (an error status, say).
var ErrNotSent = errors.New("wgor: WriteGetObjectResponse not sent")

// ErrInvalidResponse is wrapped by every error about a Response that cannot
// be sent. Write returns it before sending anything.
var ErrInvalidResponse = errors.New("wgor: invalid response")

// ErrBodyLength is wrapped by the error Write returns when Body is shorter or
// longer than Response.ContentLength. When the mismatch shows only while
// streaming, the request is cut short so that OSS cannot take it for a
// complete response.
var ErrBodyLength = errors.New("wgor: body length does not match ContentLength")

// notSentError adds ErrNotSent to an error's chain without changing its
// message.
type notSentError struct{ err error }

func (e notSentError) Error() string   { return e.err.Error() }
func (e notSentError) Unwrap() []error { return []error{e.err, ErrNotSent} }

func notSent(err error) error {
	if errors.Is(err, ErrNotSent) {
		return err
	}
	return notSentError{err}
}

// invalid is the error for a Response or Client that cannot be sent.
func invalid(format string, args ...any) error {
	return notSent(fmt.Errorf("%w: "+format, append([]any{ErrInvalidResponse}, args...)...))
}

// wrap prefixes err's message with what failed, saying "wgor: " once.
func wrap(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, withoutPrefix{err})...)
}

// withoutPrefix prints an inner error without the "wgor: " it starts with,
// so that a wrapped message does not stutter.
type withoutPrefix struct{ err error }

func (e withoutPrefix) Error() string { return strings.TrimPrefix(e.err.Error(), "wgor: ") }
func (e withoutPrefix) Unwrap() error { return e.err }

// quote quotes text from the caller for an error message, cut short: a
// route or a header name is not secret, but it may be long.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}

package redact

import (
	"fmt"
	"slices"
)

// Error returns err when its message and every message it wraps are clean
// and on one line, so that errors.Is and errors.As find what they did.
// Otherwise it returns an error with the scrubbed message, wrapping the
// scrubbed children.
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	var kids []error
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		kids = []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		kids = slices.Clone(u.Unwrap())
	}
	kids = slices.DeleteFunc(kids, func(e error) bool { return e == nil })
	msg := err.Error()
	same := s.String(msg) == msg
	for i, k := range kids {
		kids[i] = s.Error(k)
		same = same && kids[i] == k
	}
	if same {
		return err
	}
	return &scrubbed{msg: s.String(msg), errs: kids}
}

type scrubbed struct {
	msg  string
	errs []error
}

func (e *scrubbed) Error() string   { return e.msg }
func (e *scrubbed) Unwrap() []error { return e.errs }

// Errorf is fmt.Errorf with the result passed through s.Error.
func (s *Scrubber) Errorf(format string, args ...any) error {
	return s.Error(fmt.Errorf(format, args...))
}

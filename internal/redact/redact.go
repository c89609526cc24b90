// Package redact is the one place that says what is secret and how it is
// hidden. Everything wgor prints (errors, log records, answers, printed
// values) that may hold text from outside passes a Scrubber where that
// text enters, and every type that holds a secret prints through Format and
// LogValue.
//
// Secret are: the access key secret, the security token, the output token,
// and signatures, including a presigned URL's (its Signature,
// x-oss-signature and security-token parameters). Access key IDs, routes,
// request IDs and object names are not.
package redact

import (
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Mark replaces what is hidden.
const Mark = "<redacted>"

// minSecret is the shortest value hidden: a shorter one would take ordinary
// words with it, and none of OSS's secrets is that short.
const minSecret = 4

// Scrubber removes a set of secrets, in every form wgor's output can hold
// them, and any signature, from text. The zero Scrubber knows no secret but
// still hides signatures. A Scrubber is safe for concurrent use.
type Scrubber struct {
	forms []string // longest first: a form may hold another
}

// New returns a Scrubber of secrets. A value that is a URL (an inputOssUrl)
// also adds its signature and token parameters.
func New(secrets ...string) *Scrubber {
	s := &Scrubber{}
	for _, secret := range secrets {
		for _, v := range append([]string{secret}, urlSecrets(secret)...) {
			s.addForms(v)
		}
	}
	slices.SortFunc(s.forms, func(a, b string) int { return len(b) - len(a) })
	return s
}

// addForms adds v as it stands in Go-quoted (%q, %+q, quoted twice),
// JSON-, URL- and HTML-escaped text.
func (s *Scrubber) addForms(v string) {
	if len(v) < minSecret {
		return
	}
	q := inner(strconv.Quote(v))
	j, _ := json.Marshal(v) // a string always marshals
	var raw strings.Builder
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	for _, f := range []string{
		v, q, inner(strconv.Quote(q)), inner(strconv.QuoteToASCII(v)),
		inner(string(j)), inner(strings.TrimSpace(raw.String())),
		url.QueryEscape(v), url.PathEscape(v), html.EscapeString(v),
	} {
		if !slices.Contains(s.forms, f) {
			s.forms = append(s.forms, f)
		}
	}
}

func inner(quoted string) string { return quoted[1 : len(quoted)-1] }

// urlSecrets returns the values of u's query that are secret, when u is an
// absolute URL.
func urlSecrets(u string) []string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.RawQuery == "" {
		return nil
	}
	var out []string
	for name, vs := range p.Query() {
		if secretParam(name) {
			out = append(out, vs...)
		}
	}
	return out
}

// String returns text on one line (see OneLine), without the secrets and
// without any signature.
func (s *Scrubber) String(text string) string {
	// Before and after OneLine: a secret may hold a byte that OneLine
	// replaces (a tab), and OneLine may join what forms a secret.
	text = OneLine(s.remove(text))
	return Signatures(s.remove(text))
}

func (s *Scrubber) remove(text string) string {
	if s != nil {
		for _, f := range s.forms {
			text = strings.ReplaceAll(text, f, Mark)
		}
	}
	return text
}

// Header returns a copy of h whose names and values are scrubbed.
func (s *Scrubber) Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = s.String(v)
		}
		out[s.String(k)] = c
	}
	return out
}

// Error returns err when its message and every message it wraps are clean
// and on one line, so that errors.Is and errors.As find what they did.
// Otherwise it returns an error with the scrubbed message, wrapping the
// scrubbed children.
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := s.String(msg)
	kids := children(err)
	same := clean == msg
	for i, k := range kids {
		kids[i] = s.Error(k)
		same = same && kids[i] == k
	}
	if same {
		return err
	}
	return &scrubbed{msg: clean, errs: kids}
}

type scrubbed struct {
	msg  string
	errs []error
}

func (e *scrubbed) Error() string   { return e.msg }
func (e *scrubbed) Unwrap() []error { return e.errs }

func children(err error) []error {
	var kids []error
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		kids = []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		kids = slices.Clone(u.Unwrap())
	}
	return slices.DeleteFunc(kids, func(e error) bool { return e == nil })
}

// Errorf is fmt.Errorf with the result passed through s.Error.
func (s *Scrubber) Errorf(format string, args ...any) error {
	return s.Error(fmt.Errorf(format, args...))
}

// OneLine makes text printable on one line: control characters (C0, DEL,
// C1), line and paragraph separators and the bidi controls that reorder a
// terminal line become spaces, and invalid UTF-8 becomes U+FFFD.
func OneLine(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = s[i] >= 0x20 && s[i] < 0x7f
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if breaksLine(r) {
			r = ' '
		}
		b.WriteRune(r) // an invalid byte decodes as utf8.RuneError, U+FFFD
	}
	return b.String()
}

// breaksLine reports whether r would break or reorder a terminal line: a
// control character (C0, DEL, C1), a line or paragraph separator, or a bidi
// control.
func breaksLine(r rune) bool {
	return r < 0x20 || r == 0x7f || 0x80 <= r && r <= 0x9f || r == 0x2028 || r == 0x2029 ||
		0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069
}

// Format prints safe, a value's text without its secrets, for every verb:
// the Format method of a type that holds a secret calls it, so that %v,
// %+v, %#v, %s, %q, %x and %d all print only safe.
func Format(f fmt.State, verb rune, safe string) {
	if verb == 'q' {
		safe = strconv.Quote(safe)
	}
	fmt.Fprint(f, safe)
}

// LogValue is slog's value of a type whose text is safe: slog's text and
// JSON handlers then print safe, never the type's fields.
func LogValue(safe string) slog.Value { return slog.StringValue(safe) }

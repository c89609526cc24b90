package wgor

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNotSent is wrapped by every error Write returns before a byte of the
// request left the machine: an invalid Response, a body that could not be
// spooled, a context that ended first, a connection that could not be
// made. The outputToken is then still unused, and may carry another
// answer (an error status, say).
var ErrNotSent = errors.New("wgor: WriteGetObjectResponse not sent")

// joined is an error whose message is written once, whatever it wraps: so
// that "wgor: invalid response: wgor: …" never stutters, and so that a
// scrubbed message can stand for an error holding a secret.
type joined struct {
	msg  string
	errs []error
}

func (e *joined) Error() string   { return e.msg }
func (e *joined) Unwrap() []error { return e.errs }

// trimPrefix removes the "wgor: " an inner error starts with, when it is
// quoted inside another.
func trimPrefix(msg string) string { return strings.TrimPrefix(msg, "wgor: ") }

// wrapf wraps err under a message of its own, quoting err's once.
func wrapf(err error, format string, args ...any) error {
	return &joined{msg: fmt.Sprintf(format, args...) + ": " + trimPrefix(err.Error()), errs: []error{err}}
}

// notSent adds ErrNotSent to err's chain without changing its message.
func notSent(err error) error {
	if errors.Is(err, ErrNotSent) {
		return err
	}
	return &joined{msg: err.Error(), errs: []error{err, ErrNotSent}}
}

func invalid(format string, args ...any) error {
	return &joined{msg: ErrInvalidResponse.Error() + ": " + fmt.Sprintf(format, args...), errs: []error{ErrInvalidResponse, ErrNotSent}}
}

// invalidWrap makes err an invalid-response error, keeping it in the chain.
func invalidWrap(err error) error {
	return &joined{msg: ErrInvalidResponse.Error() + ": " + trimPrefix(err.Error()), errs: []error{ErrInvalidResponse, ErrNotSent, err}}
}

// minSecret is the shortest secret scrubbed: a shorter one would take
// ordinary words with it, and none of OSS's is that short.
const minSecret = 4

// redacted replaces a secret.
const redacted = "<redacted>"

// scrubber removes secrets from text, in every form they are printed in:
// raw, Go-quoted (strconv.Quote and QuoteToASCII, so %q and %+q; and
// quoted twice),
// JSON-escaped (with and without HTML escaping), URL-escaped (query and
// path escaping) and XML/HTML-escaped.
//
// Only whole occurrences go: an occurrence is left alone when a letter, a
// digit or '_' touches it on a side where the secret itself begins or ends
// with one, because a secret never continues into such a byte. So the
// token TOKEN goes from "token TOKEN." or "token:TOKEN" but stays in
// "ALIBABA_CLOUD_SECURITY_TOKEN". An escape sequence just before (\n,
// \u003c, %22) counts as a boundary.
//
// The forms are worked out only for text that may hold one: every form
// keeps each run of letters and digits of the secret, which no encoding
// escapes, so text without one of those runs holds no form, and costs a
// search. The run searched for is long enough to be rare in other text.
type scrubber struct {
	secrets []string
	runs    []string // each secret's keyRun, or "" when too short to tell
	forms   []string
	built   bool
	arrays  [2][4]string // behind secrets and runs, for the usual four
}

func newScrubber(secrets ...string) *scrubber {
	s := &scrubber{}
	s.secrets, s.runs = s.arrays[0][:0], s.arrays[1][:0]
	s.add(secrets...)
	return s
}

// add adds secrets to scrub. Their runs are found when text is first
// looked at.
func (s *scrubber) add(secrets ...string) {
	for _, secret := range secrets {
		if len(secret) >= minSecret {
			s.secrets = append(s.secrets, secret)
		}
	}
	s.forms, s.built = s.forms[:0], false
}

// keyRun returns the first run of at least keyRunLen letters and digits in
// s, or else the longest, or "" when that is shorter than minSecret. (A
// security token can be a kilobyte long: the first long run is found
// without walking all of it.)
func keyRun(s string) string {
	best, start := "", -1
	for i := 0; i <= len(s) && len(best) < keyRunLen; i++ {
		if i < len(s) && alnum[s[i]] {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start > len(best) {
			best = s[start:i]
		}
		start = -1
	}
	if len(best) < minSecret {
		return ""
	}
	return best
}

// keyRunLen is the length of run keyRun stops at: 16 letters and digits of
// a secret in a row are unlikely in other text, and a false match only
// costs working the forms out.
const keyRunLen = 16

// alnum holds the ASCII letters and digits, for keyRun, which walks every
// secret of every attempt that scrubs text.
var alnum = [256]bool{
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'A': true, 'B': true, 'C': true, 'D': true, 'E': true, 'F': true, 'G': true, 'H': true, 'I': true, 'J': true,
	'K': true, 'L': true, 'M': true, 'N': true, 'O': true, 'P': true, 'Q': true, 'R': true, 'S': true, 'T': true,
	'U': true, 'V': true, 'W': true, 'X': true, 'Y': true, 'Z': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true, 'g': true, 'h': true, 'i': true, 'j': true,
	'k': true, 'l': true, 'm': true, 'n': true, 'o': true, 'p': true, 'q': true, 'r': true, 's': true, 't': true,
	'u': true, 'v': true, 'w': true, 'x': true, 'y': true, 'z': true,
}

// mayHold reports whether v may hold a form of a secret.
func (s *scrubber) mayHold(v string) bool {
	for len(s.runs) < len(s.secrets) {
		s.runs = append(s.runs, keyRun(s.secrets[len(s.runs)]))
	}
	for _, r := range s.runs {
		if r == "" || strings.Contains(v, r) {
			return true
		}
	}
	return false
}

func (s *scrubber) build() {
	if s.built {
		return
	}
	s.built = true
	add := func(f string) {
		if len(f) >= minSecret && !slices.Contains(s.forms, f) {
			s.forms = append(s.forms, f)
		}
	}
	for _, secret := range s.secrets {
		add(secret)
		q := unquote(strconv.Quote(secret))
		add(q)
		add(unquote(strconv.Quote(q))) // quoted twice: %q of a message holding %q
		add(unquote(strconv.QuoteToASCII(secret)))
		j, _ := json.Marshal(secret) // a string always marshals
		add(unquote(string(j)))
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(secret)
		add(unquote(strings.TrimSuffix(b.String(), "\n")))
		add(url.QueryEscape(secret))
		add(url.PathEscape(secret))
		add(escapeHTML(secret))
	}
	// The longest first: a form may hold another.
	slices.SortFunc(s.forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
}

func unquote(q string) string { return q[1 : len(q)-1] }

// escapeHTML is html.EscapeString, the form a secret takes in HTML text,
// written here because package html builds its escaper when the program
// starts, whether or not a secret is ever scrubbed.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, `<>&'"`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\'':
			b.WriteString("&#39;")
		case '"':
			b.WriteString("&#34;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// str returns v without the secrets.
func (s *scrubber) str(v string) string {
	if !s.mayHold(v) {
		return v
	}
	s.build()
	for _, f := range s.forms {
		if strings.Contains(v, f) {
			v = replaceWhole(v, f)
		}
	}
	return v
}

func replaceWhole(s, f string) string {
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(s[i:], f)
		if j < 0 {
			break
		}
		j += i
		if end := j + len(f); whole(s, j, end, f) {
			b.WriteString(s[i:j])
			b.WriteString(redacted)
			i = end
		} else {
			b.WriteString(s[i : j+1])
			i = j + 1
		}
	}
	if i == 0 {
		return s
	}
	b.WriteString(s[i:])
	return b.String()
}

func whole(s string, start, end int, f string) bool {
	if start > 0 && isWord(s[start-1]) && isWord(f[0]) && !endsWithEscape(s[:start]) {
		return false
	}
	return end >= len(s) || !isWord(s[end]) || !isWord(f[len(f)-1])
}

func isWord(c byte) bool {
	return isLower(c) || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// endsWithEscape reports whether s ends with an escape sequence of Go,
// JSON or URL encoding: \n and the like, \xXX, \uXXXX, \UXXXXXXXX, %XX.
func endsWithEscape(s string) bool {
	hexTail := func(n int) bool {
		if len(s) < n {
			return false
		}
		for i := len(s) - n; i < len(s); i++ {
			if c := s[i] | 0x20; !('0' <= s[i] && s[i] <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
		return true
	}
	n := len(s)
	switch {
	case n >= 2 && s[n-2] == '\\' && strings.IndexByte("abfnrtv0", s[n-1]) >= 0:
		return true
	case n >= 3 && s[n-3] == '%' && hexTail(2):
		return true
	case n >= 4 && s[n-4:n-2] == `\x` && hexTail(2):
		return true
	case n >= 6 && s[n-6:n-4] == `\u` && hexTail(4):
		return true
	}
	return n >= 10 && s[n-10:n-8] == `\U` && hexTail(8)
}

// header returns a copy of h without the secrets, in names or values.
func (s *scrubber) header(h http.Header) http.Header {
	clean := true
	for k, vs := range h {
		clean = clean && !s.mayHold(k)
		for _, v := range vs {
			clean = clean && !s.mayHold(v)
		}
	}
	if clean {
		return h
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = s.str(v)
		}
		out[s.str(k)] = c
	}
	return out
}

// scrubError is the last line of defence: the error Write returns holds no
// secret, in any form, anywhere in its chain, and reads on one line.
//
// An error whose message, and the messages of everything it wraps, are
// free of secrets and on one line is kept as it is, so errors.Is and
// errors.As find it: the sentinels (ErrInvalidResponse, ErrBodyLength,
// ErrNotSent), context.Canceled and DeadlineExceeded, a *ServiceError
// (built scrubbed), net and TLS errors. Any other is replaced by an error
// with its message scrubbed that wraps its children, treated the same way.
func scrubError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return newScrubber(secrets...).chain(err)
}

func (s *scrubber) chain(err error) error {
	msg := err.Error()
	clean := s.str(oneLine(s.str(msg)))
	if clean == msg && s.cleanTree(err) {
		return err
	}
	var kids []error
	for _, k := range children(err) {
		kids = append(kids, s.chain(k))
	}
	return &joined{msg: clean, errs: kids}
}

func (s *scrubber) cleanTree(err error) bool {
	for _, k := range children(err) {
		m := k.Error()
		if s.str(oneLine(m)) != m || !s.cleanTree(k) {
			return false
		}
	}
	return true
}

func children(err error) []error {
	var kids []error
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		kids = []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		kids = u.Unwrap()
	}
	return slices.DeleteFunc(kids, func(e error) bool { return e == nil })
}

// oneLine makes text from outside printable on one line: control
// characters (C0, DEL, C1), line and paragraph separators and the bidi
// controls that reorder a terminal line become spaces, and invalid UTF-8
// becomes U+FFFD.
func oneLine(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20 || r == 0x7f || 0x80 <= r && r <= 0x9f || r == 0x2028 || r == 0x2029 ||
			0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

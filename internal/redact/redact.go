// Package redact is the one place that says what is secret and how it is
// hidden. Everything wgor prints (errors, log records, answers, printed
// values) that may hold text from outside passes a Scrubber where that
// text enters, and every type that holds a secret prints through Format and
// LogValue.
//
// Secrets are: the access key secret, the security token, the output token,
// and signatures, including a presigned URL's (its Signature,
// x-oss-signature and security-token parameters). Access key IDs, routes,
// request IDs and object names are not.
package redact

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Mark replaces what is hidden.
const Mark = "<redacted>"

// minSecret is the shortest value hidden: a shorter one would take ordinary
// words with it, and none of OSS's secrets is that short.
const minSecret = 4

// secretNames are the names whose values secretValue finds.
const secretNames = `signature(?:provided)?|security[-_]?token|access[-_]?key[-_]?secret|(?:request|output|sts)[-_]?token`

// secretValue finds the value of a name that is secret wherever it
// appears, whoever's it is: as a query parameter (name=value, escaped or
// not), a header in a dump (name: value, or Go's name:[value]), a JSON
// member ("name": "value", quoted again or not), a Go %+v field, an
// environment variable (ALIBABA_CLOUD_ACCESS_KEY_SECRET=value), an XML
// element (<SignatureProvided>value), an Authorization field (Signature=hex
// in V4, Signature:base64 in V2), and the signature of V1's "OSS
// id:signature". Sources: OSS API reference, "Signature version 4",
// "Include signatures in URLs" (V1's Signature and security-token), the
// error document's SignatureProvided, Function Compute's x-fc-* credential
// headers, the event's outputToken. A value ends at a space, a quote or a
// delimiter; JSON's escaped slash (\/) does not end it. An INI profile's
// "name = value" counts too, and the stsToken of Node's ali-oss.
var secretValue = regexp.MustCompile(`(?i)(` +
	`(?:\b|_)(?:` + secretNames + `)[\\"']*[ \t]*(?:[=:]|%3[ad])[\\"'\[]*[ \t]*[\\"']*|` +
	`\boss(?: |\+|%20)[^&"',;<>()[\]{}\\ \t]+(?::|%3a)|` +
	`<(?:` + secretNames + `)>` +
	`)(?:\\/|[^&"',;<>()[\]{}\\ \t])+`)

// mayMatch is a quick test that text may hold what secretValue finds, which
// spares the regular expression (microseconds) for most text: every match
// holds one of matchWords, in any ASCII case (FuzzMayMatch). Text beyond
// ASCII is lower-cased first, as K (U+212A) becomes k.
func mayMatch(text string) bool {
	if strings.ContainsFunc(text, func(r rune) bool { return r >= utf8.RuneSelf }) {
		text = strings.ToLower(text)
	}
	for i := range len(text) {
		if c := text[i] | 0x20; c != 's' && c != 't' && c != 'o' { // no word of matchWords starts there
			continue
		}
		for _, w := range matchWords {
			if w[0] == text[i]|0x20 && len(text)-i >= len(w) && strings.EqualFold(text[i:i+len(w)], w) {
				return true
			}
		}
	}
	return false
}

var matchWords = [...]string{"signature", "token", "secret", "oss ", "oss+", "oss%20"}

// Scrubber removes a set of secrets, in every form wgor's output can hold
// them (escaped, quoted, or split by white space), and any signature, from
// text. A nil or zero Scrubber knows no
// secret but still hides signatures. A Scrubber is safe for concurrent use.
type Scrubber struct {
	secrets []secret
	once    sync.Once
	forms   []string // made when first needed, longest first: a form may hold another
}

type secret struct {
	value string
	// run is the value's longest run of ASCII letters and digits, which
	// every form of it keeps (see mayHold); "" when that run is shorter
	// than minSecret, so that the secret may be anywhere.
	run string
}

// New returns a Scrubber of secrets. A value that is a URL (an inputOssUrl)
// also adds its signature and token parameters.
func New(secrets ...string) *Scrubber {
	s := &Scrubber{secrets: make([]secret, 0, len(secrets))}
	for _, text := range secrets {
		s.add(text)
		if !strings.Contains(text, "://") {
			continue
		}
		if u, err := url.Parse(text); err == nil {
			for name, vs := range u.Query() {
				if n := strings.ToLower(name); strings.HasSuffix(n, "signature") || strings.HasSuffix(n, "security-token") {
					for _, v := range vs {
						s.add(v)
					}
				}
			}
		}
	}
	return s
}

func (s *Scrubber) add(value string) {
	if len(value) < minSecret {
		return
	}
	run, start := "", 0
	for i := range len(value) + 1 {
		if i < len(value) && ('a' <= value[i] && value[i] <= 'z' || 'A' <= value[i] && value[i] <= 'Z' || '0' <= value[i] && value[i] <= '9') {
			continue
		}
		if i-start > len(run) {
			run = value[start:i]
		}
		start = i + 1
	}
	if len(run) < minSecret {
		run = ""
	}
	s.secrets = append(s.secrets, secret{value, run})
}

// allForms returns each secret as it stands in Go-quoted (%q, %+q, quoted
// twice), JSON- (as encoding/json and slog's JSON handler write it), URL-
// (in either case of hex) and HTML-escaped text.
func (s *Scrubber) allForms() []string {
	s.once.Do(func() {
		for _, sec := range s.secrets {
			v := sec.value
			q := inner(strconv.Quote(v))
			j, _ := json.Marshal(v) // a string always marshals
			for _, f := range []string{
				v, q, inner(strconv.Quote(q)), inner(strconv.QuoteToASCII(v)),
				inner(string(j)), inner(unescapeHTML.Replace(string(j))),
				url.QueryEscape(v), url.PathEscape(v), html.EscapeString(v),
				lowerHex(url.QueryEscape(v)), lowerHex(url.PathEscape(v)),
			} {
				if !slices.Contains(s.forms, f) {
					s.forms = append(s.forms, f)
				}
			}
		}
		slices.SortFunc(s.forms, func(a, b string) int { return len(b) - len(a) })
	})
	return s.forms
}

// lowerHex writes percent-escapes in lower-case hex, as some servers do.
func lowerHex(escaped string) string {
	return percentHex.ReplaceAllStringFunc(escaped, strings.ToLower)
}

var percentHex = regexp.MustCompile(`%[0-9A-F]{2}`)

var unescapeHTML = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

func inner(quoted string) string { return quoted[1 : len(quoted)-1] }

// mayHold reports whether text may hold one of the secrets in a form
// String removes: every form keeps the secret's longest run of ASCII
// letters and digits, once white space that may split it is left out.
func (s *Scrubber) mayHold(text string) bool {
	for _, sec := range s.secrets {
		if sec.run == "" || containsSpaced(text, sec.run) {
			return true
		}
	}
	return false
}

// String returns text on one line (see oneLine), without the secrets and
// without any signature.
func (s *Scrubber) String(text string) string {
	// Before and after oneLine: a secret may hold a byte that oneLine
	// replaces (a tab), and oneLine may join what forms a secret.
	text = oneLine(s.remove(text))
	if text = s.remove(text); mayMatch(text) {
		text = secretValue.ReplaceAllString(text, "${1}"+Mark)
	}
	return text
}

// remove replaces each form of the secrets in text with Mark. A secret
// split by white space (a wrapped line, a folded header) is still the
// secret: when the text holds one, the white space goes with it.
func (s *Scrubber) remove(text string) string {
	if s == nil || !s.mayHold(text) {
		return text
	}
	for _, f := range s.allForms() {
		text = strings.ReplaceAll(text, f, Mark)
	}
	joined := squeeze(text)
	for _, f := range s.allForms() {
		if f = squeeze(f); len(f) >= minSecret {
			joined = strings.ReplaceAll(joined, f, Mark)
		}
	}
	if strings.Count(joined, Mark) > strings.Count(text, Mark) {
		return joined
	}
	return text
}

// Lines is String for each line of text, keeping the line breaks, but
// when a secret spans them.
func (s *Scrubber) Lines(text string) string {
	l := strings.Split(s.remove(text), "\n")
	for i := range l {
		l[i] = s.String(l[i])
	}
	return strings.Join(l, "\n")
}

// Header returns h without the secrets and signatures, each name and value
// on one line: h itself when it needs no cleaning, as the headers of most
// answers do; otherwise a copy whose names and values are scrubbed.
func (s *Scrubber) Header(h http.Header) http.Header {
	if !s.headerNeedsCleaning(h) {
		return h
	}
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

// headerNeedsCleaning reports whether a name or value of h may hold one of
// s's secrets, holds anyone's signature, or is not one line.
func (s *Scrubber) headerNeedsCleaning(h http.Header) bool {
	dirty := func(v string) bool {
		return (s != nil && s.mayHold(v)) || (mayMatch(v) && secretValue.MatchString(v)) || oneLine(v) != v
	}
	for k, vs := range h {
		if dirty(k) || slices.ContainsFunc(vs, dirty) {
			return true
		}
	}
	return false
}

// oneLine makes text printable on one line: control characters (C0, DEL,
// C1), line and paragraph separators and the bidi controls that reorder a
// terminal line become spaces, and invalid UTF-8 becomes U+FFFD.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f }) {
		return s // printable ASCII
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == 0x2028 || r == 0x2029 || 0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069 {
			return ' '
		}
		return r // an invalid byte is utf8.RuneError, U+FFFD
	}, s)
}

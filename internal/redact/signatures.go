package redact

import "strings"

// secretNames are the names whose values are secret wherever they appear:
// as a query parameter (name=value), a header in a dump (name: value), a
// JSON member ("name":"value") or an Authorization field (Signature=hex in
// V4, Signature:base64 in V2). Sources: OSS API reference, "Signature
// version 4", "Include signatures in URLs" (V1's Signature and
// security-token), Function Compute's x-fc-* credential headers, the
// event's outputToken.
var secretNames = []struct {
	name   string
	spaced bool // the value may follow the separator after spaces
}{
	{"signature", false},
	{"security-token", true},
	{"securitytoken", true},
	{"access-key-secret", true},
	{"accesskeysecret", true},
	{"request-token", true},
	{"outputtoken", true},
}

// secretParam reports whether a query parameter's value is secret.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, "signature") || strings.HasSuffix(n, "security-token")
}

// Signatures hides the values of secretNames in text, and the signature of
// a V1 Authorization value ("OSS id:signature"), whoever's they are.
func Signatures(text string) string {
	lower := asciiLower(text)
	var b strings.Builder
	last := 0
	for i := 0; i < len(lower); i++ {
		start, end := valueAt(lower, i)
		if end <= start || start < last {
			continue
		}
		b.WriteString(text[last:start])
		b.WriteString(Mark)
		last, i = end, end-1
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// valueAt returns where the secret value of a name starting at i lies, or
// end <= start when none does.
func valueAt(lower string, i int) (start, end int) {
	if strings.HasPrefix(lower[i:], "oss ") && (i == 0 || !isWord(lower[i-1])) {
		return v1Signature(lower, i+len("oss "))
	}
	for _, n := range secretNames {
		if !strings.HasPrefix(lower[i:], n.name) || i > 0 && isWord(lower[i-1]) {
			continue
		}
		j := skip(lower, i+len(n.name), `\"'`)
		if j >= len(lower) || lower[j] != '=' && lower[j] != ':' {
			return 0, 0
		}
		j = skip(lower, j+1, `\"'`)
		if n.spaced {
			j = skip(lower, j, " \t")
		}
		return j, valueEnd(lower, j)
	}
	return 0, 0
}

// v1Signature finds the signature in "OSS id:signature".
func v1Signature(lower string, i int) (start, end int) {
	end = valueEnd(lower, i)
	colon := strings.LastIndexByte(lower[i:end], ':')
	if colon <= 0 {
		return 0, 0
	}
	return i + colon + 1, end
}

func skip(s string, i int, set string) int {
	for i < len(s) && strings.IndexByte(set, s[i]) >= 0 {
		i++
	}
	return i
}

// valueEnd returns the end of the value starting at i: the first byte that
// ends a query value, a header field or a quoted string.
func valueEnd(s string, i int) int {
	for i < len(s) && strings.IndexByte("&\"',;<>()[]{}\\ \t", s[i]) < 0 {
		i++
	}
	return i
}

func isWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// asciiLower lower-cases ASCII letters only, so that indexes into the result
// are indexes into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

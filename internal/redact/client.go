package redact

import "strings"

// MayHold reports whether text may hold one of secrets in a form a
// Scrubber removes. Every such form (raw, quoted, JSON-, URL- or
// HTML-escaped) keeps the secret's longest run of letters and digits, so
// text without any of those runs holds none of the secrets: a quick test
// that spares building a Scrubber for text that is clean, such as the
// headers of every successful answer. A secret without a run of minSecret
// letters and digits may hold anywhere. Of a URL, as with New, the secret
// parameters count too.
func MayHold(text string, secrets ...string) bool {
	for _, secret := range secrets {
		values := []string{secret}
		if strings.Contains(secret, "://") {
			values = append(values, urlSecrets(secret)...)
		}
		for _, s := range values {
			if len(s) < minSecret {
				continue // a Scrubber leaves it too
			}
			run := longestRun(s)
			if len(run) < minSecret || strings.Contains(text, run) {
				return true
			}
		}
	}
	return false
}

// longestRun returns the longest run of ASCII letters and digits in s.
func longestRun(s string) string {
	best, start := "", -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isWord(s[i]) && s[i] != '_' {
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
	return best
}

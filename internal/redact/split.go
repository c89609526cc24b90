package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A secret split by white space (a wrapped line, a folded header, a string
// to sign cut in two) is still the secret: these find it.

// squeeze returns text without its white space.
func squeeze(text string) string {
	if strings.ContainsFunc(text, unicode.IsSpace) {
		text = strings.Join(strings.Fields(text), "")
	}
	return text
}

// containsSpaced reports whether squeeze(text) contains run, an ASCII run
// of letters and digits, without a copy of text: mayHold runs on every
// header of every answer (FuzzContainsSpaced keeps the two in step).
func containsSpaced(text, run string) bool {
	for i := range len(text) {
		j, k := i, 0
		for k < len(run) && j < len(text) {
			if text[j] == run[k] {
				j, k = j+1, k+1
				continue
			}
			r, size := utf8.DecodeRuneInString(text[j:])
			if k == 0 || !unicode.IsSpace(r) {
				break
			}
			j += size
		}
		if k == len(run) {
			return true
		}
	}
	return false
}

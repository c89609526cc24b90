package redact

import (
	"fmt"
	"log/slog"
	"strconv"
)

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

package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wgor-dev/wgor/wgor"
)

// message is how the command line shows an error that ended a command: on
// one line, without the package prefixes that a chain of wrapped library
// errors repeats ("wgor: invalid response: wgor: …"), with flags named
// instead of the library's fields, and an OSS refusal told once with advice
// that fits its code.
func message(err error) string {
	var se *wgor.ServiceError
	if errors.As(err, &se) {
		return serviceMessage(se)
	}
	return oneLine(flagWords(err.Error()))
}

// libraryPrefix is a package prefix at the start of a wrapped message.
var libraryPrefix = regexp.MustCompile(`(^|: )(wgor|creds|sign|accesspoint): `)

// fieldFlags name, for each library field a message may mention, the flag
// that sets it.
var fieldFlags = strings.NewReplacer(
	"Client.Region", "--region",
	"Client.Scheme", "--scheme",
	"Client.Credentials", "the credentials",
	"Config.Region", "--region",
	"Config.Timeout", "--timeout",
	"Config.AdvertisedURL", "--advertise",
	"Config.Credentials", "the credentials",
	"route host", "--route host",
)

func flagWords(s string) string {
	s = libraryPrefix.ReplaceAllString(s, "$1")
	s = libraryPrefix.ReplaceAllString(s, "$1") // "wgor: wgor: " overlaps
	return fieldFlags.Replace(s)
}

// oneLine makes text that may come from a server safe to print on one
// line: control characters (CR and LF among them), the Unicode line and
// paragraph separators, the bidirectional controls that can reorder what a
// terminal shows, and bytes that are not UTF-8 are written as Go escapes.
func oneLine(s string) string {
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
	}
	return b.String()
}

// serviceMessage tells an OSS refusal once: status, code, OSS's message,
// its IDs, where the strings to sign differ, and what to do.
func serviceMessage(se *wgor.ServiceError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "OSS refused the response: HTTP %d", se.StatusCode)
	switch {
	case se.Code != "":
		b.WriteString(" " + se.Code)
		if se.Message != "" {
			b.WriteString(": " + se.Message)
		}
	case se.Message != "":
		b.WriteString(", not an OSS error body: " + strconv.Quote(se.Message))
	default:
		b.WriteString(" with an empty body")
	}
	var ids []string
	if se.EC != "" {
		ids = append(ids, "EC "+se.EC)
	}
	ids = append(ids, "request ID "+orDash(se.RequestID))
	fmt.Fprintf(&b, " (%s)", strings.Join(ids, ", "))
	if se.Mismatch != "" {
		b.WriteString("; " + se.Mismatch)
	}
	if a := advice(se); a != "" {
		b.WriteString(": " + a)
	}
	return oneLine(flagWords(b.String()))
}

// advice says what to do about a refusal, in the command line's terms.
// OSS does not document what WriteGetObjectResponse answers for a token it
// does not accept (the API reference lists the request's requirements only): a
// refused token, a missing permission and some signature problems all come
// back as AccessDenied, so the advice follows OSS's message: a token named
// there is a token problem, words of permission (or no message) a missing
// permission, and any other message speaks for itself.
func advice(se *wgor.ServiceError) string {
	switch se.Code {
	case "AccessDenied":
		m := strings.ToLower(se.Message)
		switch {
		case strings.Contains(m, "token"):
			return "the --token was refused: a token answers one GetObject, once, while that GetObject waits; use the outputToken of a new event"
		case m == "" || containsAny(m, "right", "permission", "forbidden", "not authorized", "not allowed", "denied"):
			return "the credentials may not answer for this access point: grant oss:WriteGetObjectResponse to their RAM user or role"
		}
		return ""
	case "SignatureDoesNotMatch":
		return "check the access key secret and --region; 'wgor sign' shows what was signed"
	case "InvalidAccessKeyId":
		return "the access key ID is unknown or disabled: check which credentials were used"
	case "InvalidSecurityToken", "SecurityTokenExpired":
		return "the STS security token is wrong or has expired: use fresh credentials"
	case "RequestTimeTooSkewed":
		return "this machine's clock is off: synchronise it"
	case "InvalidArgument":
		return "check --region, --status and the --header values"
	}
	return ""
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

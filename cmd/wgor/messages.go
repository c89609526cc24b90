package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/wgor"
)

// message is how the command line shows an error that ended a command:
// without the prefixes that wrapped library errors repeat, with flags named
// instead of the library's fields, and an OSS refusal told once with advice
// that fits it. run scrubs it.
func message(err error) string {
	var se *wgor.ServiceError
	if errors.As(err, &se) {
		return serviceMessage(se)
	}
	return flagWords.Replace(err.Error())
}

// flagWords drops the packages' prefixes from a library's message and names
// the flag that sets each field it may mention.
var flagWords = strings.NewReplacer(
	"wgor: ", "", "creds: ", "", "sign: ", "", "accesspoint: ", "", "invalid response: ", "",
	"Client.Region", "--region",
	"Client.Scheme", "--scheme",
	"Client.Credentials", "the credentials",
	"Config.Region", "--region",
	"Config.Timeout", "--timeout",
	"Config.AdvertisedURL", "--advertise",
	"Config.Credentials", "the credentials",
	"Route ", "--route ",
	"route host", "the --route host",
	"Token ", "--token ",
	"Status ", "--status ",
	"Header name ", "--header name ",
	"forwarded header ", "--header ",
)

// serviceMessage tells an OSS refusal once: status, code, OSS's message,
// its IDs, where the strings to sign differ, and what to do.
func serviceMessage(se *wgor.ServiceError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "OSS refused the response: HTTP %d", se.StatusCode)
	switch {
	case se.Code != "" && se.Message != "":
		b.WriteString(" " + se.Code + ": " + se.Message)
	case se.Code != "":
		b.WriteString(" " + se.Code)
	case se.Message != "":
		b.WriteString(", not an OSS error body: " + strconv.Quote(se.Message))
	default:
		b.WriteString(" with an empty body")
	}
	b.WriteString(" (")
	if se.EC != "" {
		b.WriteString("EC " + se.EC + ", ")
	}
	b.WriteString("request ID " + orDash(se.RequestID) + ")")
	if se.Mismatch != "" {
		b.WriteString("; " + flagWords.Replace(se.Mismatch))
	}
	if a := advice(se); a != "" {
		b.WriteString(": " + a)
	}
	return b.String()
}

// advice says what to do about a refusal, in the command line's terms.
// OSS documents no answer for a token it refuses: a refused token, a
// missing permission and some signature problems all come back as
// AccessDenied, so the advice follows OSS's message.
func advice(se *wgor.ServiceError) string {
	switch se.Code {
	case "AccessDenied":
		return accessAdvice(strings.ToLower(se.Message))
	case "SignatureDoesNotMatch":
		if se.Mismatch != "" { // which already says what to check
			return "'wgor sign' shows what was signed"
		}
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

// permissionWords are the words of OSS's messages about a permission.
var permissionWords = regexp.MustCompile(`right|permission|forbidden|not authorized|not allowed|denied`)

// accessAdvice: a token named in the message is a token problem, words of
// permission (or no message) a missing permission, and any other message
// speaks for itself.
func accessAdvice(m string) string {
	switch {
	case strings.Contains(m, "token"):
		return "the --token was refused: a token answers one GetObject, once, while that GetObject waits; use the outputToken of a new event"
	case m == "" || permissionWords.MatchString(m):
		return "the credentials may not answer for this access point: grant oss:WriteGetObjectResponse to their RAM user or role"
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

package main

import (
	"errors"
	"strings"

	"github.com/wgor-dev/wgor/wgor"
)

// message is how the command line shows an error that ended a command: the
// library's own words (an OSS refusal says what to do in wgor's one table of
// advice, ServiceError.Error), without the prefixes that wrapped library
// errors repeat, with flags named instead of the library's fields. run
// scrubs it.
func message(err error) string {
	msg := flagWords.Replace(err.Error())
	if se := (*wgor.ServiceError)(nil); errors.As(err, &se) && se.Code == "SignatureDoesNotMatch" {
		msg += "; 'wgor sign' shows what was signed"
	}
	return msg
}

// flagWords drops the packages' prefixes from a library's message and names
// the flag that sets each field it may mention.
var flagWords = strings.NewReplacer( // in order: the first pattern that matches wins
	"invalid response: Route ", "--route ",
	"invalid response: Token ", "--token ",
	"invalid response: Status ", "--status ",
	"invalid response: Header name ", "--header name ",
	"wgor: ", "", "creds: ", "", "sign: ", "", "accesspoint: ", "", "invalid response: ", "",
	"Client.Region", "--region",
	"Client.Scheme", "--scheme",
	"Client.Credentials", "the credentials",
	"the outputToken was refused", "the --token was refused",
	"Config.Region", "--region",
	"Config.Timeout", "--timeout",
	"Config.AdvertisedURL", "--advertise",
	"Config.Credentials", "the credentials",
	"route host", "the --route host",
	"forwarded header ", "--header ",
)

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
)

// Every flag checks its value when it is set, so that a bad value is a usage
// error (exit 2) before any file is opened or connection made.

// newFlags returns the flag set of "wgor name", whose help goes to standard
// output.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	e.usage = usage
	fs := flag.NewFlagSet("wgor "+name, flag.ContinueOnError)
	fs.SetOutput(e.stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wgor %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args. Asked for help, it prints the help and returns
// flag.ErrHelp; a bad flag is a usage error with the flag package's message.
func parse(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return &usageError{msg: err.Error()}
	}
	return nil
}

// value is a flag whose value parse checks and converts.
type value[T any] struct {
	p     *T
	parse func(string) (T, error)
}

func (v value[T]) String() string {
	if v.p == nil {
		return ""
	}
	return fmt.Sprint(*v.p)
}

func (v value[T]) Set(s string) error {
	t, err := v.parse(s)
	if err == nil {
		*v.p = t
	}
	return err
}

// check defines the flag name with the default def, whose values parse checks.
func check[T any](fs *flag.FlagSet, name string, def T, usage string, parse func(string) (T, error)) *T {
	p := &def
	fs.Var(value[T]{p, parse}, name, usage)
	return p
}

// text accepts a value without control characters: it ends up in a header,
// a URL or a log line, where CR, LF or NUL would forge one.
func text(what string) func(string) (string, error) {
	return func(s string) (string, error) {
		if s == "" {
			return "", fmt.Errorf("%s is empty", what)
		}
		if strings.ContainsFunc(s, isControl) {
			return "", fmt.Errorf("%s contains a control character (CR, LF, NUL or another)", what)
		}
		return s, nil
	}
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// secret is text for a secret: e holds every value offered, good or bad.
func secret(e *env, what string) func(string) (string, error) {
	return func(s string) (string, error) {
		e.hold(s)
		return text(what)(s)
	}
}

// match accepts a value of the form re, described by form.
func match(re *regexp.Regexp, form string) func(string) (string, error) {
	return func(s string) (string, error) {
		if !re.MatchString(s) {
			return "", errors.New("not " + form)
		}
		return s, nil
	}
}

// regionID accepts the form of Alibaba Cloud region IDs (cn-hangzhou,
// ap-southeast-1, OSS's "Regions and endpoints"): the signer puts the region
// in the scope, where a space, ',' or '/' would break it.
var regionID = match(regexp.MustCompile(`^[a-z0-9]{1,20}(-[a-z0-9]{1,20}){0,4}$`),
	"a region ID such as cn-hangzhou: lower-case letters and digits joined by '-'")

// duration accepts a duration within [lo, hi].
func duration(lo, hi time.Duration) func(string) (time.Duration, error) {
	return func(s string) (time.Duration, error) {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, errors.New("not a duration such as 30s or 5m")
		}
		if d < lo || d > hi {
			return 0, fmt.Errorf("must be from %v to %v", lo, hi)
		}
		return d, nil
	}
}

// httpURL accepts an absolute http:// or https:// URL with a host and no
// user information; a base URL (base) has no query or fragment either.
func httpURL(base bool) func(string) (string, error) {
	return func(s string) (string, error) {
		u, err := url.Parse(s)
		switch {
		case err != nil || strings.ContainsFunc(s, isControl):
			return "", errors.New("not a URL")
		case u.Scheme != "http" && u.Scheme != "https":
			return "", errors.New("not an http:// or https:// URL, such as http://127.0.0.1:9000")
		case u.Hostname() == "":
			return "", errors.New("the URL has no host")
		case u.User != nil:
			return "", errors.New("the URL has user information: remove it")
		case u.Port() != "" && !validPort(u.Port(), 1):
			return "", errors.New("the URL's port is not a number from 1 to 65535")
		case base && (u.RawQuery != "" || u.ForceQuery || u.Fragment != ""):
			return "", errors.New("a base URL has no query or fragment")
		}
		return s, nil
	}
}

func validPort(p string, lo int) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= lo && n <= 65535 && p[0] != '+'
}

// addr accepts a listen address host:port; port 0 picks a free one.
func addr(s string) (string, error) {
	_, port, err := net.SplitHostPort(s)
	if err != nil || strings.ContainsFunc(s, isControl) {
		return "", errors.New("not an address such as 127.0.0.1:8080")
	}
	if !validPort(port, 0) {
		return "", errors.New("the port is not a number from 0 to 65535")
	}
	return s, nil
}

// oneOf accepts one of choices.
func oneOf(choices ...string) func(string) (string, error) {
	return func(s string) (string, error) {
		if !slices.Contains(choices, s) {
			return "", fmt.Errorf("use %s", strings.Join(choices, " or "))
		}
		return s, nil
	}
}

// fwdStatus accepts an x-oss-fwd-status OSS forwards.
func fwdStatus(s string) (int, error) {
	n, ok := oss.ParseStatus(s)
	if !ok {
		return 0, errors.New("OSS accepts " + oss.StatusList)
	}
	return n, nil
}

// headers defines the repeatable flag name, 'Name: value'.
func headers(fs *flag.FlagSet, name, usage string) http.Header {
	h := http.Header{}
	fs.Func(name, usage, func(v string) error {
		name, value, ok := strings.Cut(v, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok || name == "":
			return errors.New("not 'Name: value'")
		case !oss.ValidName(name):
			return fmt.Errorf("%s is not a valid HTTP header name", quoteArg(name))
		case !oss.ValidValue(value):
			return fmt.Errorf("the value of %s contains a control character (CR, LF, NUL or another)", name)
		}
		h.Add(name, value)
		return nil
	})
	return h
}

// quoteArg quotes an argument for a message, on one line and bounded.
func quoteArg(s string) string {
	if len(s) > 128 {
		s = s[:128] + "…"
	}
	return strconv.Quote(s)
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

package main

import (
	"cmp"
	"context"
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
	"unicode"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/creds/chain"
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

// value is a flag.Value that parse checks and converts.
type value[T comparable] struct {
	p     *T
	parse func(string) (T, error)
}

// String is the value, "" for the zero value, as the flag package shows no
// zero default.
func (v value[T]) String() string {
	var zero T
	if v.p == nil || *v.p == zero {
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

// check defines the flag name on p, whose values parse checks: *p is the
// default. Every single-valued flag is defined so; repeatable ones use
// fs.Func.
func check[T comparable](fs *flag.FlagSet, p *T, name, usage string, parse func(string) (T, error)) *T {
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
		if strings.ContainsFunc(s, unicode.IsControl) {
			return "", fmt.Errorf("%s contains a control character (CR, LF, NUL or another)", what)
		}
		return s, nil
	}
}

// secret is text for a secret: e holds every value offered, good or bad.
func secret(e *env, what string) func(string) (string, error) {
	return func(s string) (string, error) {
		e.hold(s)
		return text(what)(s)
	}
}

// match accepts a value of the form re, described by form.
func match(re string, form string) func(string) (string, error) {
	pattern := regexp.MustCompile(re)
	return func(s string) (string, error) {
		if !pattern.MatchString(s) {
			return "", errors.New("not " + form)
		}
		return s, nil
	}
}

// regionID accepts the form of Alibaba Cloud region IDs (cn-hangzhou,
// ap-southeast-1, OSS's "Regions and endpoints"): the signer puts the region
// in the scope, where a space, ',' or '/' would break it.
var regionID = match(`^[a-z0-9]{1,20}(-[a-z0-9]{1,20}){0,4}$`,
	"a region ID such as cn-hangzhou: lower-case letters and digits joined by '-'")

// oneOf accepts one of choices.
func oneOf(choices ...string) func(string) (string, error) {
	return func(s string) (string, error) {
		if !slices.Contains(choices, s) {
			return "", fmt.Errorf("use %s", strings.Join(choices, " or "))
		}
		return s, nil
	}
}

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
		case err != nil || strings.ContainsFunc(s, unicode.IsControl):
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
	if err != nil || strings.ContainsFunc(s, unicode.IsControl) {
		return "", errors.New("not an address such as 127.0.0.1:8080")
	}
	if !validPort(port, 0) {
		return "", errors.New("the port is not a number from 0 to 65535")
	}
	return s, nil
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
		case len(h.Values(name)) > 0 && slices.Contains(singletons[:], http.CanonicalHeaderKey(name)):
			return fmt.Errorf("%s is given twice: a response has one", http.CanonicalHeaderKey(name))
		}
		h.Add(name, value)
		return nil
	})
	return h
}

// singletons are the forwarded fields a response has once: a sender never
// repeats a field that is not a list (RFC 9110, section 5.3). Their
// definitions: Content-Type (RFC 9110, 8.3), Content-Range (14.4), ETag
// (8.8.3), Last-Modified (8.8.2), Location (10.2.2), Expires (RFC 9111,
// 5.3), Content-Disposition (RFC 6266, section 4).
var singletons = [...]string{"Content-Type", "Content-Range", "Etag", "Last-Modified", "Location", "Expires", "Content-Disposition"}

// quoteArg quotes an argument for a message, on one line and bounded.
func quoteArg(s string) string {
	if len(s) > 128 {
		s = s[:128] + "…"
	}
	return strconv.Quote(s)
}

// keyFlags are --access-key-id and, for emulate, its secret and token:
// secrets are better in the environment, out of other users' process
// listings, and the flags are for local emulators.
type keyFlags struct {
	id, secret, token *string
}

func addKeyFlags(e *env, fs *flag.FlagSet, withSecrets bool) *keyFlags {
	from := "$" + creds.EnvAccessKeySecret
	if withSecrets {
		from = "--access-key-secret or " + from
	}
	k := &keyFlags{check(fs, new(string), "access-key-id", "access key `ID`, its secret from "+from+
		" (default: the default credentials chain)", text("--access-key-id")), new(string), new(string)}
	if withSecrets {
		k.secret = check(fs, new(string), "access-key-secret", "access key `SECRET`, with --access-key-id (prefer $"+creds.EnvAccessKeySecret+")",
			secret(e, "--access-key-secret"))
		k.token = check(fs, new(string), "security-token", "STS security `TOKEN`, with --access-key-id (prefer $"+creds.EnvSecurityToken+")",
			secret(e, "--security-token"))
	}
	return k
}

// Where credentials came from, as the commands report it.
const (
	sourceFlags  = "from --access-key-id"
	sourceEnv    = "from the environment ($" + creds.EnvAccessKeyID + ")"
	sourceChain  = "from the default credentials chain"
	sourceRandom = "made up: none in the flags or the default credentials chain"
)

// credentials resolves the keys the same way for every command, and says
// where they came from: --access-key-id, with its secret and token from the
// flags or the environment; else the default chain (random: else none, and
// the emulator makes some up).
func (k *keyFlags) credentials(ctx context.Context, e *env, random bool) (creds.Credentials, string, error) {
	if *k.id == "" {
		if *k.secret != "" || *k.token != "" {
			return creds.Credentials{}, "", usagef("--access-key-secret and --security-token need --access-key-id")
		}
		return chainCredentials(ctx, e, random)
	}
	c := creds.Credentials{AccessKeyID: *k.id, AccessKeySecret: cmp.Or(*k.secret, e.getenv(creds.EnvAccessKeySecret)),
		SecurityToken: cmp.Or(*k.token, e.getenv(creds.EnvSecurityToken))}
	e.hold(c.AccessKeySecret, c.SecurityToken)
	if c.AccessKeySecret == "" {
		return creds.Credentials{}, "", usagef("--access-key-id needs its secret: set $%s", creds.EnvAccessKeySecret)
	}
	return c, sourceFlags, nil
}

// chainCredentials asks the default chain once, for at most 10 s: outside
// ECS, without ALIBABA_CLOUD_ECS_METADATA_DISABLED=true, it spends seconds
// probing the metadata service.
func chainCredentials(ctx context.Context, e *env, random bool) (creds.Credentials, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := chain.New().Credentials(ctx)
	e.hold(c.AccessKeySecret, c.SecurityToken)
	switch {
	case err == nil && e.getenv(creds.EnvAccessKeyID) == c.AccessKeyID:
		return c, sourceEnv, nil
	case err == nil:
		return c, sourceChain, nil
	case random && errors.Is(err, creds.ErrNoCredentials):
		return creds.Credentials{}, sourceRandom, nil
	}
	return creds.Credentials{}, "", err
}

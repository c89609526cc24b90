package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Every flag is a value that checks itself when it is set, so that a bad
// value is a usage error (exit 2) found while the flags are parsed, before
// any file is opened or connection made. Defaults are valid by
// construction. Checks that need several flags run right after parsing.

// helpOut is a flag set's output. The flag package writes its error messages
// there, and calls Usage both when help is asked for and on errors; parse
// prints the help itself, to standard output, only when it was asked for,
// and turns errors into usage errors printed once, on standard error.
type helpOut struct {
	e     *env
	usage string
}

func (*helpOut) Write(p []byte) (int, error) { return len(p), nil }

// newFlags returns a flag set for "wgor name"; usage is the command's help
// text, starting with its usage line.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("wgor "+name, flag.ContinueOnError)
	fs.SetOutput(&helpOut{e: e, usage: usage})
	fs.Usage = func() {}
	return fs
}

// parse parses args. Asked for help, it prints the help on standard output
// and returns flag.ErrHelp; a bad flag is a usage error naming it.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil {
		return nil
	}
	if errors.Is(err, flag.ErrHelp) {
		if h, ok := fs.Output().(*helpOut); ok {
			printHelp(h.e.stdout, fs, h.usage)
		}
		return err
	}
	return &usageError{msg: flagMessage(hideSecret(fs, err.Error()))}
}

// invalidValue is the flag package's message for a value its flag refused,
// which quotes the value.
var invalidValue = regexp.MustCompile(`^invalid value (".*") for flag -([-A-Za-z0-9]+): `)

// hideSecret removes the value from the message about a secret flag's
// value: a token or a secret is never printed, even quoted.
func hideSecret(fs *flag.FlagSet, msg string) string {
	m := invalidValue.FindStringSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	if f := fs.Lookup(msg[m[4]:m[5]]); f != nil {
		if v, ok := f.Value.(*textValue); ok && v.secret {
			return msg[:m[2]] + "(hidden)" + msg[m[3]:]
		}
	}
	return msg
}

// flagMessage rewrites the flag package's messages with the double-dash
// spelling that the help and the README use.
var flagRef = regexp.MustCompile(`(^|[: ])-([A-Za-z][-A-Za-z0-9]*)`)

func flagMessage(msg string) string {
	msg = strings.Replace(msg, "flag provided but not defined", "unknown flag", 1)
	return flagRef.ReplaceAllString(msg, "$1--$2")
}

func printHelp(w io.Writer, fs *flag.FlagSet, usage string) {
	fmt.Fprintf(w, "Usage: wgor %s\n", usage)
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintf(w, "\nFlags:\n")
			first = false
		}
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		name, text := flag.UnquoteUsage(f)
		line := "  " + dash + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(text, "\n", "\n    \t"))
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "[]" {
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	})
}

// quoteArg quotes an argument for a message, on one line and bounded.
func quoteArg(s string) string {
	if len(s) > 128 {
		s = s[:128] + "…"
	}
	return strconv.Quote(s)
}

// textValue is a string without control characters: it ends up in a
// header, a URL or a log line, where CR, LF or NUL would forge one.
type textValue struct {
	s      *string
	what   string
	secret bool // never shown in a message
}

func newText(fs *flag.FlagSet, name, what, usage string) *string {
	s := new(string)
	fs.Var(&textValue{s: s, what: what}, name, usage)
	return s
}

// newSecret is newText for a secret: a token, a key secret.
func newSecret(fs *flag.FlagSet, name, what, usage string) *string {
	s := new(string)
	fs.Var(&textValue{s: s, what: what, secret: true}, name, usage)
	return s
}

func (v *textValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v *textValue) Set(s string) error {
	if err := checkText(s, v.what); err != nil {
		return err
	}
	*v.s = s
	return nil
}

// checkText refuses an empty value and control characters.
func checkText(s, what string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if strings.ContainsFunc(s, isControl) {
		return fmt.Errorf("%s contains a control character (CR, LF, NUL or another)", what)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// regionPattern is the form of Alibaba Cloud region IDs (cn-hangzhou,
// ap-southeast-1, us-east-1, as in OSS's "Regions and endpoints" table):
// lower-case letters and digits in words joined by '-'. The signer puts the
// region in the scope, where a space, ',' or '/' would break it.
var regionPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

type regionValue struct{ s *string }

func newRegion(fs *flag.FlagSet, name, def, usage string) *string {
	s := &def
	fs.Var(regionValue{s}, name, usage)
	return s
}

func (v regionValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v regionValue) Set(s string) error {
	if len(s) > 64 || !regionPattern.MatchString(s) {
		return errors.New("not a region ID such as cn-hangzhou: lower-case letters and digits joined by '-'")
	}
	*v.s = s
	return nil
}

// durationValue is a duration within [min, max].
type durationValue struct {
	d        *time.Duration
	min, max time.Duration
}

func newDuration(fs *flag.FlagSet, name string, def, min, max time.Duration, usage string) *time.Duration {
	d := &def
	fs.Var(&durationValue{d: d, min: min, max: max}, name, usage)
	return d
}

func (v *durationValue) String() string {
	if v.d == nil {
		return ""
	}
	return v.d.String()
}

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration such as 30s or 5m")
	}
	if d < v.min || d > v.max {
		return fmt.Errorf("must be from %v to %v", v.min, v.max)
	}
	*v.d = d
	return nil
}

// urlValue is an absolute http:// or https:// URL with a host and no user
// information; baseOnly also refuses a query and a fragment.
type urlValue struct {
	s        *string
	baseOnly bool
}

func newURL(fs *flag.FlagSet, name string, baseOnly bool, usage string) *string {
	s := new(string)
	fs.Var(&urlValue{s: s, baseOnly: baseOnly}, name, usage)
	return s
}

func (v *urlValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v *urlValue) Set(s string) error {
	if err := checkText(s, "the URL"); err != nil {
		return err
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("not an http:// or https:// URL, such as http://127.0.0.1:9000")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("the URL has no host")
	case u.User != nil:
		return errors.New("the URL has user information: remove it")
	case u.Port() != "" && !validPort(u.Port()):
		return errors.New("the URL's port is not a number from 1 to 65535")
	case v.baseOnly && (u.RawQuery != "" || u.ForceQuery || u.Fragment != ""):
		return errors.New("a base URL has no query or fragment")
	}
	*v.s = s
	return nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && p[0] != '+'
}

// addrValue is a listen address host:port; port 0 picks a free one.
type addrValue struct{ s *string }

func newAddr(fs *flag.FlagSet, name, def, usage string) *string {
	s := &def
	fs.Var(addrValue{s}, name, usage)
	return s
}

func (v addrValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v addrValue) Set(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil || strings.ContainsFunc(s, isControl) {
		return errors.New("not an address such as 127.0.0.1:8080")
	}
	if port != "0" && !validPort(port) {
		return errors.New("the port is not a number from 0 to 65535")
	}
	*v.s = s
	return nil
}

// choiceValue is one of a few words.
type choiceValue struct {
	s       *string
	choices []string
}

func newChoice(fs *flag.FlagSet, name string, choices []string, usage string) *string {
	s := new(string)
	fs.Var(&choiceValue{s: s, choices: choices}, name, usage)
	return s
}

func (v *choiceValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v *choiceValue) Set(s string) error {
	for _, c := range v.choices {
		if s == c {
			*v.s = s
			return nil
		}
	}
	return fmt.Errorf("use %s", strings.Join(v.choices, " or "))
}

// headerFlags collects repeated --header 'Name: value' flags.
type headerFlags []header

type header struct{ name, value string }

func (h *headerFlags) String() string { return "" }

func (h *headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" {
		return errors.New("not 'Name: value'")
	}
	if !validHeaderName(name) {
		return fmt.Errorf("%s is not a valid HTTP header name", quoteArg(name))
	}
	if strings.ContainsFunc(value, func(r rune) bool { return isControl(r) && r != '\t' }) {
		return fmt.Errorf("the value of %s contains a control character (CR, LF, NUL or another)", name)
	}
	*h = append(*h, header{name, value})
	return nil
}

// validHeaderName reports whether s is an RFC 9110 field name: one or more
// tchar.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

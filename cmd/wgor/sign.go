package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
)

const signUsage = `sign --url URL [flags]

Prints the canonical request, the string to sign and the Authorization header
(or, with --presign, the signed URL) of the request described, to compare with
what OSS reports in a SignatureDoesNotMatch error. The secret is never printed;
the values of x-oss-security-token and x-oss-request-token are masked, except
in the signed URL with --show-token.

The bucket and the key are those of a virtual-hosted OSS URL
(https://BUCKET.oss-REGION.aliyuncs.com/KEY), unless --bucket and --key are
given; a WriteGetObjectResponse route (…oss-object-process.aliyuncs.com) and
any URL whose path is "/" sign no bucket; for other URLs give --bucket and
--key. The region is the URL's (oss-REGION) unless --region is given.

Credentials: --access-key-id, its secret from $ALIBABA_CLOUD_ACCESS_KEY_SECRET
and its token from $ALIBABA_CLOUD_SECURITY_TOKEN; else the default credentials
chain, as "wgor emulate" finds them. The access key ID and its source are
printed on standard error.

Example, a WriteGetObjectResponse:
  wgor sign --method POST --region cn-qingdao \
    --url 'https://ROUTE/?x-oss-write-get-object-response' \
    --header 'x-oss-request-route: ROUTE' --header 'x-oss-request-token: TOKEN' \
    --header 'x-oss-fwd-status: 200' --time 2026-11-24T12:00:00Z`

func runSign(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sign", signUsage)
	var headers headerFlags
	method := newMatch(fs, "method", methodPattern, "an HTTP method such as GET or POST", "HTTP `METHOD` (default GET)")
	rawURL := newURL(fs, "url", false, "request `URL`, with its query (required)")
	fs.Var(&headers, "header", "request `HEADER` 'Name: value' (repeatable)")
	region := newRegion(fs, "region", "", "signing `REGION`, such as cn-hangzhou (default: the URL's oss-REGION)")
	product := newMatch(fs, "product", productPattern, "a product name such as oss", "signing `PRODUCT` (default "+sign.DefaultProduct+")")
	bucket := newMatch(fs, "bucket", bucketPattern, "a bucket name: 3 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit", "`BUCKET` of the canonical URI")
	key := newKey(fs, "key", "object `KEY` of the canonical URI, unescaped")
	var additional headerNames
	fs.Var(&additional, "additional-headers", "comma-separated `NAMES` of extra headers to sign")
	var at timeValue
	fs.Var(&at, "time", "signing `TIME`, RFC 3339 such as 2026-11-24T12:00:00Z (default now)")
	presign := fs.Bool("presign", false, "sign in the query string instead of the Authorization header")
	expires := newDuration(fs, "expires", 15*time.Minute, time.Second, 7*24*time.Hour, "`DURATION` a presigned URL is valid, from 1s to 168h (with --presign)")
	showToken := fs.Bool("show-token", false, "print the signed URL whole, security token included, so it can be used (with --presign)")
	cf := addCredentialFlags(fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("sign takes no arguments, got %s", quoteArg(fs.Arg(0)))
	}
	if *rawURL == "" {
		return usagef("--url is required")
	}
	for _, f := range []string{"expires", "show-token"} {
		if isSet(fs, f) && !*presign {
			return usagef("--%s applies to --presign only", f)
		}
	}
	u, _ := url.Parse(*rawURL) // checked by the flag
	if *key != "" && *bucket == "" {
		return usagef("--key needs --bucket: the canonical URI is /BUCKET/KEY")
	}
	if *bucket == "" {
		var err error
		if *bucket, *key, err = bucketAndKey(u); err != nil {
			return &usageError{msg: err.Error()}
		}
	}
	if *region == "" {
		r, err := wgor.RegionFromRoute(u.Host)
		if err != nil {
			return usagef("--region is required: the URL's host %s names no OSS region", quoteArg(u.Hostname()))
		}
		*region = r
	}
	h := http.Header{}
	for _, hv := range headers {
		h.Add(hv.name, hv.value)
	}
	o := &sign.Options{Region: *region, Product: *product, Bucket: *bucket, Key: *key,
		AdditionalHeaders: additional, Time: at.t, Trace: &sign.Trace{}}
	if *presign {
		o.Expires = *expires
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}

	c, source, err := cf.credentials(ctx, e, false)
	if err != nil {
		return err
	}
	o.Credentials = c.Signing()
	fmt.Fprintf(e.stderr, "credentials: access key ID %s, %s\n", c.AccessKeyID, source)

	m := *method
	if m == "" {
		m = http.MethodGet
	}
	req := &http.Request{Method: m, URL: u, Header: h, Host: u.Host}
	var result string
	if *presign {
		result, err = sign.Presign(req, o)
	} else {
		err = sign.Sign(req, o)
		result = req.Header.Get(sign.HeaderAuthorization)
	}
	if err != nil {
		return err
	}
	tokens := []string{o.Credentials.SecurityToken, h.Get("X-Oss-Request-Token")}
	fmt.Fprintf(e.stdout, "Canonical request:\n%s\n\n", maskCanonical(o.Trace.CanonicalRequest, tokens))
	fmt.Fprintf(e.stdout, "String to sign:\n%s\n\n", o.Trace.StringToSign)
	switch {
	case !*presign:
		fmt.Fprintf(e.stdout, "Authorization:\n%s\n", result)
	case *showToken || o.Credentials.SecurityToken == "":
		fmt.Fprintf(e.stdout, "Signed URL:\n%s\n", result)
	default:
		fmt.Fprintf(e.stdout, "Signed URL (security token masked; --show-token prints it whole):\n%s\n", maskURL(result, tokens))
	}
	return nil
}

// The forms of the values sign checks.
var (
	// methodPattern: an RFC 9110 method token, upper-case as OSS's are.
	methodPattern  = regexp.MustCompile(`^[A-Z]+$`)
	productPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// bucketPattern follows OSS's bucket naming rules: 3 to 63 characters,
	// lower-case letters, digits and hyphens, starting and ending with a
	// letter or a digit (OSS console and API docs, "Bucket naming
	// conventions").
	bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
)

// bucketAndKey derives the bucket and the key from a URL: a virtual-hosted
// OSS URL names its bucket in the host's first label, before
// oss-REGION[-internal].aliyuncs.com (or oss-accelerate…), and its key in
// the path. A WriteGetObjectResponse route and any URL whose path is "/"
// sign no bucket (canonical URI "/"). Any other URL is refused: the
// bucket cannot be told.
func bucketAndKey(u *url.URL) (bucket, key string, err error) {
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	labels := strings.Split(host, ".")
	n := len(labels)
	oss := n >= 3 && labels[n-2] == "aliyuncs" && labels[n-1] == "com"
	path := u.Path
	switch {
	case oss && n >= 4 && labels[n-3] == "oss-object-process":
		if path != "" && path != "/" {
			return "", "", errors.New("a WriteGetObjectResponse route takes the path \"/\" only")
		}
		return "", "", nil
	case oss && n == 4 && strings.HasPrefix(labels[1], "oss-") && !strings.HasPrefix(labels[0], "oss-"):
		bucket, key = labels[0], strings.TrimPrefix(path, "/")
		if !bucketPattern.MatchString(bucket) {
			return "", "", fmt.Errorf("the URL's host names the bucket %s, which is not a valid bucket name", quoteArg(bucket))
		}
		return bucket, key, nil
	case path == "" || path == "/":
		return "", "", nil
	case oss && n == 3 && strings.HasPrefix(labels[0], "oss-"):
		return "", "", errors.New("OSS serves buckets at virtual-hosted URLs, such as https://BUCKET.oss-cn-hangzhou.aliyuncs.com/KEY: put the bucket in the host, or give --bucket and --key")
	}
	return "", "", fmt.Errorf("cannot tell the bucket and the key from the URL's host %s (not BUCKET.oss-REGION.aliyuncs.com): give --bucket and --key", quoteArg(host))
}

// maskCanonical masks, by position, the values of the token headers and of
// the x-oss-security-token query parameter in a canonical request, however
// the signer escaped them; any other occurrence of a token, in any escaping
// the signer or net/url might use, is masked too.
func maskCanonical(cr string, tokens []string) string {
	lines := strings.Split(cr, "\n")
	for i, l := range lines {
		name, _, ok := strings.Cut(l, ":")
		if ok && (name == "x-oss-security-token" || name == "x-oss-request-token") {
			lines[i] = name + ":" + masked(len(l)-len(name)-1)
		}
	}
	if len(lines) > 2 {
		lines[2] = maskQuery(lines[2])
	}
	return maskAll(strings.Join(lines, "\n"), tokens)
}

// maskURL masks the x-oss-security-token parameter of a signed URL.
func maskURL(s string, tokens []string) string {
	base, query, ok := strings.Cut(s, "?")
	if !ok {
		return maskAll(s, tokens)
	}
	return maskAll(base+"?"+maskQuery(query), tokens)
}

// maskQuery masks the values of x-oss-security-token (and of
// x-oss-request-token, should a URL carry it) in a raw query.
func maskQuery(q string) string {
	params := strings.Split(q, "&")
	for i, p := range params {
		if name, v, ok := strings.Cut(p, "="); ok && (strings.EqualFold(name, sign.QuerySecurityToken) || strings.EqualFold(name, "x-oss-request-token")) {
			params[i] = name + "=" + masked(len(v))
		}
	}
	return strings.Join(params, "&")
}

// maskAll replaces every other occurrence of each token, raw or escaped.
// The masks by position above are the rule; this one catches a token that
// the user also put elsewhere, such as in --url. A token shorter than
// maskAllFrom is left alone here: replacing a short word everywhere would
// mangle the canonical request it is meant to explain.
func maskAll(s string, tokens []string) string {
	const maskAllFrom = 8
	for _, t := range tokens {
		if len(t) < maskAllFrom {
			continue
		}
		qe := url.QueryEscape(t)
		for _, form := range []string{t, qe, strings.ReplaceAll(qe, "+", "%20"), url.PathEscape(t)} {
			s = strings.ReplaceAll(s, form, masked(len(t)))
		}
	}
	return s
}

func masked(n int) string { return fmt.Sprintf("<masked: %d bytes>", n) }

// matchValue is a string of a given form.
type matchValue struct {
	s    *string
	re   *regexp.Regexp
	form string
}

func newMatch(fs *flag.FlagSet, name string, re *regexp.Regexp, form, usage string) *string {
	s := new(string)
	fs.Var(&matchValue{s: s, re: re, form: form}, name, usage)
	return s
}

func (v *matchValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v *matchValue) Set(s string) error {
	if !v.re.MatchString(s) {
		return errors.New("not " + v.form)
	}
	*v.s = s
	return nil
}

// keyValue is an object key as OSS names them: 1 to 1023 bytes of UTF-8,
// not starting with '/' or '\' (OSS "Object naming conventions").
type keyValue struct{ s *string }

func newKey(fs *flag.FlagSet, name, usage string) *string {
	s := new(string)
	fs.Var(keyValue{s}, name, usage)
	return s
}

func (v keyValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v keyValue) Set(s string) error {
	switch {
	case s == "" || len(s) > 1023:
		return errors.New("an object key is 1 to 1023 bytes")
	case s[0] == '/' || s[0] == '\\':
		return errors.New("an object key does not start with '/' or '\\'")
	case strings.ContainsFunc(s, isControl) || !utf8.ValidString(s):
		return errors.New("an object key is UTF-8 without control characters")
	}
	*v.s = s
	return nil
}

// headerNames is a comma-separated list of header names.
type headerNames []string

func (h *headerNames) String() string { return strings.Join(*h, ",") }

func (h *headerNames) Set(v string) error {
	for _, n := range strings.Split(v, ",") {
		n = strings.TrimSpace(n)
		if !validHeaderName(n) {
			return fmt.Errorf("%s is not a header name", quoteArg(n))
		}
		*h = append(*h, n)
	}
	return nil
}

// timeValue is an RFC 3339 time.
type timeValue struct{ t time.Time }

func (v *timeValue) String() string {
	if v.t.IsZero() {
		return ""
	}
	return v.t.Format(time.RFC3339)
}

func (v *timeValue) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errors.New("not RFC 3339, such as 2026-11-24T12:00:00Z")
	}
	v.t = t
	return nil
}

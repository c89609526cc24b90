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

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
)

const signUsage = `sign --url URL [flags]

Prints the canonical request, the string to sign and the Authorization (or,
with --presign, the signed URL) of the request described, to compare with a
SignatureDoesNotMatch. The secret is never printed; tokens and signatures
are redacted, except that --show-token prints the signed URL whole, to use.
The bucket, key and region come from a URL BUCKET.oss-REGION.aliyuncs.com/KEY
or a route (no bucket); for other URLs give --region, --bucket and --key.
Credentials: --access-key-id with $ALIBABA_CLOUD_ACCESS_KEY_SECRET (and
$ALIBABA_CLOUD_SECURITY_TOKEN); else the default chain.

Example, a WriteGetObjectResponse:
  wgor sign --method POST --region cn-qingdao \
    --url 'https://ROUTE/?x-oss-write-get-object-response' \
    --header 'x-oss-request-route: ROUTE' --header 'x-oss-request-token: TOKEN' \
    --header 'x-oss-fwd-status: 200'`

// signFlags are sign's flags.
type signFlags struct {
	method, url, region, product, bucket, key *string
	header                                    http.Header
	additional                                []string
	at                                        time.Time
	presign, showToken                        *bool
	expires                                   *time.Duration
	cf                                        *credentialFlags
}

func newSignFlags(e *env, fs *flag.FlagSet) *signFlags {
	f := &signFlags{
		method: check(fs, "method", http.MethodGet, "HTTP `METHOD`", match(methodPattern, "an HTTP method such as GET or POST")),
		url:    check(fs, "url", "", "request `URL`, with its query (required)", httpURL(false)),
		header: headers(fs, "header", "request `HEADER` 'Name: value' (repeatable)"),
		region: check(fs, "region", "", "signing `REGION`, such as cn-hangzhou (default: the URL's oss-REGION)", regionID),
		product: check(fs, "product", "", "signing `PRODUCT` (default "+sign.DefaultProduct+")",
			match(productPattern, "a product name such as oss")),
		bucket: check(fs, "bucket", "", "`BUCKET` of the canonical URI", match(bucketPattern,
			"a bucket name: 3 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit")),
		key:       check(fs, "key", "", "object `KEY` of the canonical URI, unescaped", objectKey),
		presign:   fs.Bool("presign", false, "sign in the query string instead of the Authorization header"),
		expires:   check(fs, "expires", 15*time.Minute, "`DURATION` a presigned URL is valid, from 1s to 168h (with --presign)", duration(time.Second, 7*24*time.Hour)),
		showToken: fs.Bool("show-token", false, "print the signed URL whole, security token and signature included, so it can be used (with --presign)"),
		cf:        addCredentialFlags(e, fs, false),
	}
	fs.Func("additional-headers", "comma-separated `NAMES` of extra headers to sign", func(v string) error {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); !oss.ValidName(n) {
				return fmt.Errorf("%s is not a header name", quoteArg(n))
			}
			f.additional = append(f.additional, n)
		}
		return nil
	})
	fs.Func("time", "signing `TIME`, RFC 3339 such as 2026-11-24T12:00:00Z (default now)", func(v string) (err error) {
		if f.at, err = time.Parse(time.RFC3339, v); err != nil {
			return errors.New("not RFC 3339, such as 2026-11-24T12:00:00Z")
		}
		return nil
	})
	return f
}

func runSign(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sign", signUsage)
	f := newSignFlags(e, fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	req, o, err := f.request(fs)
	if err != nil {
		return err
	}
	e.hold(req.Header.Values(oss.HeaderToken)...)
	c, source, err := f.cf.credentials(ctx, e, false)
	if err != nil {
		return err
	}
	o.Credentials = c.Signing()
	fmt.Fprintf(e.stderr, "credentials: access key ID %s, %s\n", c.AccessKeyID, source)
	var result string
	if *f.presign {
		result, err = sign.Presign(req, o)
	} else {
		err = sign.Sign(req, o)
		result = req.Header.Get(sign.HeaderAuthorization)
	}
	if err != nil {
		return err
	}
	scrub := e.scrub()
	fmt.Fprintf(e.stdout, "Canonical request:\n%s\n\n", scrubLines(scrub, o.Trace.CanonicalRequest))
	fmt.Fprintf(e.stdout, "String to sign:\n%s\n\n", scrubLines(scrub, o.Trace.StringToSign))
	switch {
	case !*f.presign: // what was asked for, as the README documents
		fmt.Fprintf(e.stdout, "Authorization:\n%s\n", result)
	case *f.showToken:
		fmt.Fprintf(e.stdout, "Signed URL:\n%s\n", result)
	default:
		fmt.Fprintf(e.stdout, "Signed URL (signature and security token redacted; --show-token prints it whole):\n%s\n", scrub.String(result))
	}
	return nil
}

// request checks the flags that depend on each other and returns the
// request and the options they describe, without credentials.
func (f *signFlags) request(fs *flag.FlagSet) (*http.Request, *sign.Options, error) {
	switch {
	case fs.NArg() > 0:
		return nil, nil, usagef("sign takes no arguments, got %s", quoteArg(fs.Arg(0)))
	case *f.url == "":
		return nil, nil, usagef("--url is required")
	case isSet(fs, "expires") && !*f.presign:
		return nil, nil, usagef("--expires applies to --presign only")
	case isSet(fs, "show-token") && !*f.presign:
		return nil, nil, usagef("--show-token applies to --presign only")
	case *f.key != "" && *f.bucket == "":
		return nil, nil, usagef("--key needs --bucket: the canonical URI is /BUCKET/KEY")
	}
	u, _ := url.Parse(*f.url) // checked by the flag
	o := &sign.Options{Region: *f.region, Product: *f.product, Bucket: *f.bucket, Key: *f.key,
		AdditionalHeaders: f.additional, Time: f.at, Expires: *f.expires, Trace: &sign.Trace{}}
	if o.Bucket == "" {
		var err error
		if o.Bucket, o.Key, err = bucketAndKey(u); err != nil {
			return nil, nil, &usageError{msg: err.Error()}
		}
	}
	if o.Region == "" {
		r, err := wgor.RegionFromRoute(u.Host)
		if err != nil {
			return nil, nil, usagef("--region is required: the URL's host %s names no OSS region", quoteArg(u.Hostname()))
		}
		o.Region = r
	}
	req := &http.Request{Method: *f.method, URL: u, Header: f.header, Host: u.Host}
	return req, o, nil
}

// scrubLines scrubs text line by line, keeping its lines.
func scrubLines(s *redact.Scrubber, text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = s.String(l)
	}
	return strings.Join(lines, "\n")
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
	var labels []string // before aliyuncs.com
	if before, ok := strings.CutSuffix(host, ".aliyuncs.com"); ok {
		labels = strings.Split(before, ".")
	}
	n, root := len(labels), u.Path == "" || u.Path == "/"
	switch {
	case n >= 2 && labels[n-1] == "oss-object-process":
		if !root {
			return "", "", errors.New("a WriteGetObjectResponse route takes the path \"/\" only")
		}
		return "", "", nil
	case n == 2 && strings.HasPrefix(labels[1], "oss-") && !strings.HasPrefix(labels[0], "oss-"):
		if !bucketPattern.MatchString(labels[0]) {
			return "", "", fmt.Errorf("the URL's host names the bucket %s, which is not a valid bucket name", quoteArg(labels[0]))
		}
		return labels[0], strings.TrimPrefix(u.Path, "/"), nil
	case root:
		return "", "", nil
	case n == 1 && strings.HasPrefix(labels[0], "oss-"):
		return "", "", errors.New("OSS serves buckets at virtual-hosted URLs, such as https://BUCKET.oss-cn-hangzhou.aliyuncs.com/KEY: put the bucket in the host, or give --bucket and --key")
	}
	return "", "", fmt.Errorf("cannot tell the bucket and the key from the URL's host %s (not BUCKET.oss-REGION.aliyuncs.com): give --bucket and --key", quoteArg(host))
}

// objectKey accepts an object key as OSS names them: 1 to 1023 bytes of
// UTF-8, not starting with '/' or '\' (OSS "Object naming conventions").
func objectKey(s string) (string, error) {
	switch {
	case s == "" || len(s) > 1023:
		return "", errors.New("an object key is 1 to 1023 bytes")
	case s[0] == '/' || s[0] == '\\':
		return "", errors.New("an object key does not start with '/' or '\\'")
	case strings.ContainsFunc(s, isControl) || !utf8.ValidString(s):
		return "", errors.New("an object key is UTF-8 without control characters")
	}
	return s, nil
}

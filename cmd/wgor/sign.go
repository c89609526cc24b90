package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
)

const signUsage = `sign --url URL [flags]

Prints the canonical request, the string to sign and the Authorization (or,
with --presign, the signed URL) of a request, with tokens and signatures
redacted (--show-token prints them), to compare with a SignatureDoesNotMatch.`

func runSign(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sign", signUsage)
	o := &sign.Options{Trace: &sign.Trace{}}
	method := check(fs, new(http.MethodGet), "method", "HTTP `METHOD`", match(`^[A-Z]+$`, "an HTTP method such as GET or POST"))
	rawURL := check(fs, new(string), "url", "request `URL`, with its query (required)", httpURL(false))
	header := headers(fs, "header", "request `HEADER` 'Name: value' (repeatable)")
	check(fs, &o.Region, "region", "signing `REGION`, such as cn-hangzhou (default: the URL's oss-REGION)", regionID)
	check(fs, &o.Product, "product", "signing `PRODUCT` (default "+sign.DefaultProduct+")",
		match(`^[a-z0-9]+(-[a-z0-9]+)*$`, "a product name such as oss"))
	check(fs, &o.Bucket, "bucket", "`BUCKET` of the canonical URI", bucketName)
	check(fs, &o.Key, "key", "object `KEY` of the canonical URI, unescaped", objectKey)
	fs.Func("additional-headers", "comma-separated `NAMES` of extra headers to sign", func(v string) error {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); !oss.ValidName(n) {
				return fmt.Errorf("%s is not a header name", quoteArg(n))
			}
			o.AdditionalHeaders = append(o.AdditionalHeaders, n)
		}
		return nil
	})
	check(fs, &o.Time, "time", "signing `TIME`, RFC 3339 such as 2026-11-24T12:00:00Z (default now)", func(v string) (time.Time, error) {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return t, errors.New("not RFC 3339, such as 2026-11-24T12:00:00Z")
		}
		return t, nil
	})
	presign := fs.Bool("presign", false, "sign in the query string instead of the Authorization header")
	check(fs, &o.Expires, "expires", "`DURATION` a presigned URL is valid, from 1s to 168h (with --presign; default 15m)",
		duration(time.Second, 7*24*time.Hour))
	showToken := fs.Bool("show-token", false, "print the signature and security token whole: the Authorization to compare with a golden vector, the signed URL to use it")
	keys := addKeyFlags(e, fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	req, err := signedRequest(fs, *method, *rawURL, header, o, *presign)
	if err != nil {
		return err
	}
	e.hold(req.Header.Values(oss.HeaderToken)...)
	c, source, err := keys.credentials(ctx, e, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "credentials: access key ID %s, %s\n", c.AccessKeyID, source)
	o.Credentials = c.Signing()
	return printSigned(e, req, o, *presign, *showToken)
}

// signedRequest checks the flags that depend on each other and returns the
// request they describe, filling in o's bucket, key and region from the URL.
func signedRequest(fs *flag.FlagSet, method, rawURL string, h http.Header, o *sign.Options, presign bool) (*http.Request, error) {
	switch {
	case fs.NArg() > 0:
		return nil, usagef("sign takes no arguments, got %s", quoteArg(fs.Arg(0)))
	case rawURL == "":
		return nil, usagef("--url is required")
	case o.Expires != 0 && !presign:
		return nil, usagef("--expires applies to --presign only")
	case o.Key != "" && o.Bucket == "":
		return nil, usagef("--key needs --bucket: the canonical URI is /BUCKET/KEY")
	}
	u, _ := url.Parse(rawURL) // checked by the flag
	if o.Bucket == "" {
		var err error
		if o.Bucket, o.Key, err = bucketAndKey(u); err != nil {
			return nil, &usageError{msg: err.Error()}
		}
	}
	if o.Region == "" {
		r, err := wgor.RegionFromRoute(u.Host)
		if err != nil {
			return nil, usagef("--region is required: the URL's host %s names no OSS region", quoteArg(u.Hostname()))
		}
		o.Region = r
	}
	return &http.Request{Method: method, URL: u, Header: h, Host: u.Host}, nil
}

// printSigned signs req and prints what the signature was computed over and
// what was asked for, scrubbed but for a --show-token URL.
func printSigned(e *env, req *http.Request, o *sign.Options, presign, showToken bool) error {
	var result string
	var err error
	if presign {
		result, err = sign.Presign(req, o)
	} else {
		err = sign.Sign(req, o)
		result = req.Header.Get(sign.HeaderAuthorization)
	}
	if err != nil {
		return err
	}
	scrub := e.scrub()
	for _, part := range []struct{ title, text string }{
		{"Canonical request", o.Trace.CanonicalRequest}, {"String to sign", o.Trace.StringToSign},
	} {
		fmt.Fprintf(e.stdout, "%s:\n%s\n\n", part.title, scrub.Lines(part.text))
	}
	title := map[bool]string{false: "Authorization", true: "Signed URL"}[presign]
	if !showToken {
		title, result = title+" (signature and security token redacted; --show-token prints them)", scrub.String(result)
	}
	fmt.Fprintf(e.stdout, "%s:\n%s\n", title, result)
	return nil
}

// bucketName follows OSS's bucket naming rules: 3 to 63 characters,
// lower-case letters, digits and hyphens, starting and ending with a letter
// or a digit (OSS console and API docs, "Bucket naming conventions").
var bucketName = match(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`,
	"a bucket name: 3 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit")

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
		if _, err := bucketName(labels[0]); err != nil {
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
	case strings.ContainsFunc(s, unicode.IsControl) || !utf8.ValidString(s):
		return "", errors.New("an object key is UTF-8 without control characters")
	}
	return s, nil
}

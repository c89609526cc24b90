package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/sign"
)

const signUsage = `sign --url URL [--method POST] [--header 'Name: value']... --region REGION [flags]

Prints the canonical request, the string to sign and the Authorization header
(or, with --presign, the signed URL) of the request described, to compare with
what OSS reports in a SignatureDoesNotMatch error. The secret is never printed,
and the values of x-oss-security-token and x-oss-request-token are masked.

Credentials come from --access-key-id and ALIBABA_CLOUD_ACCESS_KEY_SECRET /
ALIBABA_CLOUD_SECURITY_TOKEN, or from the default credentials chain.

Example, a WriteGetObjectResponse:
  wgor sign --method POST --region cn-qingdao \
    --url 'https://ROUTE/?x-oss-write-get-object-response' \
    --header 'x-oss-request-route: ROUTE' --header 'x-oss-request-token: TOKEN' \
    --header 'x-oss-fwd-status: 200' --time 2026-11-24T12:00:00Z`

func runSign(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sign", signUsage)
	var headers headerFlags
	method := fs.String("method", http.MethodGet, "HTTP `method`")
	rawURL := fs.String("url", "", "request `URL`, with its query")
	fs.Var(&headers, "header", "request header 'Name: value' (repeatable)")
	region := fs.String("region", "", "signing `region`, such as cn-hangzhou (required)")
	product := fs.String("product", sign.DefaultProduct, "signing `product`")
	bucket := fs.String("bucket", "", "`bucket` of the canonical URI")
	key := fs.String("key", "", "object `key` of the canonical URI, unescaped")
	additional := fs.String("additional-headers", "", "comma-separated `names` of extra headers to sign")
	at := fs.String("time", "", "signing `time`, RFC 3339 (default now)")
	presign := fs.Bool("presign", false, "sign in the query string instead of the Authorization header")
	expires := fs.Duration("expires", 15*time.Minute, "lifetime of a presigned URL")
	cf := addCredentialFlags(fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *rawURL == "" || *region == "" {
		return usagef("--url and --region are required")
	}
	u, err := url.Parse(*rawURL)
	if err != nil || u.Host == "" {
		return usagef("--url must be an absolute URL")
	}
	h := http.Header{}
	for _, hv := range headers {
		name, value, ok := strings.Cut(hv, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return usagef("--header must be 'Name: value', not %q", hv)
		}
		h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	o := &sign.Options{Region: *region, Product: *product, Bucket: *bucket, Key: *key, Expires: *expires, Trace: &sign.Trace{}}
	if *additional != "" {
		o.AdditionalHeaders = strings.Split(*additional, ",")
	}
	if *at != "" {
		if o.Time, err = time.Parse(time.RFC3339, *at); err != nil {
			return usagef("--time must be RFC 3339, like 2026-11-24T12:00:00Z")
		}
	} else {
		o.Time = time.Now()
	}
	c, err := cf.credentials(ctx, e)
	if err != nil {
		return err
	}
	o.Credentials = c.Signing()

	req := &http.Request{Method: strings.ToUpper(*method), URL: u, Header: h, Host: u.Host}
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
	masked := []string{o.Credentials.SecurityToken, h.Get("X-Oss-Request-Token")}
	masked = append(masked, url.QueryEscape(o.Credentials.SecurityToken))
	fmt.Fprintf(e.stdout, "Canonical request:\n%s\n\n", mask(o.Trace.CanonicalRequest, masked))
	fmt.Fprintf(e.stdout, "String to sign:\n%s\n\n", o.Trace.StringToSign)
	if *presign {
		fmt.Fprintf(e.stdout, "Signed URL:\n%s\n", mask(result, masked))
	} else {
		fmt.Fprintf(e.stdout, "Authorization:\n%s\n", result)
	}
	return nil
}

// mask replaces every occurrence of the given secrets with a placeholder
// naming their length.
func mask(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, fmt.Sprintf("<masked: %d bytes>", len(v)))
		}
	}
	return s
}

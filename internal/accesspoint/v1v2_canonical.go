package accesspoint

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
)

// v1Subresources are the query parameters signed in V1's canonical resource
// (older Go SDK oss/conn.go signKeyList, v3.0.2); x-oss-* parameters are
// signed too (Go SDK v2 oss/signer/v1.go).
var v1Subresources = strings.Fields(`acl uploads location cors logging website referer lifecycle
	delete append tagging objectMeta uploadId partNumber security-token position img style
	styleName replication replicationProgress replicationLocation cname bucketInfo comp qos
	live status vod startTime endTime symlink response-content-type response-content-language
	response-expires response-cache-control response-content-disposition
	response-content-encoding udf udfName udfImage udfId udfImageDesc udfApplication
	udfApplicationLog restore callback callback-var qosInfo policy stat encryption versions
	versioning versionId requestPayment sequential inventory inventoryId continuation-token
	asyncFetch worm wormId wormExtend withHashContext transferAcceleration regionList
	cloudboxes metaQuery resourceGroup rtc responseHeader`)

// stringToSignStart is the first four lines of V1's and V2's StringToSign.
func stringToSignStart(r *http.Request, date string) string {
	return r.Method + "\n" + r.Header.Get("Content-Md5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n"
}

// sortedNames returns the names of h, lower case and sorted, that start
// with x-oss- or are in extra.
func sortedNames(h http.Header, extra []string) []string {
	var names []string
	for name := range h {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-oss-") || slices.Contains(extra, lower) {
			names = append(names, lower)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// resource appends the parameters named, sorted, "?k=v&k" ("k" alone when
// its value is empty).
func resource(base string, names []string, value func(string) string) string {
	slices.Sort(names)
	sep := "?"
	for _, k := range names {
		base += sep + k
		if v := value(k); v != "" {
			base += "=" + v
		}
		sep = "&"
	}
	return base
}

// bucketPath is "/" or "/bucket/key".
func bucketPath(bucket, key string) string {
	if bucket == "" {
		return "/"
	}
	return "/" + bucket + "/" + key
}

// v1Headers is V1's CanonicalizedOSSHeaders: the x-oss-* headers, lower
// case, sorted, "name:value\n", values trimmed and joined with ',' (Go SDK
// v2).
func v1Headers(h http.Header) string {
	var b strings.Builder
	for _, name := range sortedNames(h, nil) {
		vs := h.Values(name)
		for i := range vs {
			vs[i] = strings.TrimSpace(vs[i])
		}
		b.WriteString(name + ":" + strings.Join(vs, ",") + "\n")
	}
	return b.String()
}

// v1Resource is V1's CanonicalizedResource with and without
// x-oss-write-get-object-response: "/" or "/bucket/key", then the signed
// parameters, decoded.
func v1Resource(bucket, key string, q url.Values) (with, without string) {
	var all, some []string
	for k := range q {
		if slices.Contains(v1Subresources, k) || strings.HasPrefix(k, "x-oss-") {
			all = append(all, k)
			if k != oss.WriteQuery {
				some = append(some, k)
			}
		}
	}
	return resource(bucketPath(bucket, key), all, q.Get), resource(bucketPath(bucket, key), some, q.Get)
}

func badV2(ec, msg string) error {
	return refuse(CodeInvalidArgument, ec, "Authorization is not a V2 signature, \"OSS2 AccessKeyId:<id>[,AdditionalHeaders:<a;b>],Signature:<sig>\": "+msg)
}

// v2Authorization reads the fields of a V2 Authorization header, each
// refusal with the EC of OSS's page for it.
func v2Authorization(auth string) (claim, error) {
	items := strings.Split(strings.TrimPrefix(auth, "OSS2 "), ",")
	if len(items) < 2 || len(items) > 3 || slices.Contains(items, "") {
		return claim{}, badV2("0002-00000102", "it must have two or three fields, separated by ','.")
	}
	f := make(map[string]string, len(items))
	for _, item := range items {
		k, v, ok := strings.Cut(item, ":")
		switch _, dup := f[k]; {
		case !ok:
			return claim{}, badV2("0002-00000103", "each field is key:value.")
		case k != "AccessKeyId" && k != "AdditionalHeaders" && k != "Signature":
			return claim{}, badV2("0002-00000104", "the fields are AccessKeyId, AdditionalHeaders and Signature.")
		case dup:
			return claim{}, badV2("0002-00000102", k+" is sent twice.")
		}
		f[k] = v
	}
	id, hasID := f["AccessKeyId"]
	sig, hasSig := f["Signature"]
	extra, hasExtra := f["AdditionalHeaders"]
	for _, check := range []struct {
		bad      bool
		ec, what string
	}{
		{!hasID, "0002-00000105", "AccessKeyId is missing."},
		{hasID && id == "", "0002-00000106", "AccessKeyId is empty."},
		{strings.ContainsAny(id, " \t\r\n"), "0002-00000107", "AccessKeyId holds a space or a control character."},
		{!hasSig, "0002-00000108", "Signature is missing."},
		{hasSig && sig == "", "0002-00000109", "Signature is empty."},
		{hasExtra && extra == "", "0002-00000110", "AdditionalHeaders is empty: leave it out, or name the headers signed."},
	} {
		if check.bad {
			return claim{}, badV2(check.ec, check.what)
		}
	}
	return claim{id: id, sig: sig, extra: extra}, nil
}

// additionalHeaders checks the names of V2's AdditionalHeaders: none empty
// (EC 0002-00000111), each sent (EC 0002-00000112, which refuses '_' too).
// It returns them in lower case.
func additionalHeaders(r *http.Request, list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	names := strings.Split(strings.ToLower(list), ";")
	for _, n := range names {
		switch {
		case n == "":
			return nil, badV2("0002-00000111", "AdditionalHeaders names an empty header.")
		case strings.Contains(n, "_") || headerValue(r, n) == "" && len(r.Header.Values(n)) == 0:
			return nil, badV2("0002-00000112", "AdditionalHeaders names "+strconv.Quote(clip(n, 64))+", which the request does not send.")
		}
	}
	return names, nil
}

// headerValue is the first value of the header name; Host is r.Host.
func headerValue(r *http.Request, name string) string {
	if name == "host" {
		return r.Host
	}
	return r.Header.Get(name)
}

// v2StringToSign: the first value of each header, untrimmed; the resource
// URI-encoded with every query parameter but the signature.
func v2StringToSign(r *http.Request, date string, extra []string, o v1Options) string {
	var b strings.Builder
	b.WriteString(stringToSignStart(r, date))
	names := sortedNames(r.Header, extra)
	if slices.Contains(extra, "host") {
		names = slices.Compact(slices.Sorted(slices.Values(append(names, "host"))))
	}
	for _, name := range names {
		b.WriteString(name + ":" + headerValue(r, name) + "\n")
	}
	b.WriteString(strings.Join(slices.Sorted(slices.Values(extra)), ";") + "\n")
	q := r.URL.Query()
	values := make(map[string]string, len(q))
	var keys []string
	for k := range q {
		if k != urlParams[2][2] {
			keys = append(keys, v2Encode(k))
			values[v2Encode(k)] = v2Encode(q.Get(k))
		}
	}
	b.WriteString(resource(v2Encode(bucketPath(o.bucket, o.key)), keys, func(k string) string { return values[k] }))
	return b.String()
}

// v2Encode percent-encodes all but A-Z a-z 0-9 - _ . ~ (oss2's
// v2_uri_encode; the Go SDK's url.QueryEscape with '+' as %20).
func v2Encode(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

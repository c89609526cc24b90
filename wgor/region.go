package wgor

import (
	"fmt"
	"strings"
)

// RegionFromRoute returns the OSS region named in an outputRoute, the region
// a WriteGetObjectResponse to it must be signed for.
//
// The route is a host, with or without a port or an http:// or https://
// scheme. The region is the <region> of the rightmost label of the form
// oss-<region> or oss-<region>-internal in a host under aliyuncs.com, such as
//
//	fc-ap-01-3b00…-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com  → cn-qingdao
//	fc-ap-01-3b00…-opap.oss-cn-qingdao.oss-object-process.aliyuncs.com           → cn-qingdao
//	examplebucket.oss-cn-hangzhou.aliyuncs.com                                   → cn-hangzhou
//	oss-ap-southeast-1-internal.aliyuncs.com                                     → ap-southeast-1
//
// Case does not matter. Any other route (an IP address, localhost, a custom
// domain) is an error: set [Client.Region] for those.
func RegionFromRoute(route string) (string, error) {
	host := route
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
	}
	host = hostname(host)
	if region, ok := regionFromHost(host); ok {
		return region, nil
	}
	return "", &RegionError{Host: host}
}

// RegionError says that the region a request must be signed for cannot be
// told from the route: set Client.Region. A command line can find it with
// errors.As and name its own flag instead.
type RegionError struct {
	Host string // the route's host name, lower-cased, without a port
}

func (e *RegionError) Error() string {
	return fmt.Sprintf("wgor: cannot tell the OSS region from route host %q: "+
		"set Client.Region (a route from OSS looks like …-opap.oss-<region>-internal.oss-object-process.aliyuncs.com)", safeHost(e.Host))
}

// hostname strips a port, IPv6 brackets and a trailing dot from host[:port],
// and lower-cases it.
func hostname(hostport string) string {
	h := hostport
	if i := strings.IndexAny(h, "/?#"); i >= 0 {
		h = h[:i]
	}
	if strings.HasPrefix(h, "[") {
		if end := strings.IndexByte(h, ']'); end > 0 {
			h = h[1:end]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	return strings.ToLower(h)
}

// regionFromHost applies the rule of RegionFromRoute to a lower-case host
// name without a port.
func regionFromHost(host string) (string, bool) {
	const domain = ".aliyuncs.com"
	rest, ok := strings.CutSuffix(host, domain)
	if !ok || rest == "" {
		return "", false
	}
	for rest != "" {
		label := rest
		if i := strings.LastIndexByte(rest, '.'); i >= 0 {
			label, rest = rest[i+1:], rest[:i]
		} else {
			rest = ""
		}
		name, ok := strings.CutPrefix(label, "oss-")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "-internal")
		if isRegion(name) {
			return name, true
		}
	}
	return "", false
}

// isRegion reports whether s looks like an Alibaba Cloud region ID: two
// letters, then one or more '-'-separated parts of letters and digits
// (cn-hangzhou, ap-southeast-1, cn-shanghai-finance-1, rg-china-mainland).
// That excludes the service labels oss-object-process and oss-accelerate.
func isRegion(s string) bool {
	if len(s) < 4 || s[2] != '-' || !isLower(s[0]) || !isLower(s[1]) {
		return false
	}
	part := 0
	for i := 3; i < len(s); i++ {
		switch c := s[i]; {
		case isLower(c) || '0' <= c && c <= '9':
			part++
		case c == '-' && part > 0:
			part = 0
		default:
			return false
		}
	}
	return part > 0
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

// safeHost cuts a host short for an error message and replaces bytes that
// could forge a log line. A route is not secret, but it came from outside.
func safeHost(h string) string {
	const max = 253
	if len(h) > max {
		h = h[:max] + "..."
	}
	var b strings.Builder
	for i := 0; i < len(h); i++ {
		if c := h[i]; c < 0x20 || c >= 0x7f {
			b.WriteByte('?')
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

package wgor

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
)

// parseRoute reads an outputRoute, a bare host or an http:// or https://
// URL without path, query, fragment or user info, into the URL Write
// posts to. scheme is used for a bare host. Errors quote the host only: a
// URL pasted by mistake (the inputOssUrl, say) can hold a signature or a
// password.
func parseRoute(route, scheme string) (*url.URL, error) {
	if route == "" {
		return nil, invalid("Route is empty: pass getObjectContext.outputRoute from the event")
	}
	raw := route
	if !strings.Contains(route, "://") {
		raw = scheme + "://" + route
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the url.Error quotes the whole route
		}
		return nil, invalid("Route is not a host or a URL: %s", cut(err.Error(), 200)) // it may quote the host twice
	}
	host := u.Host
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, invalid("Route has scheme %s: use a bare host, or http:// or https://", quote(u.Scheme))
	case u.User != nil:
		return nil, invalid("Route to %s has user info: pass the outputRoute host alone", quote(host))
	case u.Path != "" && u.Path != "/":
		return nil, invalid("Route to %s has a path: pass the outputRoute host alone", quote(host))
	case u.RawQuery != "" || u.ForceQuery:
		return nil, invalid("Route to %s has a query: pass the outputRoute host alone", quote(host))
	case u.Fragment != "":
		return nil, invalid("Route to %s has a fragment: pass the outputRoute host alone", quote(host))
	}
	if err := checkHost(u); err != nil {
		return nil, err
	}
	u.Path, u.RawPath, u.RawQuery = "/", "", oss.WriteQuery
	return u, nil
}

// checkHost refuses what net/url accepts in a host but no route can be: no
// host, an IPv6 address outside brackets or with a zone, IPv4 in brackets,
// a port outside 1 to 65535, a name longer than DNS allows (RFC 1035,
// 2.3.4) or with a byte no host name has (letters, digits, '-', '.', and
// '_', which DNS and net/http accept).
func checkHost(u *url.URL) error {
	name, port, host := u.Hostname(), u.Port(), u.Host
	bracketed := strings.HasPrefix(u.Host, "[")
	switch {
	case name == "":
		return invalid("Route %s has no host", quote(host))
	case strings.HasSuffix(u.Host, ":") || port != "" && !validPort(port):
		return invalid("Route %s has an invalid port: use 1 to 65535", quote(host))
	case bracketed || strings.Contains(name, ":"):
		if a, err := netip.ParseAddr(name); err != nil || !a.Is6() || a.Zone() != "" || !bracketed {
			return invalid("Route host %s is not a valid IPv6 address in brackets", quote(host))
		}
		return nil
	case len(strings.TrimSuffix(name, ".")) > 253:
		return invalid("Route host %s is longer than the 253 bytes a host name may have", quote(host))
	case strings.ContainsFunc(name, notInHostName):
		return invalid("Route host %s holds a byte that cannot appear in a host name", quote(host))
	}
	return nil
}

func notInHostName(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '.' || r == '_')
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

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
	if _, rest, ok := strings.Cut(route, "://"); ok {
		host = rest
	}
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i] // a path or a query is no part of it, and may hold a signature
	}
	if u, err := url.Parse("//" + host); err == nil {
		host = u.Hostname()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	labels := strings.Split(host, ".")
	if len(labels) < 3 || strings.Join(labels[len(labels)-2:], ".") != "aliyuncs.com" {
		return "", &RegionError{Host: host}
	}
	for i := len(labels) - 3; i >= 0; i-- {
		name, ok := strings.CutPrefix(labels[i], "oss-")
		if name = strings.TrimSuffix(name, "-internal"); ok && regionID.MatchString(name) {
			return name, nil
		}
	}
	return "", &RegionError{Host: host}
}

// regionID is an Alibaba Cloud region ID: two letters, then '-'-separated
// parts of letters and digits (cn-hangzhou, ap-southeast-1,
// cn-shanghai-finance-1, rg-china-mainland). That leaves out the service
// labels oss-object-process and oss-accelerate.
var regionID = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+$`)

// RegionError says that the region a request must be signed for cannot be
// told from the route: set Client.Region. A command line can find it with
// errors.As and name its own flag instead.
type RegionError struct {
	Host string // the route's host name, lower-cased, without a port
}

// Error says what to set instead.
func (e *RegionError) Error() string {
	return fmt.Sprintf("wgor: cannot tell the OSS region from route host %s: "+
		"set Client.Region (a route from OSS looks like …-opap.oss-<region>-internal.oss-object-process.aliyuncs.com)", quote(e.Host))
}

package wgor

import (
	"net/netip"
	"strconv"
	"strings"
)

// route is a parsed outputRoute.
type route struct {
	scheme string // "http" or "https"
	host   string // host[:port], as written
}

// parseRoute splits a route into scheme and host, rejecting anything that is
// not a bare host. Errors never quote the route whole: a URL pasted by
// mistake (the inputOssUrl, say) can hold a signature or a password.
func parseRoute(s, defaultScheme string) (route, error) {
	if s == "" {
		return route{}, invalid("Route is empty: pass getObjectContext.outputRoute from the event")
	}
	rt := route{scheme: defaultScheme, host: s}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		rt.scheme, rt.host = strings.ToLower(scheme), rest
		if rt.scheme != "http" && rt.scheme != "https" {
			return route{}, invalid("Route has scheme %q: use a bare host, or http:// or https://", safeHost(scheme))
		}
	}
	authority, tail := rt.host, ""
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority, tail = authority[:i], authority[i:]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		return route{}, invalid("Route to %q has user info: pass the outputRoute host alone", safeHost(authority[i+1:]))
	}
	switch {
	case tail == "" || tail == "/":
	case tail[0] == '/':
		return route{}, invalid("Route to %q has a path: pass the outputRoute host alone", safeHost(authority))
	case tail[0] == '?':
		return route{}, invalid("Route to %q has a query: pass the outputRoute host alone", safeHost(authority))
	default:
		return route{}, invalid("Route to %q has a fragment: pass the outputRoute host alone", safeHost(authority))
	}
	rt.host = authority
	if err := checkHostPort(authority); err != nil {
		return route{}, err
	}
	return rt, nil
}

// checkHostPort accepts a host and an optional port from 1 to 65535. The
// host is, after RFC 3986 §3.2.2: a bracketed IPv6 address (an IP-literal;
// neither IPv4 in brackets nor a zone, which a route never needs), an
// IPv4 address in dotted decimal, or a DNS name after RFC 1123 §2.1: at
// most 253 bytes (one trailing dot aside), labels of 1 to 63 letters,
// digits and '-' that neither begin nor end with '-', and a last label
// that is not all digits (that would be an IPv4 address). '_' is allowed
// too, as DNS and net/http allow it.
func checkHostPort(hp string) error {
	host, port := hp, ""
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return invalid("Route host %q has an unclosed '['", safeHost(hp))
		}
		host, port = hp[1:end], hp[end+1:]
		if port != "" && port[0] != ':' {
			return invalid("Route host %q has bytes after ']'", safeHost(hp))
		}
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() || a.Zone() != "" {
			return invalid("Route host %q is not a valid IPv6 address in brackets", safeHost(hp))
		}
	} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		host, port = hp[:i], hp[i:]
		if strings.IndexByte(host, ':') >= 0 {
			return invalid("Route host %q has more than one ':': put an IPv6 address in brackets", safeHost(hp))
		}
	}
	if host == "" {
		return invalid("Route %q has no host", safeHost(hp))
	}
	if port != "" {
		digits := port[1:]
		n, err := strconv.Atoi(digits)
		if err != nil || len(digits) > 5 || n < 1 || n > 65535 || digits[0] < '0' || digits[0] > '9' {
			return invalid("Route %q has an invalid port: use 1 to 65535", safeHost(hp))
		}
	}
	if strings.HasPrefix(hp, "[") {
		return nil
	}
	return checkHostName(hp, host)
}

// checkHostName applies checkHostPort's rules to an IPv4 address or a DNS
// name; hp is what errors quote.
func checkHostName(hp, host string) error {
	name := strings.TrimSuffix(host, ".")
	if len(name) > 253 {
		return invalid("Route host %q is longer than the 253 bytes a host name may have", safeHost(hp))
	}
	if last := name[strings.LastIndexByte(name, '.')+1:]; last != "" && strings.Trim(last, "0123456789") == "" {
		if a, err := netip.ParseAddr(name); err != nil || !a.Is4() {
			return invalid("Route host %q is neither an IPv4 address nor a host name", safeHost(hp))
		}
		return nil
	}
	// The labels are walked in place: every Write checks its route.
	for rest, more := name, true; more; {
		var l string
		l, rest, more = strings.Cut(rest, ".")
		switch {
		case l == "":
			return invalid("Route host %q has an empty label", safeHost(hp))
		case len(l) > 63:
			return invalid("Route host %q has a label longer than 63 bytes", safeHost(hp))
		case l[0] == '-' || l[len(l)-1] == '-':
			return invalid("Route host %q has a label that begins or ends with '-'", safeHost(hp))
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !isWord(c) && c != '-' {
				return invalid("Route host %q holds a byte that cannot appear in a host name", safeHost(hp))
			}
		}
	}
	return nil
}

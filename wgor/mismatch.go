package wgor

import (
	"fmt"
	"strconv"
	"strings"
)

// Names of the lines of a string to sign, and what a difference in each
// usually means.
var stsLines = [...]struct{ name, cause string }{
	{"algorithm", "the signature scheme differs"},
	{"date and time", "the clocks differ"},
	{"scope", "the date or the region differs: check Client.Region"},
	{"hash of the canonical request", "the canonical requests differ: a signed header or the query changed on the way"},
}

// mismatch says where OSS's string to sign (and canonical request, when
// sent) differs from the local one. Header values are shown except those of
// headers that hold secrets.
func mismatch(serverSTS, localSTS, serverCR, localCR string) string {
	sl, ll := strings.Split(serverSTS, "\n"), strings.Split(localSTS, "\n")
	for i := 0; i < max(len(sl), len(ll)); i++ {
		if i >= len(sl) || i >= len(ll) {
			return fmt.Sprintf("OSS's string to sign has %d lines, wgor's has %d", len(sl), len(ll))
		}
		if sl[i] == ll[i] {
			continue
		}
		name, cause := "line", ""
		if i < len(stsLines) {
			name, cause = stsLines[i].name, stsLines[i].cause
		}
		msg := fmt.Sprintf("the string to sign differs at line %d (%s), byte %d: OSS has %q, wgor signed %q",
			i+1, name, firstDiff(sl[i], ll[i])+1, sl[i], ll[i])
		if i == 3 && serverCR != "" && localCR != "" {
			if d := canonicalMismatch(serverCR, localCR); d != "" {
				return msg + "; " + d
			}
		}
		if cause != "" {
			msg += ": " + cause
		}
		return msg
	}
	return "the strings to sign are equal, so the signing key differs: check the access key secret"
}

// canonicalMismatch names the first line where two canonical requests
// differ.
func canonicalMismatch(server, local string) string {
	sl, ll := strings.Split(server, "\n"), strings.Split(local, "\n")
	for i := 0; i < max(len(sl), len(ll)); i++ {
		var s, l string
		if i < len(sl) {
			s = sl[i]
		}
		if i < len(ll) {
			l = ll[i]
		}
		if s == l {
			continue
		}
		return fmt.Sprintf("the canonical request differs at line %d (%s): OSS has %s, wgor signed %s",
			i+1, section(ll, i), showLine(s), showLine(l))
	}
	return ""
}

// section names the part of a canonical request that line i belongs to.
func section(lines []string, i int) string {
	switch i {
	case 0:
		return "method"
	case 1:
		return "URI"
	case 2:
		return "query"
	}
	for j := 3; j < len(lines) && j <= i; j++ {
		if lines[j] == "" {
			switch i - j {
			case 0:
				return "end of headers"
			case 1:
				return "additional headers"
			default:
				return "payload hash"
			}
		}
	}
	return "headers"
}

// secretHeaders are signed headers whose values are never shown.
var secretHeaders = []string{"x-oss-security-token", "x-oss-request-token", "authorization"}

// showLine quotes a canonical request line, hiding the value of a header
// that holds a secret.
func showLine(line string) string {
	if name, _, ok := strings.Cut(line, ":"); ok {
		for _, s := range secretHeaders {
			if strings.EqualFold(name, s) {
				return strconv.Quote(name+":") + " (value not shown)"
			}
		}
	}
	return strconv.Quote(line)
}

func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

package wgor

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
)

// What a SignatureDoesNotMatch means, found by comparing OSS's string to
// sign and canonical request with the local ones (OSS error page
// 0002-00000201: "if the server returns a response that contains the
// StringToSign parameter, compare it").

// stsLines names the lines of a V4 string to sign (OSS API reference,
// "Signature version 4"), what a difference in each means, and what to do.
var stsLines = [...]struct{ name, means, advice string }{
	{"algorithm", "the signature scheme differs", "sign with OSS Signature V4"},
	{"date and time", "the clocks differ", "synchronise the local clock"},
	{"scope", "the date or the region differs", "check Client.Region"},
	{"hash of the canonical request", "the canonical requests differ", "something on the way changed a signed header or the query"},
}

// explainMismatch fills e's Mismatch and advice from OSS's string to sign
// and canonical request (serverSTS, serverCR) and the local ones.
func explainMismatch(e *ServiceError, serverSTS, serverCR, localSTS, localCR string) {
	e.LocalStringToSign = localSTS
	if serverSTS == "" {
		if e.Mismatch = canonicalMismatch(serverCR, localCR); e.Mismatch == "" {
			e.Mismatch = "the canonical requests are equal"
		}
		return
	}
	sl, ll := strings.Split(serverSTS, "\n"), strings.Split(localSTS, "\n")
	if len(sl) != len(ll) {
		e.Mismatch = fmt.Sprintf("OSS's string to sign has %d lines, wgor's has %d", len(sl), len(ll))
		return
	}
	for i := range sl {
		if sl[i] == ll[i] {
			continue
		}
		name, means, advice := "line", "", ""
		if i < len(stsLines) {
			name, means, advice = stsLines[i].name, stsLines[i].means, stsLines[i].advice
		}
		e.Mismatch = fmt.Sprintf("the string to sign differs at line %d (%s), byte %d: OSS has %q, wgor signed %q",
			i+1, name, firstDiff(sl[i], ll[i])+1, sl[i], ll[i])
		if d := canonicalMismatch(serverCR, localCR); i == 3 && d != "" {
			means = d
		}
		if means != "" {
			e.Mismatch += ": " + means
		}
		e.advice = advice
		return
	}
	e.Mismatch = "the strings to sign are equal, so the signing key differs"
	e.advice = "check the access key secret"
}

// canonicalMismatch names the first line where two canonical requests
// differ, or returns "" when they are equal or OSS sent none.
func canonicalMismatch(server, local string) string {
	if server == "" {
		return ""
	}
	sl, ll := strings.Split(server, "\n"), strings.Split(local, "\n")
	for i := 0; i < max(len(sl), len(ll)); i++ {
		var s, l string
		if i < len(sl) {
			s = sl[i]
		}
		if i < len(ll) {
			l = ll[i]
		}
		if s != l {
			return fmt.Sprintf("the canonical request differs at line %d (%s): OSS has %s, wgor signed %s",
				i+1, section(ll, i), showLine(s), showLine(l))
		}
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

// showLine quotes a canonical request line, but not the value of a header
// that holds a secret.
func showLine(line string) string {
	name, _, ok := strings.Cut(line, ":")
	switch {
	case !ok:
	case strings.EqualFold(name, oss.HeaderSecurityToken), strings.EqualFold(name, oss.HeaderToken),
		strings.EqualFold(name, "authorization"):
		return strconv.Quote(name+":") + " (value not shown)"
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

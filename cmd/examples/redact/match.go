package redact

// isSep reports whether c may stand between two groups of digits of a
// card or phone number, as they are written: "4111 1111 1111 1111",
// "138-1234-5678" (ITU-T E.123 §2.5 groups an international number
// with spaces).
func isSep(c byte) bool { return c == ' ' || c == '-' }

func isDigitOrX(c byte) bool { return isDigit(c) || c == 'X' || c == 'x' }

// walk goes over the digits of a number one group at a time: groups of
// digits, each pair separated by one space or hyphen.
type walk struct {
	b   []byte
	end int // the end of the groups so far
	d   [maxCard + 1]byte
	n   int  // digits so far, in d
	sep bool // a separator was crossed
}

// next takes in the next group, the first if none was taken, and reports
// whether there was one with no more than max digits in all.
func (w *walk) next(max int) bool {
	i := w.end
	if w.n > 0 {
		if i+1 >= len(w.b) || !isSep(w.b[i]) || !isDigit(w.b[i+1]) {
			return false
		}
		w.sep = true
		i++
	}
	for ; i < len(w.b) && isDigit(w.b[i]); i++ {
		if w.n == max {
			return false // too long for any rule
		}
		w.d[w.n] = w.b[i]
		w.n++
	}
	w.end = i
	return true
}

// maskNumber masks the longest number starting at p that is a mainland
// China mobile number, a resident identity number with the right check
// character, or a card number that passes the Luhn check. It returns the
// end of what it masked, or 0.
func maskNumber(b []byte, p int) int {
	best := 0
	w := walk{b: b, end: p}
	for w.next(maxCard) {
		end, more := w.match()
		best = max(best, end)
		if !more {
			break
		}
	}
	if best > 0 {
		mask(b, p, best, isDigitOrX)
	}
	return best
}

// match reports where a match ends if the number ends with the groups
// taken so far (0 for none), and whether more groups may still make one.
func (w *walk) match() (end int, more bool) {
	b, end := w.b, w.end
	switch {
	case w.n < mobileLen && (end+1 >= len(b) || !isSep(b[end])):
		return 0, false // the common case: a short number, and nothing follows
	case !w.sep && w.n == idLen-1 && end < len(b) && (b[end] == 'X' || b[end] == 'x'):
		if rightBoundary(b, end+1) && validID(w.d[:w.n], b[end]) {
			return end + 1, false
		}
		return 0, false // nothing follows an X
	case rightBoundary(b, end) && w.valid():
		return end, true
	}
	return 0, true
}

// valid reports whether the digits so far are a number of a rule.
func (w *walk) valid() bool {
	d := w.d[:w.n]
	if !w.sep && w.n == idLen && validID(d, d[idLen-1]) {
		return true
	}
	return isMobile(d) || w.n >= minCard && luhn(d)
}

// maskE164 masks the longest international number starting with the '+'
// at p: 7 to 15 digits, the first not 0 (a country code never starts
// with 0, ITU-T E.164 §6.2.1).
func maskE164(b []byte, p int) int {
	if p+1 >= len(b) || b[p+1] < '1' || b[p+1] > '9' {
		return 0
	}
	best := 0
	w := walk{b: b, end: p + 1}
	for w.next(maxE164) {
		if w.n >= minE164 && rightBoundary(b, w.end) {
			best = w.end
		}
	}
	if best > 0 {
		mask(b, p+1, best, isDigit)
	}
	return best
}

// maskEmail masks the address around the '@' at a: the local part, at
// most 64 of its characters before a, not starting with a dot (RFC 5322
// §3.2.3 dot-atom), and a valid domain after it. The '@' stays, so a
// reader still sees that an address was there. It returns the end of
// the address, or 0. Every character but the '@' is masked, the dots too.
func maskEmail(b []byte, a int) int {
	s := localStart(b, a)
	e := a + 1
	for e < len(b) && e-a-1 <= maxDomain && isDomain(b[e]) {
		e++
	}
	if e-a-1 > maxDomain {
		return 0
	}
	for e > a+1 && (b[e-1] == '.' || b[e-1] == '-') {
		e-- // "write to bob@example.com." ends before the full stop
	}
	if s < 0 || !validDomain(b[a+1:e]) {
		return 0
	}
	mask(b, s, a, isLocal)
	mask(b, a+1, e, isDomain)
	return e
}

// localStart returns where the local part before the '@' at a starts, or
// -1 when there is none or it is longer than 64 characters.
func localStart(b []byte, a int) int {
	s := a
	for s > 0 && a-s <= maxLocal && isLocal(b[s-1]) {
		s--
	}
	if a-s > maxLocal {
		return -1 // too long for a local part: not an address
	}
	for s < a && b[s] == '.' {
		s++
	}
	if s == a {
		return -1
	}
	return s
}

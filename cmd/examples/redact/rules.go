package redact

// The rules, each checked on bytes already known to have the right shape.
// Every character they match is ASCII, so masking a byte masks a
// character and keeps UTF-8 text valid.

const (
	// maxLocal and maxDomain bound an e-mail address: a local part of at
	// most 64 octets and a domain of at most 255 (RFC 5321 §4.5.3.1.1 and
	// §4.5.3.1.2); a domain written in text, without the root's dot, is
	// at most 253 (RFC 1035 §3.1: 255 octets in wire form).
	maxLocal  = 64
	maxDomain = 253
	// maxLabel bounds one label of a domain name (RFC 1035 §2.3.4).
	maxLabel = 63

	// A payment card number (PAN) has at most 19 digits (ISO/IEC
	// 7812-1:2017 §4.2); 13 is the shortest issued (older Visa numbers).
	minCard, maxCard = 13, 19
	// An international number has at most 15 digits, country code
	// included (ITU-T E.164 (11/2010) §6.1). E.164 sets no minimum; 7
	// is our choice, below which "+1 2" in prose would be taken for one.
	minE164, maxE164 = 7, 15
	// A mainland China mobile number has 11 digits: 1, a second digit 3
	// to 9, then 9 more (MIIT, "Telecommunications Network Numbering
	// Plan", 2017 edition: the 13x–19x mobile blocks).
	mobileLen = 11
	// A resident identity number has 17 digits and a check character
	// (GB 11643-1999 §4).
	idLen = 18
)

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// isWord: a letter, a digit or '_', which no match may touch on either
// side ("ab13812345678" is not a phone number).
func isWord(c byte) bool { return isDigit(c) || isAlpha(c) || c == '_' }

// isLocal reports whether c may be in an address's local part. RFC 5322
// §3.2.3 allows more (atext: ! # $ & ' * / = ? ^ ` { | } ~); we take the
// subset found in real addresses, so that "key=bob@example.com" masks
// the address and not "key=".
func isLocal(c byte) bool {
	return isDigit(c) || isAlpha(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// isDomain reports whether c may be in a host name: letters, digits,
// hyphens and the dots between labels (RFC 1123 §2.1, RFC 1035 §2.3.1).
func isDomain(c byte) bool { return isDigit(c) || isAlpha(c) || c == '-' || c == '.' }

// validDomain checks a host name: at least two labels, each of 1 to 63
// characters, none starting or ending with a hyphen (RFC 1035 §2.3.1),
// and a last label (the top-level domain) that starts with a letter, as
// every delegated one does (IANA Root Zone Database), so that
// "x@1.5" is not an address.
func validDomain(d []byte) bool {
	labels, start := 0, 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			continue
		}
		l := d[start:i]
		if len(l) == 0 || len(l) > maxLabel || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		if i == len(d) && !isAlpha(l[0]) {
			return false
		}
		start = i + 1
	}
	return labels >= 2
}

// luhn reports whether the digits pass the Luhn check (ISO/IEC 7812-1,
// Annex B): from the right, every second digit is doubled (9 taken off
// a result above 9), and the sum is a multiple of 10.
func luhn(digits []byte) bool {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// idWeights are the weights of the 17 digits of a resident identity
// number, left to right: 2^(i-1) mod 11 for position i counted from the
// right, the check character being position 1 (GB 11643-1999 §7.1,
// ISO 7064:1983 MOD 11-2).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheck maps the weighted sum mod 11 to the check character:
// (12 - sum mod 11) mod 11, 10 written X (GB 11643-1999 §7.2).
const idCheck = "10X98765432"

// validID reports whether the 17 digits and check character c (a digit,
// X or x) make a resident identity number with the right check
// character.
func validID(digits []byte, c byte) bool {
	sum := 0
	for i, w := range idWeights {
		sum += int(digits[i]-'0') * w
	}
	if c == 'x' {
		c = 'X'
	}
	return idCheck[sum%11] == c
}

// isMobile reports whether 11 digits are a mainland China mobile number.
func isMobile(digits []byte) bool {
	return len(digits) == mobileLen && digits[0] == '1' && '3' <= digits[1] && digits[1] <= '9'
}

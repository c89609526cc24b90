package sign

import (
	"sync/atomic"
	"time"
)

// stamp is a signing time formatted once for the scope, the string to sign
// and the headers: time.Time.AppendFormat interprets its layout on every call,
// which costs more than the rest of the canonical request.
type stamp struct {
	datetime [16]byte // yyyymmddThhmmssZ
	weekday  time.Weekday
}

func newStamp(t time.Time) stamp {
	secs := t.Unix()
	days := secs / 86400
	if secs%86400 < 0 {
		days--
	}
	sod := int(secs - days*86400)
	y, mo, d := civilCached(days)
	s := stamp{weekday: time.Weekday((days%7 + 11) % 7)} // 1970-01-01 was a Thursday
	h, mi, sec := sod/3600, sod/60%60, sod%60
	b := s.datetime[:0]
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(mo), 2)
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = appendDigits(b, mi, 2)
	b = appendDigits(b, sec, 2)
	_ = append(b, 'Z')
	return s
}

// lastDay is the date civil gave last, as days<<32 | year<<16 | month<<8 |
// day: the date of a signature changes once a day.
var lastDay atomic.Uint64

// civilCached is civil, remembering the last day asked for.
func civilCached(days int64) (year, month, day int) {
	if days == int64(int32(days)) {
		if v := lastDay.Load(); v != 0 && int32(v>>32) == int32(days) {
			return int(v >> 16 & 0xffff), int(v >> 8 & 0xff), int(v & 0xff)
		}
	}
	year, month, day = civil(days)
	if days == int64(int32(days)) && 0 <= year && year <= 0xffff {
		lastDay.Store(uint64(uint32(days))<<32 | uint64(year)<<16 | uint64(month)<<8 | uint64(day))
	}
	return year, month, day
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil, inverted), cheaper than time.Time.Date.
func civil(days int64) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365]
	mp := (5*doy + 2) / 153                                // [0, 11], from March
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = int(yoe + era*400)
	if month <= 2 {
		year++
	}
	return year, month, day
}

// date is yyyymmdd, the date in the scope.
func (s *stamp) date() []byte { return s.datetime[:8] }

const (
	weekdays = "SunMonTueWedThuFriSat"
	months   = "JanFebMarAprMayJunJulAugSepOctNovDec"
)

// appendHTTPDate appends the time in http.TimeFormat
// ("Mon, 02 Jan 2006 15:04:05 GMT"), for the Date header.
func (s *stamp) appendHTTPDate(b []byte) []byte {
	dt := &s.datetime
	wd := int(s.weekday)
	mo := int(dt[4]-'0')*10 + int(dt[5]-'0')
	b = append(b, weekdays[3*wd:3*wd+3]...)
	b = append(b, ',', ' ', dt[6], dt[7], ' ')
	b = append(b, months[3*(mo-1):3*mo]...)
	return append(b, ' ', dt[0], dt[1], dt[2], dt[3], ' ', dt[9], dt[10], ':', dt[11], dt[12], ':', dt[13], dt[14], ' ', 'G', 'M', 'T')
}

// appendDigits appends v zero-padded to width (2 or 4) digits; years
// outside 0-9999 are clamped, as OSS accepts no others.
func appendDigits(b []byte, v, width int) []byte {
	v = max(0, min(v, 9999))
	if width == 4 {
		b = append(b, digitPairs[2*(v/100)], digitPairs[2*(v/100)+1])
		v %= 100
	}
	return append(b, digitPairs[2*v], digitPairs[2*v+1])
}

const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

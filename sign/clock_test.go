package sign

import (
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

// TestStampMatchesTimeFormat checks the hand-written formatting against the
// time package over random instants from 1970 to 9999 and across day,
// month, year and leap-day boundaries, as a state formats them, which keeps
// the last second it formatted.
func TestStampMatchesTimeFormat(t *testing.T) {
	at := []time.Time{
		time.Unix(0, 0), time.Date(2000, 2, 29, 23, 59, 59, 0, time.UTC), time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 24, 23, 59, 59, 999, time.UTC), time.Date(2026, 11, 25, 7, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		at = append(at, time.Unix(r.Int64N(253402300799), 0))
	}
	st := &state{} // fresh: its first stamp, at Unix time 0, is not the zero one
	for i, tm := range at {
		switch i % 3 {
		case 1:
			// The same day again, from the cache of the last day.
			tm = at[i-1].Add(time.Duration(r.Int64N(int64(time.Hour))))
		case 2:
			// The same second again, or the next, from the state's
			// last stamp.
			tm = at[i-1].Truncate(time.Second).Add(time.Duration(r.Int64N(int64(2 * time.Second))))
		}
		at[i] = tm
		s := st.stampAt(tm)
		u := tm.UTC()
		if got, want := string(s.datetime[:]), u.Format(iso8601DateTime); got != want {
			t.Fatalf("%v: datetime %s, want %s", tm, got, want)
		}
		if got, want := string(s.appendHTTPDate(nil)), u.Format(http.TimeFormat); got != want {
			t.Fatalf("%v: http date %s, want %s", tm, got, want)
		}
	}
}

package chain

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// uriServer serves STS credentials the way credentials-go's credentials-URI
// source expects them, each with a new serial, and can be switched into an
// outage.
type uriServer struct {
	*httptest.Server
	lifetime time.Duration // of each credential issued
	delay    time.Duration // before answering

	fetches atomic.Int32
	down    atomic.Bool
	body    atomic.Pointer[string] // when set, served instead of credentials

	mu     sync.Mutex
	issued map[string]time.Time // AccessKeyId -> Expiration
}

func newURIServer(t *testing.T, lifetime, delay time.Duration) *uriServer {
	t.Helper()
	s := &uriServer{lifetime: lifetime, delay: delay, issued: map[string]time.Time{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *uriServer) serve(w http.ResponseWriter, r *http.Request) {
	n := s.fetches.Add(1)
	time.Sleep(s.delay)
	if s.down.Load() {
		http.Error(w, `{"Code":"InternalError","Message":"SECRET-in-body"}`, http.StatusInternalServerError)
		return
	}
	if b := s.body.Load(); b != nil {
		fmt.Fprint(w, *b)
		return
	}
	// The URI source reads the expiry to the second: round up so the
	// credentials live at least lifetime.
	exp := time.Now().Add(s.lifetime).UTC().Truncate(time.Second).Add(time.Second)
	id := fmt.Sprintf("STS.uri-%d", n)
	s.mu.Lock()
	s.issued[id] = exp
	s.mu.Unlock()
	fmt.Fprintf(w, `{"Code":"Success","AccessKeyId":%q,"AccessKeySecret":"uri-secret-%d","SecurityToken":"uri-token-%d","Expiration":%q}`,
		id, n, n, exp.Format("2006-01-02T15:04:05Z"))
}

// expiration returns when the credentials with this ID expire.
func (s *uriServer) expiration(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.issued[id]
	return exp, ok
}

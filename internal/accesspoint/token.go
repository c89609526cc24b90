package accesspoint

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// TokenPrefix starts every outputToken the emulator mints, as OSS's do.
const TokenPrefix = "OSSV1#"

// newToken returns TokenPrefix and 32 random bytes in URL-safe base64.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// tokenState is where a pending GetObject stands. It leaves statePending
// exactly once, under tokenTable.mu: either a WriteGetObjectResponse claims
// it, or the GetObject side gives up on it.
type tokenState int

const (
	statePending   tokenState = iota
	stateClaimed              // a WriteGetObjectResponse took it
	stateExpired              // Config.Timeout passed first
	stateAbandoned            // the caller left, or the function ended without a response
)

// pending is one GetObject waiting for its function's response.
type pending struct {
	token     string
	route     string // the outputRoute handed out, as in the event
	requestID string // the GetObject's x-oss-request-id
	deadline  time.Time
	// jobs carries the claiming WriteGetObjectResponse to the GetObject
	// handler, which relays it; buffered so that the claimer never blocks.
	jobs chan *relayJob

	state tokenState // guarded by tokenTable.mu
	ended time.Time  // when state left statePending; guarded by tokenTable.mu
}

// tokenTable holds the pending GetObject requests by token, and for a while
// the tokens that were used or given up, so that a second use can be told
// apart from a token that never existed. The records of ended tokens are
// bounded in time (tombstoneTTL) and in count (maxTombstones): the oldest go
// first, and a token forgotten early is answered as unknown, still
// AccessDenied.
type tokenTable struct {
	mu    sync.Mutex
	m     map[string]*pending
	ended []*pending // ended tokens still in m, oldest first
	max   int        // maxTombstones when zero; tests set less
}

// tombstoneTTL is how long a used or given-up token is remembered, and
// maxTombstones how many are at most (a record is a few hundred bytes).
const (
	tombstoneTTL  = 10 * time.Minute
	maxTombstones = 10000
)

func (t *tokenTable) add(p *pending) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = make(map[string]*pending)
	}
	t.prune(time.Now())
	t.m[p.token] = p
}

// retire moves p out of statePending and records it as ended. Under t.mu.
func (t *tokenTable) retire(p *pending, st tokenState, now time.Time) {
	p.state, p.ended = st, now
	t.ended = append(t.ended, p)
	t.prune(now)
}

// prune forgets the ended tokens that are too old or too many. Under t.mu.
func (t *tokenTable) prune(now time.Time) {
	limit := t.max
	if limit == 0 {
		limit = maxTombstones
	}
	n := 0
	for n < len(t.ended) && (len(t.ended)-n > limit || now.Sub(t.ended[n].ended) > tombstoneTTL) {
		delete(t.m, t.ended[n].token)
		t.ended[n] = nil
		n++
	}
	if n > 0 {
		t.ended = append(t.ended[:0], t.ended[n:]...)
	}
}

// claim hands the pending GetObject of token to a WriteGetObjectResponse
// sent to route. A token is claimed once; a route that is not the token's
// leaves the token as it was.
func (t *tokenTable) claim(token, route string) (*pending, *ossError) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.m[token]
	if p == nil {
		return nil, newError(http.StatusForbidden, CodeAccessDenied,
			"The request token is not valid: no GetObject request is waiting for it; send the outputToken of this invocation's event.")
	}
	if p.state == statePending && !now.Before(p.deadline) {
		t.retire(p, stateExpired, now)
	}
	switch p.state {
	case stateClaimed:
		return nil, newError(http.StatusForbidden, CodeAccessDenied,
			"The request token has already been used: send one WriteGetObjectResponse per invocation.")
	case stateExpired:
		return nil, newError(http.StatusForbidden, CodeAccessDenied,
			"The request token has expired: the function did not answer within the timeout; answer sooner, or start the emulator with a longer timeout.")
	case stateAbandoned:
		return nil, newError(http.StatusForbidden, CodeAccessDenied,
			"The GetObject request of this token has ended: its caller went away or the function returned.")
	}
	if !sameRoute(route, p.route) {
		return nil, newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-request-route does not match the outputRoute of the request token: send the outputRoute of the same event.")
	}
	t.retire(p, stateClaimed, now)
	return p, nil
}

// end moves p from statePending to st, and returns the state p is in
// then: st, or stateClaimed when a WriteGetObjectResponse claimed p first
// (its job is on the way), or stateExpired when a late claim found the
// deadline passed.
func (t *tokenTable) end(p *pending, st tokenState) tokenState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.state == statePending {
		t.retire(p, st, time.Now())
	}
	return p.state
}

// sameRoute compares routes by host: a client may send the outputRoute as
// given ("http://127.0.0.1:8080") or only its host ("127.0.0.1:8080").
func sameRoute(got, want string) bool {
	return got != "" && strings.EqualFold(routeHost(got), routeHost(want))
}

func routeHost(route string) string {
	if i := strings.Index(route, "://"); i >= 0 {
		route = route[i+3:]
	}
	return strings.TrimRight(route, "/")
}

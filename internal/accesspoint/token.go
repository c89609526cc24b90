package accesspoint

import (
	"cmp"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
)

// TokenPrefix starts every outputToken the emulator mints, as OSS's do.
const TokenPrefix = "OSSV1#"

// newToken returns TokenPrefix and 32 random bytes in URL-safe base64.
func newToken() string { return TokenPrefix + randomString(43) }

// tokenState is where a pending GetObject stands. It leaves statePending
// once, under tokenTable.mu: claimed, or given up by the GetObject side.
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
	jobs      chan *relayJob // to the GetObject handler; buffered

	state tokenState // guarded by tokenTable.mu
	ended time.Time  // when state left statePending; guarded by tokenTable.mu
}

// endedTokens are the refusals of a token that is no longer pending.
var endedTokens = map[tokenState]string{
	stateClaimed: "The request token has already been used: send one WriteGetObjectResponse per invocation.",
	stateExpired: "The request token has expired: the function did not answer within the timeout; " +
		"answer sooner, or start the emulator with a longer timeout.",
	stateAbandoned: "The GetObject request of this token has ended: its caller went away or the function returned.",
}

// tokenTable holds the pending GetObjects by token, and for a while the
// ended ones, so that a reused token is told apart from an unknown one (both
// AccessDenied). Ended records are bounded by tombstoneTTL and
// maxTombstones, the oldest forgotten first.
type tokenTable struct {
	mu    sync.Mutex
	m     map[string]*pending
	ended []*pending // ended tokens still in m, oldest first
	max   int        // maxTombstones when zero; tests set less
}

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
	limit := cmp.Or(t.max, maxTombstones)
	for len(t.ended) > 0 && (len(t.ended) > limit || now.Sub(t.ended[0].ended) > tombstoneTTL) {
		delete(t.m, t.ended[0].token)
		t.ended = t.ended[1:]
	}
}

// claim hands the pending GetObject of token to a WriteGetObjectResponse
// sent to route, once; a wrong route leaves the token as it was.
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
	if msg, ended := endedTokens[p.state]; ended {
		return nil, newError(http.StatusForbidden, CodeAccessDenied, msg)
	}
	if !sameRoute(route, p.route) {
		return nil, newError(http.StatusBadRequest, CodeInvalidArgument,
			oss.HeaderRoute+" does not match the outputRoute of the request token: send the outputRoute of the same event.")
	}
	t.retire(p, stateClaimed, now)
	return p, nil
}

// end moves p from statePending to st, and returns p's state then: st, or
// what a claim made it first (stateClaimed, or stateExpired when too late).
func (t *tokenTable) end(p *pending, st tokenState) tokenState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.state == statePending {
		t.retire(p, st, time.Now())
	}
	return p.state
}

// sameRoute compares routes by host: a client may send the outputRoute
// ("http://127.0.0.1:8080") or only its host.
func sameRoute(got, want string) bool {
	return got != "" && strings.EqualFold(routeHost(got), routeHost(want))
}

func routeHost(route string) string {
	if _, rest, ok := strings.Cut(route, "://"); ok {
		route = rest
	}
	return strings.TrimRight(route, "/")
}

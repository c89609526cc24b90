package fcrt_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wgor-dev/wgor/sign"
)

const region = "cn-shanghai"

// keys returns the credentials of invocation i: each has its own.
func keys(i int) sign.Credentials {
	return sign.Credentials{
		AccessKeyID:     fmt.Sprintf("STS.fcrt%03d", i),
		AccessKeySecret: fmt.Sprintf("SECRET-%03d-never-print", i),
		SecurityToken:   fmt.Sprintf("CAIS-%03d-never-print", i),
	}
}

// received is one WriteGetObjectResponse a fakeOSS accepted.
type received struct {
	keyID  string
	status string
	header http.Header
	body   []byte
	err    error // reading the body failed: the request was cut short
}

// fakeOSS accepts WriteGetObjectResponse signed for region by any of
// keys(0..n), and records it by token.
type fakeOSS struct {
	*httptest.Server
	mu   sync.Mutex
	got  map[string]received
	seen int
}

func newFakeOSS(t *testing.T, n int) *fakeOSS {
	f := &fakeOSS{got: make(map[string]received)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := sign.Verify(r, &sign.VerifyOptions{Region: region, Lookup: func(id string) (sign.Credentials, bool) {
			for i := range n {
				if k := keys(i); k.AccessKeyID == id {
					return k, true
				}
			}
			return sign.Credentials{}, false
		}})
		if err != nil {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<Error><Code>SignatureDoesNotMatch</Code><Message>%s</Message></Error>", err)
			return
		}
		body, err := io.ReadAll(r.Body)
		f.mu.Lock()
		f.seen++
		f.got[r.Header.Get("X-Oss-Request-Token")] = received{keyID: v.AccessKeyID,
			status: r.Header.Get("X-Oss-Fwd-Status"), header: r.Header.Clone(), body: body, err: err}
		f.mu.Unlock()
		w.Header().Set("X-Oss-Request-Id", "OSSREQ"+strings.TrimPrefix(v.AccessKeyID, "STS."))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOSS) get(token string) (received, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.got[token]
	return r, ok
}

func (f *fakeOSS) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

// event is an event whose answer goes to route with token.
func event(route, token, input string) []byte {
	b, _ := json.Marshal(map[string]any{"getObjectContext": map[string]string{
		"outputRoute": route, "outputToken": token, "inputOssUrl": input,
	}})
	return b
}

// fcHeaders are the headers Function Compute sends with invocation i.
func fcHeaders(i int) http.Header {
	k := keys(i)
	return http.Header{
		"X-Fc-Request-Id":        {fmt.Sprintf("fc-req-%03d", i)},
		"X-Fc-Access-Key-Id":     {k.AccessKeyID},
		"X-Fc-Access-Key-Secret": {k.AccessKeySecret},
		"X-Fc-Security-Token":    {k.SecurityToken},
		"X-Fc-Region":            {region},
	}
}

package wgor_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
)

// Recognisable secrets: no output of wgor may ever contain one.
const (
	testAKID          = "LTAI-TEST-ID"
	testSecret        = "SECRET-sk-9f8e7d6c5b4a"
	testSecurityToken = "STS-TOKEN-4b1d-c0ffee-77"
	testToken         = "OSSV1#REQ-TOKEN-5up3r53cr3t"
	testRegion        = "cn-qingdao"
	testRoute         = "fc-ap-01-3b00521f653d2b3223680ec39dbbe2abcd-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com"
)

func testCreds() creds.Provider {
	return creds.Static(creds.Credentials{AccessKeyID: testAKID, AccessKeySecret: testSecret, SecurityToken: testSecurityToken})
}

// received is one request as the fake access point saw it.
type received struct {
	Method, Path, RawQuery, Host string
	Header                       http.Header
	Body                         []byte
	BodyErr                      error // reading the body failed: the request was cut short
	ContentLength                int64
	TransferEncoding             []string
	VerifyErr                    error
}

// fakeOSS is an access point: it verifies the signature as OSS would, with
// package sign, reads the whole body and answers like OSS.
type fakeOSS struct {
	t      testing.TB
	srv    *httptest.Server
	region string
	hits   atomic.Int64

	mu   sync.Mutex
	reqs []received

	// respond, when set, answers instead of the default (200, or OSS's
	// XML error when the signature does not verify).
	respond func(w http.ResponseWriter, r *http.Request, got received)
}

func newFakeOSS(t testing.TB) *fakeOSS {
	f := &fakeOSS{t: t, region: testRegion}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOSS) serve(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	got := received{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host,
		Header: r.Header.Clone(), ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding,
	}
	got.Body, got.BodyErr = io.ReadAll(r.Body)
	_, got.VerifyErr = sign.Verify(r, &sign.VerifyOptions{Region: f.region, Lookup: lookup})
	f.mu.Lock()
	f.reqs = append(f.reqs, got)
	f.mu.Unlock()
	if got.BodyErr != nil {
		return
	}
	if f.respond != nil {
		f.respond(w, r, got)
		return
	}
	var ve *sign.VerifyError
	if errors.As(got.VerifyErr, &ve) {
		writeOSSError(w, http.StatusForbidden, ve.Code, ve.Message, ve.StringToSign, "")
		return
	}
	w.Header().Set("x-oss-request-id", fmt.Sprintf("REQ-%04d", f.hits.Load()))
	w.WriteHeader(http.StatusOK)
}

func lookup(id string) (sign.Credentials, bool) {
	if id != testAKID {
		return sign.Credentials{}, false
	}
	return sign.Credentials{AccessKeyID: testAKID, AccessKeySecret: testSecret, SecurityToken: testSecurityToken}, true
}

// writeOSSError answers with OSS's XML error body.
func writeOSSError(w http.ResponseWriter, status int, code, msg, sts, canonical string) {
	type body struct {
		XMLName          xml.Name `xml:"Error"`
		Code             string
		Message          string
		RequestId        string //nolint:revive // OSS's element name
		HostId           string //nolint:revive
		StringToSign     string `xml:",omitempty"`
		CanonicalRequest string `xml:",omitempty"`
		EC               string
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-oss-request-id", "ERR-REQ-1")
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	xml.NewEncoder(w).Encode(body{Code: code, Message: msg, RequestId: "ERR-REQ-1", HostId: "fake-oss",
		StringToSign: sts, CanonicalRequest: canonical, EC: "0002-00000201"})
}

func (f *fakeOSS) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.reqs...)
}

// waitRequests waits until the fake has recorded n requests (it records a
// request cut short only once it has seen the cut), and fails if more come.
func (f *fakeOSS) waitRequests(n int) []received {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(f.requests()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	rs := f.requests()
	require.Len(f.t, rs, n)
	return rs
}

func (f *fakeOSS) last() received {
	rs := f.requests()
	require.NotEmpty(f.t, rs, "the access point got no request")
	return rs[len(rs)-1]
}

// client returns a Client that sends to the fake over plain HTTP.
func (f *fakeOSS) client() *wgor.Client {
	return &wgor.Client{
		HTTPClient:  &http.Client{Transport: newTransport()},
		Credentials: testCreds(),
		Region:      testRegion,
	}
}

// response returns a valid Response to the fake.
func (f *fakeOSS) response(body io.Reader) *wgor.Response {
	return &wgor.Response{Route: f.srv.URL, Token: testToken, Status: 200, Body: body}
}

func newTransport() *http.Transport {
	return &http.Transport{MaxIdleConnsPerHost: 64, ForceAttemptHTTP2: false}
}

// dialCounter dials addr (or the address asked for, when addr is empty)
// after failing the first fail dials with failErr.
type dialCounter struct {
	addr    string
	fail    int64
	failErr error
	dials   atomic.Int64
}

func (d *dialCounter) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	n := d.dials.Add(1)
	if n <= d.fail {
		return nil, d.failErr
	}
	if d.addr != "" {
		address = d.addr
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, address)
}

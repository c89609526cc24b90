package creds

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromFCHeaders(t *testing.T) {
	full := func() http.Header {
		h := http.Header{}
		h.Set("x-fc-access-key-id", "STS.id")
		h.Set("x-fc-access-key-secret", testSecret)
		h.Set("x-fc-security-token", testToken)
		h.Set("x-fc-request-id", "req-1")
		return h
	}
	want := Credentials{AccessKeyID: "STS.id", AccessKeySecret: testSecret, SecurityToken: testToken}
	tests := []struct {
		name        string
		header      func() http.Header
		wantMissing string // the list of missing headers the error names; empty: success
		noToken     bool   // success with long-term keys
	}{
		{name: "all three headers", header: full},
		{name: "lower-case keys in a hand-built map", header: func() http.Header {
			return http.Header{
				"x-fc-access-key-id":     {"STS.id"},
				"x-fc-access-key-secret": {testSecret},
				"x-fc-security-token":    {testToken},
			}
		}},
		{name: "missing ID", header: func() http.Header { h := full(); h.Del("x-fc-access-key-id"); return h },
			wantMissing: "x-fc-access-key-id"},
		{name: "missing secret", header: func() http.Header { h := full(); h.Del("x-fc-access-key-secret"); return h },
			wantMissing: "x-fc-access-key-secret"},
		{name: "missing token means long-term keys", header: func() http.Header { h := full(); h.Del("x-fc-security-token"); return h },
			noToken: true},
		{name: "empty secret", header: func() http.Header { h := full(); h.Set("x-fc-access-key-secret", " "); return h },
			wantMissing: "x-fc-access-key-secret"},
		{name: "not a Function Compute request", header: func() http.Header { return http.Header{} },
			wantMissing: "x-fc-access-key-id, x-fc-access-key-secret"},
		{name: "nil header", header: func() http.Header { return nil },
			wantMissing: "x-fc-access-key-id, x-fc-access-key-secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromFCHeaders(tt.header())
			if tt.wantMissing == "" {
				require.NoError(t, err)
				got, err := p.Credentials(context.Background())
				require.NoError(t, err)
				w := want
				if tt.noToken {
					w.SecurityToken = ""
				}
				assert.Equal(t, w, got)
				return
			}
			require.Error(t, err)
			assert.Nil(t, p)
			assert.True(t, errors.Is(err, ErrNoCredentials))
			assert.Contains(t, err.Error(), "missing or empty: "+tt.wantMissing+":")
			assert.Contains(t, err.Error(), "custom runtime", "the error says what to do")
			assert.Empty(t, secretsIn(err.Error()))
		})
	}
}

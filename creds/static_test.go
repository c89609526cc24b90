package creds

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatic(t *testing.T) {
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name    string
		in      Credentials
		wantErr string // empty: in is returned as is
		noCreds bool   // the error wraps ErrNoCredentials
	}{
		{name: "long-term keys are returned", in: Credentials{AccessKeyID: "id", AccessKeySecret: testSecret}},
		{name: "STS keys with an expiry are returned", in: Credentials{AccessKeyID: "STS.id", AccessKeySecret: testSecret, SecurityToken: testToken, Expiration: future}},
		{name: "empty ID is an error", in: Credentials{AccessKeySecret: testSecret, SecurityToken: testToken}, wantErr: "AccessKeyID is empty", noCreds: true},
		{name: "empty secret is an error", in: Credentials{AccessKeyID: "id", SecurityToken: testToken}, wantErr: "AccessKeySecret is empty", noCreds: true},
		{name: "empty credentials are an error", in: Credentials{}, wantErr: "AccessKeyID and AccessKeySecret are empty", noCreds: true},
		{name: "expired credentials are an error", in: Credentials{AccessKeyID: "id", AccessKeySecret: testSecret, SecurityToken: testToken, Expiration: time.Now().Add(-time.Minute)}, wantErr: "static credentials expired at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Static(tt.in).Credentials(context.Background())
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.in, got)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, tt.noCreds, errors.Is(err, ErrNoCredentials))
			assert.Equal(t, Credentials{}, got)
			assert.Empty(t, secretsIn(err.Error()))
		})
	}
}

func TestProvidersPrintWithoutSecrets(t *testing.T) {
	p := Static(Credentials{AccessKeyID: "id", AccessKeySecret: testSecret, SecurityToken: testToken})
	c := NewCache(p, CacheOptions{})
	_, err := c.Credentials(context.Background())
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		for _, v := range []any{p, c} {
			out := fmt.Sprintf(verb, v)
			assert.Empty(t, secretsIn(out), "%s: %s", verb, out)
		}
	}
}

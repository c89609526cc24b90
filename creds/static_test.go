package creds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
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
		assert.Equal(t, "creds.Static(creds.Credentials{AccessKeyID: id})", fmt.Sprintf(verb, p), "what is printed says what it is")
	}
	for _, h := range []func(io.Writer) slog.Handler{
		func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
		func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
	} {
		var b strings.Builder
		slog.New(h(&b)).Info("m", "provider", p, "env", FromEnv())
		assert.Contains(t, b.String(), "creds.Static(creds.Credentials{AccessKeyID: id})")
		assert.Empty(t, secretsIn(b.String()), b.String())
	}
}

// Providers are values a caller may compare or keep in a map, as the
// Provider interface's values were before they were functions.
func TestProvidersAreComparable(t *testing.T) {
	p := Static(Credentials{AccessKeyID: "id", AccessKeySecret: testSecret})
	seen := map[Provider]bool{p: true, FromEnv(): true}
	assert.True(t, seen[p])
	assert.True(t, seen[FromEnv()], "FromEnv() equals FromEnv()")
	assert.False(t, p == Static(Credentials{AccessKeyID: "id", AccessKeySecret: testSecret}), "each Static is its own provider")
}

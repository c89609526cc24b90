package creds

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name        string
		id, secret  string
		token       string
		want        Credentials
		wantMissing []string // variables the error must name as missing
	}{
		{name: "long-term keys", id: "id", secret: testSecret,
			want: Credentials{AccessKeyID: "id", AccessKeySecret: testSecret}},
		{name: "STS keys", id: "STS.id", secret: testSecret, token: testToken,
			want: Credentials{AccessKeyID: "STS.id", AccessKeySecret: testSecret, SecurityToken: testToken}},
		{name: "nothing set", wantMissing: []string{EnvAccessKeyID, EnvAccessKeySecret}},
		{name: "only the ID", id: "id", wantMissing: []string{EnvAccessKeySecret}},
		{name: "only the secret and token", secret: testSecret, token: testToken, wantMissing: []string{EnvAccessKeyID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvAccessKeyID, tt.id)
			t.Setenv(EnvAccessKeySecret, tt.secret)
			t.Setenv(EnvSecurityToken, tt.token)
			got, err := FromEnv().Credentials(context.Background())
			if tt.wantMissing == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrNoCredentials), err.Error())
			msg := err.Error()
			assert.Contains(t, msg, "not set: "+joinAnd(tt.wantMissing))
			assert.Contains(t, msg, "set "+EnvAccessKeyID+" and "+EnvAccessKeySecret, "the error says what to do")
			assert.Empty(t, secretsIn(msg))
			assert.Equal(t, Credentials{}, got)
		})
	}
}

func joinAnd(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " and "
		}
		out += v
	}
	return out
}

func TestFromEnvReadsOnEveryCall(t *testing.T) {
	p := FromEnv()
	t.Setenv(EnvAccessKeyID, "first")
	t.Setenv(EnvAccessKeySecret, "s1")
	t.Setenv(EnvSecurityToken, "")
	c, err := p.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "first", c.AccessKeyID)

	t.Setenv(EnvAccessKeyID, "second")
	c, err = p.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "second", c.AccessKeyID)
}

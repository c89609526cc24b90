package creds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoErrorContainsASecret drives every error path of the package with
// recognisable secrets in reach and searches each error for them.
func TestNoErrorContainsASecret(t *testing.T) {
	ctx := context.Background()
	type errCase struct {
		name string
		err  func(t *testing.T) error
	}
	callErr := func(p Provider) error { _, err := p.Credentials(ctx); return err }
	cases := []errCase{
		{"static without ID", func(*testing.T) error {
			return callErr(Static(Credentials{AccessKeySecret: testSecret, SecurityToken: testToken}))
		}},
		{"static without secret", func(*testing.T) error {
			return callErr(Static(Credentials{AccessKeyID: "id", SecurityToken: testToken}))
		}},
		{"static expired", func(*testing.T) error {
			return callErr(Static(Credentials{AccessKeyID: "id", AccessKeySecret: testSecret, SecurityToken: testToken, Expiration: time.Now().Add(-time.Hour)}))
		}},
		{"env without ID", func(t *testing.T) error {
			t.Setenv(EnvAccessKeyID, "")
			t.Setenv(EnvAccessKeySecret, testSecret)
			t.Setenv(EnvSecurityToken, testToken)
			return callErr(FromEnv())
		}},
		{"FC headers without ID", func(*testing.T) error {
			h := http.Header{}
			h.Set(HeaderFCAccessKeySecret, testSecret)
			h.Set(HeaderFCSecurityToken, testToken)
			_, err := FromFCHeaders(h)
			return err
		}},
		{"FC headers without secret", func(*testing.T) error {
			h := http.Header{}
			h.Set(HeaderFCAccessKeyID, "id")
			h.Set(HeaderFCSecurityToken, testToken)
			_, err := FromFCHeaders(h)
			return err
		}},
		{"cache: source returns incomplete credentials", func(*testing.T) error {
			return callErr(NewCache(ProviderFunc(func(context.Context) (Credentials, error) {
				return Credentials{AccessKeySecret: testSecret, SecurityToken: testToken}, nil
			}), CacheOptions{}))
		}},
		{"cache: source returns expired credentials", func(*testing.T) error {
			return callErr(NewCache(ProviderFunc(func(context.Context) (Credentials, error) {
				return Credentials{AccessKeyID: "id", AccessKeySecret: testSecret, SecurityToken: testToken, Expiration: time.Now().Add(-time.Second)}, nil
			}), CacheOptions{}))
		}},
		{"cache: refresh fails after expiry", func(*testing.T) error {
			clock := newFakeClock()
			n := 0
			c := NewCache(ProviderFunc(func(context.Context) (Credentials, error) {
				n++
				if n > 1 {
					return Credentials{}, errors.New("source down")
				}
				return Credentials{AccessKeyID: "id", AccessKeySecret: testSecret, SecurityToken: testToken, Expiration: clock.Now().Add(time.Hour)}, nil
			}), CacheOptions{Now: clock.Now})
			require.NoError(t, callErr(c))
			clock.Advance(2 * time.Hour)
			return callErr(c)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err(t)
			require.Error(t, err)
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				out := fmt.Sprintf(verb, err)
				assert.Empty(t, secretsIn(out), "%s: %s", verb, out)
			}
			for e := err; e != nil; e = errors.Unwrap(e) {
				assert.Empty(t, secretsIn(e.Error()), "wrapped error: %s", e.Error())
			}
			t.Log(err)
		})
	}
}

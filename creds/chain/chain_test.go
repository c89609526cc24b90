package chain

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

func TestDefaultChainSources(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T)
		want  creds.Credentials
	}{
		{"environment, long-term keys", func(t *testing.T) {
			t.Setenv(creds.EnvAccessKeyID, "env-id")
			t.Setenv(creds.EnvAccessKeySecret, testSecret)
		}, creds.Credentials{AccessKeyID: "env-id", AccessKeySecret: testSecret}},
		{"environment, STS keys", func(t *testing.T) {
			t.Setenv(creds.EnvAccessKeyID, "STS.env-id")
			t.Setenv(creds.EnvAccessKeySecret, testSecret)
			t.Setenv(creds.EnvSecurityToken, testToken)
		}, creds.Credentials{AccessKeyID: "STS.env-id", AccessKeySecret: testSecret, SecurityToken: testToken}},
		{"aliyun CLI config", func(t *testing.T) {
			writeFile(t, filepath.Join(os.Getenv("HOME"), ".aliyun", "config.json"),
				`{"current":"p","profiles":[{"name":"p","mode":"AK","access_key_id":"cli-id","access_key_secret":"`+testSecret+`"}]}`)
		}, creds.Credentials{AccessKeyID: "cli-id", AccessKeySecret: testSecret}},
		{"credentials file", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "credentials")
			writeFile(t, path, "[default]\ntype = access_key\naccess_key_id = file-id\naccess_key_secret = "+testSecret+"\n")
			t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", path)
		}, creds.Credentials{AccessKeyID: "file-id", AccessKeySecret: testSecret}},
		{"credentials URI", func(t *testing.T) {
			srv := newURIServer(t, time.Hour, 0)
			t.Setenv(envCredentialsURI, srv.URL)
		}, creds.Credentials{AccessKeyID: "STS.uri-1", AccessKeySecret: "uri-secret-1", SecurityToken: "uri-token-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			tt.setup(t)
			got, err := New().Credentials(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.True(t, got.Expiration.IsZero(), "credentials-go does not expose the expiry")
		})
	}
}

func TestDefaultChainMissingOrPartialConfiguration(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T)
		want  []string // substrings of the error
	}{
		{"nothing configured", func(t *testing.T) {}, []string{
			"no credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
			"run inside Function Compute or on ECS with a RAM role",
			"tried: environment: ALIBABA_CLOUD_ACCESS_KEY_ID not set",
			"aliyun CLI config (~/.aliyun/config.json, ALIBABA_CLOUD_CONFIG_FILE): not found",
			"credentials file (~/.alibabacloud/credentials, ALIBABA_CLOUD_CREDENTIALS_FILE): not found",
		}},
		{"only the access key ID", func(t *testing.T) {
			t.Setenv(creds.EnvAccessKeyID, "id")
		}, []string{"environment: ALIBABA_CLOUD_ACCESS_KEY_SECRET not set (ALIBABA_CLOUD_ACCESS_KEY_ID is)"}},
		{"CLI config that is not JSON", func(t *testing.T) {
			writeFile(t, filepath.Join(os.Getenv("HOME"), ".aliyun", "config.json"), `{"access_key_secret":"SECRET-in-file"`)
		}, []string{"aliyun CLI config (~/.aliyun/config.json, ALIBABA_CLOUD_CONFIG_FILE): not valid JSON"}},
		{"credentials file without a secret", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "credentials")
			writeFile(t, path, "[default]\ntype = access_key\naccess_key_id = SECRET-in-file\n")
			t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", path)
		}, []string{"credentials file (~/.alibabacloud/credentials, ALIBABA_CLOUD_CREDENTIALS_FILE): the profile is missing or incomplete"}},
		{"credentials URI answering without an expiration", func(t *testing.T) {
			srv := newURIServer(t, time.Hour, 0)
			body := `{"Code":"Success","AccessKeyId":"id","AccessKeySecret":"SECRET-in-body","SecurityToken":"` + testToken + `"}`
			srv.body.Store(&body)
			t.Setenv(envCredentialsURI, srv.URL+"/?auth=SECRET-in-url")
		}, []string{"credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the response lacks AccessKeyId, AccessKeySecret, SecurityToken or Expiration"}},
		{"credentials URI answering with something else than JSON", func(t *testing.T) {
			srv := newURIServer(t, time.Hour, 0)
			body := `AccessKeySecret=SECRET-in-body`
			srv.body.Store(&body)
			t.Setenv(envCredentialsURI, srv.URL)
		}, []string{"credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the response is not JSON"}},
		{"credentials URI answering with an error", func(t *testing.T) {
			srv := newURIServer(t, time.Hour, 0)
			srv.down.Store(true)
			t.Setenv(envCredentialsURI, srv.URL+"/?auth=SECRET-in-url")
		}, []string{"credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the server answered with an error status"}},
		{"credentials URI not listening", func(t *testing.T) {
			srv := newURIServer(t, time.Hour, 0)
			srv.Close()
			t.Setenv(envCredentialsURI, srv.URL+"/?auth=SECRET-in-url")
		}, []string{"credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the request failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			tt.setup(t)
			start := time.Now()
			got, err := New().Credentials(context.Background())
			require.Error(t, err)
			assert.Less(t, time.Since(start), time.Second, "fails fast with the ECS metadata source disabled")
			assert.ErrorIs(t, err, creds.ErrNoCredentials)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, secretsIn(err.Error()), err.Error())
			assert.Equal(t, creds.Credentials{}, got)
		})
	}
}

func TestDefaultChainTriesEverySourceAgainUntilOneWorks(t *testing.T) {
	isolateEnv(t)
	p := New()
	_, err := p.Credentials(context.Background())
	require.ErrorIs(t, err, creds.ErrNoCredentials)

	// credentials-go alone would now ask only its last source (the ECS one,
	// or here the URI one); the chain is rebuilt instead.
	t.Setenv(creds.EnvAccessKeyID, "late-id")
	t.Setenv(creds.EnvAccessKeySecret, testSecret)
	got, err := p.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "late-id", got.AccessKeyID)
}

func TestDefaultChainSticksToTheSourceThatWorked(t *testing.T) {
	isolateEnv(t)
	srv := newURIServer(t, time.Hour, 0)
	t.Setenv(envCredentialsURI, srv.URL+"/?auth=SECRET-in-url")
	p := New()
	_, err := p.Credentials(context.Background())
	require.NoError(t, err)

	srv.down.Store(true)
	_, err = p.Credentials(context.Background()) // served from credentials-go's cache: an hour left
	require.NoError(t, err)
	assert.EqualValues(t, 1, srv.fetches.Load())
}

// fakeCredential stands in for credentials-go, to control timing.
type fakeCredential struct {
	credentials.Credential // unused methods panic
	get                    func() (*credentials.CredentialModel, error)
}

func (f fakeCredential) GetCredential() (*credentials.CredentialModel, error) { return f.get() }

func fakeChain(get func() (*credentials.CredentialModel, error)) *chain {
	c := New().(*chain)
	c.cred = fakeCredential{get: get} // kept while it works; one failure, and the real chain is built next time
	return c
}

func model(id, secret, token string) *credentials.CredentialModel {
	return &credentials.CredentialModel{AccessKeyId: &id, AccessKeySecret: &secret, SecurityToken: &token}
}

func TestDefaultChainReturnsWhenContextEnds(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	p := fakeChain(func() (*credentials.CredentialModel, error) {
		calls.Add(1)
		<-release
		return model("id", testSecret, ""), nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Credentials(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)

	// A second caller waits for the first call, which still runs, and can
	// give up too.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	_, err = p.Credentials(ctx2)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	close(release)
	got, err := p.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "id", got.AccessKeyID)

	before := calls.Load()
	_, err = p.Credentials(ctx) // already done: not even started
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, before, calls.Load(), "a call whose context has ended asks the chain nothing")
}

func TestDefaultChainSerializesCalls(t *testing.T) {
	var running, most atomic.Int32
	p := fakeChain(func() (*credentials.CredentialModel, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		return model("id", testSecret, ""), nil
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := p.Credentials(context.Background())
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, most.Load(), "credentials-go's chain is not safe for concurrent use")
}

func TestDefaultChainRejectsIncompleteCredentials(t *testing.T) {
	tests := []struct {
		name string
		m    *credentials.CredentialModel
		err  error
		want string
	}{
		{"no secret", model("id", "", testToken), nil, "credentials-go returned an empty access key ID or secret"},
		{"no ID", model("", testSecret, testToken), nil, "credentials-go returned an empty access key ID or secret"},
		{"nil fields", &credentials.CredentialModel{}, nil, "credentials-go returned an empty access key ID or secret"},
		{"nil model", nil, nil, "credentials-go returned an empty access key ID or secret"},
		{"unknown error", nil, errors.New("boom " + testSecret), "creds: default credential chain: a source failed (its message is withheld because it may contain secrets)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fakeChain(func() (*credentials.CredentialModel, error) { return tt.m, tt.err })
			_, err := p.Credentials(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, secretsIn(err.Error()))
		})
	}
}

func TestDefaultIsOneSharedCache(t *testing.T) {
	a, b := Default(), Default()
	require.IsType(t, &creds.Cache{}, a)
	assert.Same(t, a.(*creds.Cache), b.(*creds.Cache))
	// That the chain is behind the cache, ExampleDefault shows: it reads
	// the environment through Default.
}

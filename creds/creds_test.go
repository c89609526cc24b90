package creds

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestExpired(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		expiration time.Time
		margin     time.Duration
		want       bool
	}{
		{"no expiration never expires", time.Time{}, time.Hour, false},
		{"expiring later than the margin is valid", now.Add(2 * time.Minute), time.Minute, false},
		{"expiring within the margin is expired", now.Add(30 * time.Second), time.Minute, true},
		{"expiring exactly at the margin is expired", now.Add(time.Minute), time.Minute, true},
		{"expiring in the past is expired", now.Add(-time.Second), 0, true},
		{"expiring now is expired", now, 0, true},
		{"expiring just after now with no margin is valid", now.Add(time.Nanosecond), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Credentials{AccessKeyID: "id", AccessKeySecret: "s", Expiration: tt.expiration}
			assert.Equal(t, tt.want, c.Expired(now, tt.margin))
		})
	}
}

func TestCredentialsPrintWithoutSecrets(t *testing.T) {
	c := Credentials{
		AccessKeyID:     "STS.AKID",
		AccessKeySecret: testSecret,
		SecurityToken:   testToken,
		Expiration:      time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
	}
	type holder struct {
		Creds Credentials
		Ptr   *Credentials
	}
	values := map[string]any{
		"value":   c,
		"pointer": &c,
		"field":   holder{Creds: c, Ptr: &c},
		"slice":   []Credentials{c},
		"map":     map[string]Credentials{"k": c},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v", "%-20s"}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			assert.Empty(t, secretsIn(out), "%s printed with %s: %s", name, verb, out)
			assert.Contains(t, out, "STS.AKID", "%s printed with %s should still identify the key", name, verb)
		}
	}
	assert.Equal(t, "creds.Credentials{AccessKeyID: STS.AKID}", fmt.Sprint(c))
	assert.Equal(t, fmt.Sprint(c), fmt.Sprintf("%#v", c))
	assert.Equal(t, "creds.Credentials{AccessKeyID: id}", fmt.Sprintf("%#v", Credentials{AccessKeyID: "id"}))
}

func TestCredentialsLogWithoutSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "STS.AKID", AccessKeySecret: testSecret, SecurityToken: testToken,
		Expiration: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	handlers := map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(h(&buf))
			log.Info("value", "creds", c)
			log.Info("pointer", "creds", &c)
			log.Info("any", slog.Any("creds", c))
			// Nested, the JSON handler marshals them with encoding/json.
			log.Info("nested", "slice", []Credentials{c}, "map", map[string]Credentials{"k": c}, "field", struct{ C Credentials }{c})
			out := buf.String()
			assert.Empty(t, secretsIn(out), out)
			assert.Equal(t, 6, strings.Count(out, "STS.AKID"), out)
		})
	}
}

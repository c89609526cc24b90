package fcrt_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

func eventFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", name))
	require.NoError(t, err)
	return data
}

func TestParseEventReadsTheGetObjectContext(t *testing.T) {
	tests := []struct {
		file, route, token, input string
	}{
		{"seed.json",
			"fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com",
			"OSSV1#ZvBDC3XPm3g****",
			"https://examplebucket.oss-cn-qingdao-internal.aliyuncs.com/exampledir/example.png?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=20261124T120000Z&x-oss-expires=900&x-oss-credential=STS.NUgYrLnoC37mZZCNnAbez****%2F20261124%2Fcn-qingdao%2Foss%2Faliyun_v4_request&x-oss-signature=6f1c2e3d4a5b69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"},
		{"minimal.json",
			"fc-ap-01-0123456789abcdef-opap.oss-cn-hangzhou-internal.oss-object-process.aliyuncs.com",
			"OSSV1#minimal****", ""},
		{"extra-members.json",
			"fc-ap-01-0123456789abcdef-opap.oss-ap-southeast-1-internal.oss-object-process.aliyuncs.com",
			"OSSV1#extra****", "https://examplebucket.oss-ap-southeast-1-internal.aliyuncs.com/photo.jpg"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := fcrt.ParseEvent(eventFixture(t, tt.file))
			require.NoError(t, err)
			c := ev.GetObjectContext
			assert.Equal(t, tt.route, c.OutputRoute)
			assert.Equal(t, tt.token, c.OutputToken)
			assert.Equal(t, tt.input, c.InputOSSURL)
		})
	}
}

func TestParseEventRejects(t *testing.T) {
	tests := []struct {
		file string
		says string
	}{
		{"missing-route.json", "fcrt: invalid event: getObjectContext.outputRoute is missing or empty"},
		{"missing-token.json", "fcrt: invalid event: getObjectContext.outputToken is missing or empty"},
		{"no-context.json", "fcrt: invalid event: no getObjectContext: is the function invoked by an Object FC Access Point?"},
		{"context-not-object.json", "fcrt: invalid event: getObjectContext is JSON string, want fcrt.GetObjectContext"},
		{"token-not-string.json", "fcrt: invalid event: getObjectContext.outputToken is JSON number, want string"},
		{"truncated.json", "fcrt: invalid event: not valid JSON at byte 152"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := fcrt.ParseEvent(eventFixture(t, tt.file))
			assert.Nil(t, ev)
			require.ErrorIs(t, err, fcrt.ErrInvalidEvent)
			assert.Equal(t, tt.says, err.Error())
			assert.NotContains(t, err.Error(), "31415926535", "never quotes a value")
		})
	}
}

func TestParseEventIsLenient(t *testing.T) {
	for name, data := range map[string]string{
		"byte order mark":       "\xef\xbb\xbf" + `{"getObjectContext":{"outputRoute":"r.example","outputToken":"t"}}`,
		"names in another case": `{"GetObjectContext":{"OutputRoute":"r.example","OUTPUTTOKEN":"t"}}`,
		"null members":          `{"getObjectContext":{"outputRoute":"r.example","outputToken":"t","inputOssUrl":null},"extra":null}`,
		"unknown members":       `{"version":"1","getObjectContext":{"outputRoute":"r.example","outputToken":"t","requestId":"x"}}`,
	} {
		ev, err := fcrt.ParseEvent([]byte(data))
		require.NoError(t, err, name)
		assert.Equal(t, "r.example", ev.GetObjectContext.OutputRoute, name)
		assert.Equal(t, "t", ev.GetObjectContext.OutputToken, name)
	}
	for _, bad := range []string{`[]`, `null`, `"event"`, ``} {
		_, err := fcrt.ParseEvent([]byte(bad))
		assert.ErrorIs(t, err, fcrt.ErrInvalidEvent, "%q", bad)
	}
}

func TestEventPrintsNoSecret(t *testing.T) {
	ev, err := fcrt.ParseEvent(eventFixture(t, "seed.json"))
	require.NoError(t, err)
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "ev", ev, "ctx", ev.GetObjectContext)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "ev", *ev)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		logs.WriteString(fmt.Sprintf(verb, ev) + fmt.Sprintf(verb, ev.GetObjectContext))
	}
	out := logs.String()
	assert.Contains(t, out, "oss-cn-qingdao-internal")
	assert.NotContains(t, out, "ZvBDC3XPm3g")
	assert.NotContains(t, out, "6f1c2e3d4a5b")

	data, err := json.Marshal(ev)
	require.NoError(t, err)
	back, err := fcrt.ParseEvent(data)
	require.NoError(t, err)
	assert.Equal(t, *ev, *back, "json.Marshal writes the event back whole, for sending it on")
}

// FuzzParseEvent: any event parses or fails without a panic, and neither its
// error nor its printed form shows the token.
func FuzzParseEvent(f *testing.F) {
	const token = "#OSSV1#FUZZ-TOKEN#"
	f.Add([]byte(`{"getObjectContext":{"outputRoute":"r.example","outputToken":"` + token + `"}}`))
	f.Add([]byte(`{"getObjectContext":{"outputToken":["` + token + `"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := fcrt.ParseEvent(data)
		if err != nil {
			if strings.Contains(err.Error(), "FUZZ-TOKEN") {
				t.Fatalf("error quotes the event: %v", err)
			}
			return
		}
		tok := ev.GetObjectContext.OutputToken
		if len(tok) < 4 {
			return
		}
		for _, out := range []string{fmt.Sprint(ev), fmt.Sprintf("%+v %#v %q", ev, *ev, ev.GetObjectContext)} {
			if strings.Contains(out, tok) {
				t.Fatalf("printed event shows the token: %s", out)
			}
		}
	})
}

func ExampleParseEvent() {
	event := []byte(`{
		"getObjectContext": {
			"outputRoute": "fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com",
			"outputToken": "OSSV1#ZvBDC3XPm3g****",
			"inputOssUrl": "https://examplebucket.oss-cn-qingdao-internal.aliyuncs.com/example.png?x-oss-signature=abc"
		},
		"userRequest": {"url": "https://example.com/example.png"}
	}`)
	ev, err := fcrt.ParseEvent(event)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev) // never shows the token or the URL's query
	// Output:
	// fcrt.Event{GetObjectContext: fcrt.GetObjectContext{OutputRoute: "fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com", OutputToken: <redacted>, InputOSSURL: "https://examplebucket.oss-cn-qingdao-internal.aliyuncs.com/example.png?<redacted>"}}
}

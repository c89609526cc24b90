package wgor_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

func TestParseEventReadsTheGetObjectContext(t *testing.T) {
	tests := []struct {
		file         string
		route, token string
		input        string
		extra        []string
		ctxExtra     []string
	}{
		{"seed.json",
			"fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com",
			"OSSV1#ZvBDC3XPm3g****",
			"https://examplebucket.oss-cn-qingdao-internal.aliyuncs.com/exampledir/example.png?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=20261124T120000Z&x-oss-expires=900&x-oss-credential=STS.NUgYrLnoC37mZZCNnAbez****%2F20261124%2Fcn-qingdao%2Foss%2Faliyun_v4_request&x-oss-signature=6f1c2e3d4a5b69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
			nil, nil},
		{"minimal.json",
			"fc-ap-01-0123456789abcdef-opap.oss-cn-hangzhou-internal.oss-object-process.aliyuncs.com",
			"OSSV1#minimal****", "", nil, nil},
		{"extra-members.json",
			"fc-ap-01-0123456789abcdef-opap.oss-ap-southeast-1-internal.oss-object-process.aliyuncs.com",
			"OSSV1#extra****", "https://examplebucket.oss-ap-southeast-1-internal.aliyuncs.com/photo.jpg",
			[]string{"configuration", "protocolVersion", "userIdentity", "userRequest", "version"}, []string{"requestId"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := wgor.ParseEvent(readFixture(t, "events", tt.file))
			require.NoError(t, err)
			c := ev.GetObjectContext
			assert.Equal(t, tt.route, c.OutputRoute)
			assert.Equal(t, tt.token, c.OutputToken)
			assert.Equal(t, tt.input, c.InputOSSURL)
			assert.ElementsMatch(t, tt.extra, keys(ev.Extra))
			assert.ElementsMatch(t, tt.ctxExtra, keys(c.Extra))
		})
	}
}

func keys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestParseEventKeepsUnknownMembersAsSent(t *testing.T) {
	data := readFixture(t, "events", "extra-members.json")
	ev, err := wgor.ParseEvent(data)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type": "RAMUser", "principalId": "23721626365841****"}`, string(ev.Extra["userIdentity"]))
	assert.Equal(t, `1.00`, string(ev.Extra["protocolVersion"]), "numbers are kept as written")
	assert.Equal(t, `"5C1B138A109F4E405B2D****"`, string(ev.GetObjectContext.Extra["requestId"]))

	out, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.JSONEq(t, string(data), string(out), "MarshalJSON writes back what was read")
}

func TestParseEventRejects(t *testing.T) {
	tests := []struct {
		file string
		says string
	}{
		{"missing-route.json", "wgor: invalid event: getObjectContext.outputRoute is missing or empty"},
		{"missing-token.json", "wgor: invalid event: getObjectContext.outputToken is missing or empty"},
		{"no-context.json", "wgor: invalid event: no getObjectContext: is the function invoked by an Object FC Access Point?"},
		{"context-not-object.json", "wgor: invalid event: getObjectContext is not a JSON object"},
		{"token-not-string.json", "wgor: invalid event: getObjectContext.outputToken is JSON number, want string"},
		{"truncated.json", "wgor: invalid event: not valid JSON at byte 152"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := wgor.ParseEvent(readFixture(t, "events", tt.file))
			assert.Nil(t, ev)
			require.ErrorIs(t, err, wgor.ErrInvalidEvent)
			assert.Equal(t, tt.says, err.Error())
			assert.NotContains(t, err.Error(), "31415926535", "never quotes a value")
		})
	}
}

func TestParseEventIsLenient(t *testing.T) {
	tests := []struct {
		name, data string
	}{
		{"byte order mark", "\xef\xbb\xbf" + `{"getObjectContext":{"outputRoute":"r.example","outputToken":"t"}}`},
		{"names in another case", `{"GetObjectContext":{"OutputRoute":"r.example","OUTPUTTOKEN":"t"}}`},
		{"null members", `{"getObjectContext":{"outputRoute":"r.example","outputToken":"t","inputOssUrl":null},"extra":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := wgor.ParseEvent([]byte(tt.data))
			require.NoError(t, err)
			assert.Equal(t, "r.example", ev.GetObjectContext.OutputRoute)
			assert.Equal(t, "t", ev.GetObjectContext.OutputToken)
		})
	}
	for _, bad := range []string{`[]`, `null`, `"event"`, ``} {
		_, err := wgor.ParseEvent([]byte(bad))
		assert.ErrorIs(t, err, wgor.ErrInvalidEvent, "%q", bad)
	}
}

func TestEventMarshalsAsValidJSON(t *testing.T) {
	ev := &wgor.Event{
		GetObjectContext: wgor.GetObjectContext{
			OutputRoute: "r.example", OutputToken: "OSSV1#t\x00\u2028\"\\", InputOSSURL: "https://b.example/a?x=\x7f",
			Extra: map[string]json.RawMessage{"weird\"name\x01": json.RawMessage(`[1,2]`)},
		},
		Extra: map[string]json.RawMessage{"é": json.RawMessage(`{"a":null}`)},
	}
	data, err := json.Marshal(ev)
	require.NoError(t, err)
	require.True(t, json.Valid(data), "%s", data)
	back, err := wgor.ParseEvent(data)
	require.NoError(t, err)
	assert.Equal(t, ev.GetObjectContext.OutputToken, back.GetObjectContext.OutputToken)
	assert.Equal(t, ev.GetObjectContext.InputOSSURL, back.GetObjectContext.InputOSSURL)
	assert.JSONEq(t, `[1,2]`, string(back.GetObjectContext.Extra["weird\"name\x01"]))
	assert.JSONEq(t, `{"a":null}`, string(back.Extra["é"]))

	ev.Extra["bad"] = json.RawMessage(`{`)
	_, err = json.Marshal(ev)
	assert.Error(t, err)
}

func TestEventFixturesWithCaseVariants(t *testing.T) {
	for range 20 {
		ev, err := wgor.ParseEvent(readFixture(t, "events", "case-variants.json"))
		require.NoError(t, err)
		assert.Equal(t, "OSSV1#exact****", ev.GetObjectContext.OutputToken)
		assert.Contains(t, ev.GetObjectContext.OutputRoute, "opap.oss-cn-qingdao-internal")
		assert.Contains(t, ev.GetObjectContext.Extra, "OutputToken")
		assert.Contains(t, ev.GetObjectContext.Extra, "OUTPUTROUTE")

		_, err = wgor.ParseEvent(readFixture(t, "events", "ambiguous-case.json"))
		require.ErrorIs(t, err, wgor.ErrInvalidEvent)
		assert.Equal(t, "wgor: invalid event: ambiguous member names: 2 members are named outputToken but for case, and none exactly so: keep one", err.Error())
	}
}

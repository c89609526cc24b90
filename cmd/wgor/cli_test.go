package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noKeys hides any credentials of the machine from a command.
var noKeys = map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "", "ALIBABA_CLOUD_SECURITY_TOKEN": "", "WGOR_TOKEN": ""}

// TestEveryCommandChecksItsArguments runs each command with help, bad
// values, missing and extra arguments: help goes to standard output with
// exit 0, a usage error to standard error with exit 2 and a hint, before any
// work (a file named after a bad flag is never opened: it does not exist).
func TestEveryCommandChecksItsArguments(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	missing := filepath.Join(t.TempDir(), "missing.bin")
	plain := filepath.Join(t.TempDir(), "plain.txt")
	require.NoError(t, os.WriteFile(plain, []byte("not a program"), 0o600))
	help := func(name string, args ...string) cliCase {
		return cliCase{name, args, exitOK, true, "Usage: wgor"}
	}
	bad := func(name, want string, args ...string) cliCase {
		return cliCase{name, args, exitUsage, false, want}
	}
	w := func(extra ...string) []string {
		return append([]string{"write", "--route", testRoute, "--token", "t"}, extra...)
	}
	cases := []cliCase{
		// wgor itself
		{"no command", nil, exitUsage, false, "Commands:"},
		{"help", []string{"help"}, exitOK, true, "Commands:"},
		{"-h", []string{"-h"}, exitOK, true, "Commands:"},
		{"--help", []string{"--help"}, exitOK, true, "Commands:"},
		help("help COMMAND", "help", "write"),
		{"help help", []string{"help", "help"}, exitOK, true, "Commands:"},
		bad("help of an unknown command", `unknown command "nope"`, "help", "nope"),
		bad("help with two commands", `unexpected argument "sign"`, "help", "write", "sign"),
		bad("--help with an argument", `unexpected argument "write"`, "--help", "write"),
		bad("unknown command", `unknown command "frobnicate"`, "frobnicate"),
		{"version", []string{"version"}, exitOK, true, "wgor 0."},
		{"--version", []string{"--version"}, exitOK, true, "wgor 0."},
		help("version --help", "version", "--help"),
		bad("version with an argument", "version takes no arguments", "version", "x"),
		bad("version with a flag", "flag provided but not defined: -bogus", "version", "--bogus"),

		// demo (its flags are the demo's own)
		help("demo --help", "demo", "--help"),
		help("demo -h", "demo", "-h"),
		bad("demo with an argument", "demo takes no arguments", "demo", "extra"),
		bad("demo --key empty", "for flag -key: an object key is 1 to 1023 bytes", "demo", "--key", ""),
		bad("demo --out empty", "for flag -out: --out is empty", "demo", "--out", ""),
		bad("demo with an unknown flag", "flag provided but not defined: -bogus", "demo", "--bogus"),

		// emulate
		help("emulate --help", "emulate", "--help"),
		bad("emulate without a function", "--function, --exec or --manual is required", "emulate"),
		bad("emulate --function and --exec", "--function, --exec and --manual exclude each other", "emulate", "--function", "http://127.0.0.1:9000", "--exec", "/bin/true"),
		bad("emulate --exec missing", "for flag -exec: it does not exist", "emulate", "--exec", missing),
		bad("emulate --exec not found in PATH", "for flag -exec: executable file not found", "emulate", "--exec", "no-such-wgor-function"),
		bad("emulate --exec not executable", "for flag -exec: not an executable file", "emulate", "--exec", plain),
		bad("emulate --exec arguments without --", "put the function's arguments after --", "emulate", "--exec", "/bin/true", "x"),
		bad("emulate --allow-chunked with a value", "invalid boolean", "emulate", "--allow-chunked=maybe", "--function", "http://127.0.0.1:9000"),
		bad("emulate --manual and --function", "exclude each other", "emulate", "--manual", "--function", "http://127.0.0.1:9000"),
		bad("emulate --manual with an argument", "emulate takes no arguments", "emulate", "--manual", "x"),
		bad("emulate with an argument", "emulate takes no arguments", "emulate", "--function", "http://127.0.0.1:9000", "x"),
		bad("emulate with an unknown flag", "flag provided but not defined: -bogus", "emulate", "--bogus"),
		bad("emulate --function without a scheme", "for flag -function: not an http:// or https:// URL", "emulate", "--function", "localhost:9000"),
		bad("emulate --function ftp", "for flag -function: not an http:// or https:// URL", "emulate", "--function", "ftp://x"),
		bad("emulate --function without a host", "for flag -function: the URL has no host", "emulate", "--function", "http://"),
		bad("emulate --function with a bad port", "for flag -function: the URL's port", "emulate", "--function", "http://127.0.0.1:99999"),
		bad("emulate --function with a query", "for flag -function: a base URL has no query", "emulate", "--function", "http://127.0.0.1:9000/?a"),
		bad("emulate --function with user info", "for flag -function: the URL has user information", "emulate", "--function", "http://u:p@127.0.0.1:9000"),
		bad("emulate --listen without a port", "for flag -listen: not an address", "emulate", "--listen", "127.0.0.1", "--function", "http://127.0.0.1:9000"),
		bad("emulate --listen with a bad port", "for flag -listen: the port", "emulate", "--listen", "127.0.0.1:70000", "--function", "http://127.0.0.1:9000"),
		bad("emulate --region with a space", "for flag -region: not a region ID", "emulate", "--region", "cn hangzhou", "--function", "http://127.0.0.1:9000"),
		bad("emulate --timeout zero", "for flag -timeout: must be from 1ms", "emulate", "--timeout", "0s", "--function", "http://127.0.0.1:9000"),
		bad("emulate --timeout negative", "for flag -timeout: must be from 1ms", "emulate", "--timeout", "-5s", "--function", "http://127.0.0.1:9000"),
		bad("emulate --timeout not a duration", "for flag -timeout: not a duration", "emulate", "--timeout", "soon", "--function", "http://127.0.0.1:9000"),
		bad("emulate --advertise ftp", "for flag -advertise: not an http:// or https:// URL", "emulate", "--advertise", "ftp://x", "--function", "http://127.0.0.1:9000"),
		bad("emulate --advertise with a path", "for flag -advertise: the URL has a path", "emulate", "--advertise", "http://h:1/p", "--function", "http://127.0.0.1:9000"),
		bad("emulate --objects missing", "for flag -objects: not a directory", "emulate", "--objects", missing, "--function", "http://127.0.0.1:9000"),
		bad("emulate --access-key-secret alone", "need --access-key-id", "emulate", "--access-key-secret", "s", "--function", "http://127.0.0.1:9000"),
		bad("emulate --access-key-id without a secret", "--access-key-id needs its secret", "emulate", "--access-key-id", "AKID", "--function", "http://127.0.0.1:9000"),
		bad("emulate --access-key-id with a newline", "--access-key-id contains a control character", "emulate", "--access-key-id", "AK\nID", "--function", "http://127.0.0.1:9000"),
		bad("emulate -v with a value", "invalid boolean", "emulate", "-v=maybe", "--function", "http://127.0.0.1:9000"),

		// write
		help("write --help", "write", "--help"),
		help("write -h", "write", "-h"),
		bad("write without --token", "--route and --token are required", "write", "--route", testRoute),
		bad("write without --route", "--route and --token are required", "write", "--token", "t"),
		bad("write with two files", `one FILE at most, got "b"`, append(w(), "a", "b")...),
		bad("write with an unknown flag", "flag provided but not defined: -bogus", "write", "--bogus"),
		bad("write --status 99", "for flag -status: OSS accepts 200, 206", append(w("--status", "99"), missing)...),
		bad("write --status 0200", "for flag -status: OSS accepts", w("--status", "0200")...),
		bad("write --status +200", "for flag -status: OSS accepts", w("--status", "+200")...),
		bad("write --status 599", "for flag -status: OSS accepts", w("--status", "599")...),
		bad("write --scheme ftp", "for flag -scheme: use https or http", append(w("--scheme", "ftp"), missing)...),
		bad("write --region with a space", "for flag -region: not a region ID", append(w("--region", "cn hangzhou"), missing)...),
		bad("write --timeout zero", "for flag -timeout: must be from 1ms", w("--timeout", "0")...),
		bad("write --timeout negative", "for flag -timeout: must be from 1ms", w("--timeout", "-1m")...),
		bad("write --header without a colon", "for flag -header: not 'Name: value'", w("--header", "nocolon")...),
		bad("write --header with a bad name", "is not a valid HTTP header name", w("--header", "Bad Name: v")...),
		bad("write --header with a newline", "contains a control character", w("--header", "X-A: a\nforged")...),
		bad("write --header Content-Type twice", "for flag -header: Content-Type is given twice: a response has one", w("--header", "Content-Type: a", "--header", "content-type: b")...),
		bad("write --header ETag twice", "for flag -header: Etag is given twice", w("--header", "ETag: \"a\"", "--header", "ETag: \"b\"")...),
		bad("write --header with the fwd prefix", "--header name \"X-Oss-Fwd-Header-X\" carries the x-oss-fwd-header- prefix", w("--header", "x-oss-fwd-header-X: v")...),
		bad("write --token with a newline", "--token contains a control character", "write", "--route", testRoute, "--token", "a\nb"),
		bad("write --route with a path", "--route to \"example.com\" has a path", "write", "--route", "example.com/x", "--token", "t", "--region", "cn-qingdao"),
		bad("write --route naming no region", "cannot tell the OSS region from the --route host \"route\": set --region", "write", "--route", "route", "--token", "t", missing),
		bad("write --route with a newline", "--route contains a control character", "write", "--route", "a\nb", "--token", "t"),
		bad("write -v with a value", "invalid boolean", w("-v=maybe")...),

		// sign
		help("sign --help", "sign", "--help"),
		bad("sign without --url", "--url is required", "sign", "--region", "cn-qingdao"),
		bad("sign with an argument", "sign takes no arguments", "sign", "--url", "https://x.example/", "extra"),
		bad("sign with an unknown flag", "flag provided but not defined: -bogus", "sign", "--bogus"),
		bad("sign --url relative", "for flag -url: not an http:// or https:// URL", "sign", "--url", "/object"),
		bad("sign --url ftp", "for flag -url: not an http:// or https:// URL", "sign", "--url", "ftp://x/"),
		bad("sign --region with a space", "for flag -region: not a region ID", "sign", "--region", "cn hangzhou", "--url", "https://x.example/"),
		bad("sign --expires negative", "for flag -expires: must be from 1s to 168h", "sign", "--expires", "-5m", "--presign", "--url", "https://x.example/"),
		bad("sign --expires over a week", "for flag -expires: must be from 1s to 168h", "sign", "--expires", "169h", "--presign", "--url", "https://x.example/"),
		bad("sign --expires without --presign", "--expires applies to --presign only", "sign", "--expires", "5m", "--url", "https://x.example/", "--region", "cn-qingdao"),
		bad("sign --method with a space", "for flag -method: not an HTTP method", "sign", "--method", "GE T", "--url", "https://x.example/"),
		bad("sign --bucket invalid", "for flag -bucket: not a bucket name", "sign", "--bucket", "Bad_Bucket", "--url", "https://x.example/"),
		bad("sign --key with a leading slash", "for flag -key: an object key does not start with '/'", "sign", "--bucket", "b-1", "--key", "/k", "--url", "https://x.example/"),
		bad("sign --key without --bucket", "--key needs --bucket", "sign", "--key", "k", "--url", "https://x.example/", "--region", "cn-qingdao"),
		bad("sign --time not RFC 3339", "for flag -time: not RFC 3339", "sign", "--time", "yesterday", "--url", "https://x.example/"),
		bad("sign --additional-headers invalid", "is not a header name", "sign", "--additional-headers", "a b", "--url", "https://x.example/"),
		bad("sign --header with a newline", "contains a control character", "sign", "--header", "X-A: a\nb", "--url", "https://x.example/"),
		bad("sign --url path-style", "OSS serves buckets at virtual-hosted URLs", "sign", "--url", "https://oss-cn-hangzhou.aliyuncs.com/bucket/key"),
		bad("sign --url of another host with a path", "cannot tell the bucket and the key from the URL's host \"example.com\"", "sign", "--url", "https://example.com/some/key", "--region", "cn-qingdao"),
		bad("sign --url naming no region", "--region is required", "sign", "--url", "https://example.com/"),
		bad("sign a route with a path", "a WriteGetObjectResponse route takes the path \"/\" only", "sign", "--url", "https://"+testRoute+"/x"),
		bad("sign --access-key-id without a secret", "--access-key-id needs its secret", "sign", "--access-key-id", "AKID", "--url", "https://x.example/", "--region", "cn-qingdao"),
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, t.Context(), nil, noKeys, tc.args...)
			assert.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", stdout, stderr)
			if tc.stdout {
				assert.Contains(t, stdout, tc.want)
				assert.Empty(t, stderr, "requested help and output go to standard output only")
				return
			}
			assert.Contains(t, stderr, tc.want)
			assert.Empty(t, stdout, "a usage error goes to standard error only")
			if len(tc.args) > 0 {
				assert.Regexp(t, `Run 'wgor (\w+ )?--help' for`, stderr, "a usage error says where to find help")
			}
			assert.NotContains(t, stderr, "Client.", "messages name flags, not library fields")
			assert.NotContains(t, stderr, "wgor: wgor", "messages do not stutter")
			assert.NotContains(t, stderr, "no such file", "no file is opened before the flags are checked")
		})
	}
}

type cliCase struct {
	name   string
	args   []string
	code   int
	stdout bool // the message is on standard output, else standard error
	want   string
}

func TestBadSecretsAreNotEchoed(t *testing.T) {
	const secret = "SECRET-VALUE-never-echo"
	cases := [][]string{
		{"write", "--route", testRoute, "--token", secret + "\n"},
		{"write", "--route", testRoute, "--token", secret + "\x00"},
		{"emulate", "--function", "http://127.0.0.1:9", "--access-key-id", "a", "--access-key-secret", secret + "\r"},
		{"emulate", "--function", "http://127.0.0.1:9", "--access-key-id", "a", "--security-token", secret + "\n"},
	}
	for _, args := range cases {
		code, stdout, stderr := runCLI(t, t.Context(), nil, noKeys, args...)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, stderr, `invalid value "<redacted>" for flag -`)
		assert.NotContains(t, stdout+stderr, "SECRET-VALUE")
	}
	code, _, stderr := runCLI(t, t.Context(), nil, map[string]string{"WGOR_TOKEN": secret + "\n"}, "write", "--route", testRoute)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "$WGOR_TOKEN contains a control character")
	assert.NotContains(t, stderr, "SECRET-VALUE")
}

func TestABadFlagGetsTheFlagPackagesMessageAndTheUsage(t *testing.T) {
	code, stdout, stderr := runCLI(t, t.Context(), nil, noKeys, "write", "--bogus")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "wgor write: flag provided but not defined: -bogus\n"+
		"Usage: wgor write --route ROUTE --token TOKEN [flags] [FILE|-]\n"+
		"Run 'wgor write --help' for the flags.\n", stderr)
}

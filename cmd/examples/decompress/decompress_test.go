package decompress_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/cmd/examples/decompress"
	"github.com/wgor-dev/wgor/wgor"
	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

const hello = "hello from a %s object\n"

func gzipped(t *testing.T, p []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write(p)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

func zlibbed(t *testing.T, p []byte) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	_, err := zw.Write(p)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

func TestHandlerDecompressesEachFormat(t *testing.T) {
	bz, err := os.ReadFile("testdata/hello.txt.bz2") // made by bzip2(1): Go has no bzip2 writer
	require.NoError(t, err)
	ap := wgortest.Start(t, decompress.Handler{}, &wgortest.Config{ObjectMap: map[string][]byte{
		"hello.txt.gz":  gzipped(t, []byte(strings.Replace(hello, "%s", "gzip", 1))),
		"hello.txt.z":   zlibbed(t, []byte(strings.Replace(hello, "%s", "zlib", 1))),
		"hello.txt.bz2": bz,
	}})
	for key, format := range map[string]string{"hello.txt.gz": "gzip", "hello.txt.z": "zlib", "hello.txt.bz2": "bzip2"} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		assert.Equal(t, 200, resp.StatusCode, key)
		assert.Equal(t, strings.Replace(hello, "%s", format, 1), string(resp.Body), key)
		assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"), key)
		assert.NotEmpty(t, resp.Header.Get("Last-Modified"), key)
	}
}

func TestHandlerPassesAMissingObjectThrough(t *testing.T) {
	ap := wgortest.Start(t, decompress.Handler{}, nil)
	resp, err := ap.GetObject(context.Background(), "missing.gz", nil)
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "<Code>NoSuchKey</Code>")
}

func TestHandlerRefusesBombsAndBrokenObjectsBeforeSending(t *testing.T) {
	bomb := gzipped(t, make([]byte, 8<<20)) // 8 MiB of zeros in about 8 KiB
	good := gzipped(t, bytes.Repeat([]byte("a line of text\n"), 1000))
	ap := wgortest.Start(t, decompress.Handler{MaxBytes: 1 << 20}, &wgortest.Config{
		ObjectMap: map[string][]byte{
			"bomb.gz":      bomb,
			"truncated.gz": good[:len(good)/2],
			"corrupt.gz":   append(good[:10:10], bytes.Repeat([]byte{0xff}, 100)...),
			"plain.txt":    []byte("not compressed at all\n"),
		},
		// The output goes past the spool's memory into its file before
		// the cap is reached: still nothing is sent.
		Runtime: &fcrt.Options{SpoolMemory: 64 << 10, SpoolDir: t.TempDir()},
	})
	for key, want := range map[string]string{
		"bomb.gz":      "<Code>DecompressedTooLarge</Code><Message>The object decompresses to more than 1048576 bytes",
		"truncated.gz": "<Code>InvalidCompressedData</Code><Message>The object is not valid gzip data: unexpected EOF.",
		"corrupt.gz":   "<Code>InvalidCompressedData</Code><Message>The object is not valid gzip data: flate: corrupt input",
		"plain.txt":    "<Code>NotCompressed</Code>",
	} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		assert.Equal(t, 400, resp.StatusCode, key)
		assert.Contains(t, string(resp.Body), want, key)
	}
	for _, r := range ap.Relays() {
		assert.Equal(t, 400, r.Status, "only the errors were relayed, no output")
	}
}

// Under the default cap, an output longer than the process's spool budget
// (wgor.DefaultSpoolBudget, 256 MiB of disk unless WGOR_SPOOL_DISK says
// otherwise) can never be sent: it is a bomb too, not the function's
// failure.
func TestHandlerRefusesAnOutputLongerThanTheSpoolBudget(t *testing.T) {
	saved := wgor.DefaultSpoolBudget
	wgor.DefaultSpoolBudget = wgor.NewSpoolBudget(64<<10, 1<<20)
	t.Cleanup(func() { wgor.DefaultSpoolBudget = saved }) // after the access point's own cleanup
	ap := wgortest.Start(t, decompress.Handler{}, &wgortest.Config{
		ObjectMap: map[string][]byte{"bomb.gz": gzipped(t, make([]byte, 4<<20))},
		Runtime:   &fcrt.Options{SpoolMemory: 64 << 10, SpoolDir: t.TempDir()},
	})
	resp, err := ap.GetObject(context.Background(), "bomb.gz", nil)
	require.NoError(t, err)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "<Code>DecompressedTooLarge</Code><Message>The object decompresses to more than this function can hold to answer")
	for _, r := range ap.Relays() {
		assert.Equal(t, 400, r.Status, "only the error was relayed, no output")
	}
}

func TestDetect(t *testing.T) {
	gz, z := gzipped(t, nil)[:4], zlibbed(t, nil)[:4]
	for _, tc := range []struct {
		name        string
		header      http.Header
		head        []byte
		want        decompress.Format
		unsupported string
	}{
		{"gzip magic", nil, gz, decompress.Gzip, ""},
		{"zlib magic", nil, z, decompress.Zlib, ""},
		{"bzip2 magic", nil, []byte("BZh9"), decompress.Bzip2, ""},
		{"bzip2 magic, block size 0", nil, []byte("BZh0"), "", ""},
		{"text", nil, []byte("text"), "", ""},
		{"too short", nil, []byte{0x1f}, "", ""},
		{"Content-Encoding gzip", http.Header{"Content-Encoding": {"gzip"}}, []byte("????"), decompress.Gzip, ""},
		{"Content-Encoding x-gzip", http.Header{"Content-Encoding": {"X-Gzip"}}, nil, decompress.Gzip, ""},
		{"Content-Encoding deflate is zlib", http.Header{"Content-Encoding": {"deflate"}}, nil, decompress.Zlib, ""},
		{"Content-Encoding br", http.Header{"Content-Encoding": {"br"}}, gz, "", "br"},
		{"Content-Encoding identity", http.Header{"Content-Encoding": {"identity"}}, z, decompress.Zlib, ""},
		{"Content-Type gzip", http.Header{"Content-Type": {"application/gzip"}}, nil, decompress.Gzip, ""},
		{"Content-Type zlib", http.Header{"Content-Type": {"application/zlib"}}, nil, decompress.Zlib, ""},
		{"Content-Type bzip2", http.Header{"Content-Type": {"application/x-bzip2"}}, nil, decompress.Bzip2, ""},
		{"Content-Type text, gzip bytes", http.Header{"Content-Type": {"text/plain"}}, gz, decompress.Gzip, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, u := decompress.Detect(tc.header, tc.head)
			assert.Equal(t, tc.want, f)
			assert.Equal(t, tc.unsupported, u)
		})
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(decompress.EnvMaxBytes, "4096")
	h, err := decompress.FromEnv()
	require.NoError(t, err)
	assert.Equal(t, int64(4096), h.MaxBytes)

	t.Setenv(decompress.EnvMaxBytes, "1GiB")
	_, err = decompress.FromEnv()
	assert.EqualError(t, err, `decompress: DECOMPRESS_MAX_BYTES="1GiB" is not a positive number of bytes`)
}

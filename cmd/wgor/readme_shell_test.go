package main

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const readmeSaved = ".readme-test-saved"

// keepAside moves a file of the reader's out of the way of the README's
// commands, and puts it back (or removes what they made) at the end.
func keepAside(t *testing.T, path string) {
	saved := path + readmeSaved
	if _, err := os.Stat(path); err == nil {
		require.NoError(t, os.Rename(path, saved))
	}
	t.Cleanup(func() {
		os.RemoveAll(path) // a directory such as package's dist
		if _, err := os.Stat(saved); err == nil {
			_ = os.Rename(saved, path)
		}
	})
}

func entries(t *testing.T, dir string) map[string]bool {
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	m := map[string]bool{}
	for _, de := range des {
		m[de.Name()] = true
	}
	return m
}

// outputOf returns the -o file of a go build command.
func outputOf(words []string) string {
	for i, w := range words {
		if w == "-o" && i+1 < len(words) {
			return words[i+1]
		}
	}
	return ""
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// splitAssignments splits leading NAME=value words off a command.
func splitAssignments(words []string) (env, rest []string) {
	assign := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	for len(words) > 0 && assign.MatchString(words[0]) {
		env, words = append(env, words[0]), words[1:]
	}
	return env, words
}

// shBlocks returns the commands of each ```sh block: lines joined where
// they end in a backslash.
func shBlocks(md string) [][]string {
	var blocks [][]string
	var cur []string
	in := false
	pending := ""
	for _, line := range strings.Split(md, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, cur)
		case in && strings.HasSuffix(line, "\\"):
			pending += strings.TrimSuffix(line, "\\")
		case in:
			cur = append(cur, pending+line)
			pending = ""
		}
	}
	return blocks
}

// shellWords splits a command as a POSIX shell would, for the subset the
// README may use: words, '…' and "…" quoting, backslash escapes and #
// comments. Anything else a shell would interpret (pipes, redirections,
// variables, globs) is refused, so that the README never holds a command
// this test would run differently from a shell.
func shellWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unclosed ' in %q", line)
			}
			w.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			var err error
			if i, err = doubleQuoted(line, i+1, &w); err != nil {
				return nil, err
			}
			inWord = true
		case c == '\\' && i+1 < len(line):
			i++
			w.WriteByte(line[i])
			inWord = true
		case strings.IndexByte("|&;<>()$`*?[]{}~", c) >= 0:
			return nil, fmt.Errorf("%q: the test runs no shell, so the README cannot use %q", line, c)
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// doubleQuoted writes the "…" text of line that starts at i to w, and
// returns the index of its closing quote.
func doubleQuoted(line string, i int, w *strings.Builder) (int, error) {
	for ; i < len(line) && line[i] != '"'; i++ {
		if strings.IndexByte("$`", line[i]) >= 0 {
			return 0, fmt.Errorf("%q: the test does not expand $ or `", line)
		}
		if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\", line[i+1]) >= 0 {
			i++
		}
		w.WriteByte(line[i])
	}
	if i == len(line) {
		return 0, fmt.Errorf("unclosed \" in %q", line)
	}
	return i, nil
}

func TestShellWordsSplitsAsAShellWould(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{`go run ./cmd/wgor demo`, []string{"go", "run", "./cmd/wgor", "demo"}},
		{`a 'b c' "d \"e\"" f\ g`, []string{"a", "b c", `d "e"`, "f g"}},
		{`x -ldflags='-s -w' y`, []string{"x", "-ldflags=-s -w", "y"}},
		{`cmd # a comment`, []string{"cmd"}},
		{`go test -run '^$' ./...`, []string{"go", "test", "-run", "^$", "./..."}},
	}
	for _, tc := range cases {
		got, err := shellWords(tc.line)
		require.NoError(t, err, tc.line)
		assert.Equal(t, tc.want, got, tc.line)
	}
	for _, bad := range []string{`a [--objects DIR]`, `a | b`, `a > f`, `echo $HOME`, `a 'open`, `a "open`, "echo \"$X\""} {
		_, err := shellWords(bad)
		assert.Error(t, err, "%s would not run the same in a shell", bad)
	}
}

func TestSHBlocksJoinsContinuedLines(t *testing.T) {
	md := "text\n```sh\na \\\n    b\nc\n```\n```go\nnot sh\n```\n"
	assert.Equal(t, [][]string{{"a     b", "c"}}, shBlocks(md))
}

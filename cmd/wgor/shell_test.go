package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if strings.IndexByte("$`", line[i]) >= 0 {
					return nil, fmt.Errorf("%q: the test does not expand $ or `", line)
				}
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\", line[i+1]) >= 0 {
					i++
				}
				w.WriteByte(line[i])
			}
			if i == len(line) {
				return nil, fmt.Errorf("unclosed \" in %q", line)
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

package newcomer

import (
	"fmt"
	"strings"
)

// Snippets are the README's code blocks a newcomer copies.
type Snippets struct {
	// Walk are the bash blocks of the section "Your own function, from an
	// empty folder", in order.
	Walk []string
	// Files maps each Go block's "// file: DIR/NAME.go" to its text.
	Files map[string]string
}

// walkSection is the heading of the section whose bash blocks are the walk.
const walkSection = "## Your own function, from an empty folder"

// Parse reads the README's bash and Go blocks. Every Go block must name the
// file it is, on its first line, so that each can be compiled.
func Parse(readme string) (*Snippets, error) {
	s := &Snippets{Files: map[string]string{}}
	section := ""
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "## ") {
			section = line
		}
		lang, ok := strings.CutPrefix(line, "```")
		if !ok || lang == "" {
			continue
		}
		end := i + 1
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		body := strings.Join(lines[i+1:end], "\n") + "\n"
		if err := s.add(lang, section, body, i+1); err != nil {
			return nil, err
		}
		i = end
	}
	return s, nil
}

func (s *Snippets) add(lang, section, body string, line int) error {
	switch {
	case lang == "go":
		first, _, _ := strings.Cut(body, "\n")
		name, ok := strings.CutPrefix(first, "// file: ")
		if !ok {
			return fmt.Errorf("README.md:%d: a go block must begin with // file: DIR/NAME.go", line)
		}
		s.Files[name] = body
	case lang == "bash" && section == walkSection:
		s.Walk = append(s.Walk, body)
	}
	return nil
}

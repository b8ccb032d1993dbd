package chattemplate

import (
	"fmt"
	"strings"
)

// piece is one part of a template's source: text, an output tag
// ({{ … }}) or a statement tag ({% … %}); comments are dropped.
type piece struct {
	kind byte // 't' text, 'o' output, 's' statement
	text string
	pos  int // byte offset in the source, for errors
}

// split cuts a template into pieces, applying the whitespace rules of the
// environment Hugging Face renders chat templates with: "-" inside a tag
// strips whitespace beside it, trim_blocks drops the newline after a
// statement or comment, and lstrip_blocks drops the spaces and tabs before
// one on its line.
func split(src string) ([]piece, error) {
	var out []piece
	trimNext := false // strip leading whitespace of the next text
	dropNL := false   // trim_blocks: drop one newline at the start of the next text
	for i := 0; i < len(src); {
		j := nextTag(src, i)
		text := src[i:j]
		if dropNL {
			if strings.HasPrefix(text, "\r\n") {
				text = text[2:]
			} else if strings.HasPrefix(text, "\n") {
				text = text[1:]
			}
		}
		if trimNext {
			text = strings.TrimLeft(text, " \t\r\n\f\v")
		}
		trimNext, dropNL = false, false
		if j == len(src) {
			if text != "" {
				out = append(out, piece{kind: 't', text: text, pos: i})
			}
			break
		}
		open, close := src[j:j+2], map[string]string{"{{": "}}", "{%": "%}", "{#": "#}"}[src[j:j+2]]
		body := j + 2
		end := strings.Index(src[body:], close)
		if end < 0 {
			return nil, fmt.Errorf("%w: %s at byte %d is never closed", ErrSyntax, open, j)
		}
		inner := src[body : body+end]
		if strings.HasPrefix(inner, "-") {
			text = strings.TrimRight(text, " \t\r\n\f\v")
			inner = inner[1:]
		} else if open != "{{" && !strings.HasPrefix(inner, "+") {
			text = lstrip(text)
		}
		inner = strings.TrimPrefix(inner, "+")
		if strings.HasSuffix(inner, "-") {
			trimNext = true
			inner = inner[:len(inner)-1]
		} else if open != "{{" && !strings.HasSuffix(inner, "+") {
			dropNL = true
		}
		if text != "" {
			out = append(out, piece{kind: 't', text: text, pos: i})
		}
		switch open {
		case "{{":
			out = append(out, piece{kind: 'o', text: inner, pos: j})
		case "{%":
			out = append(out, piece{kind: 's', text: strings.TrimSuffix(inner, "+"), pos: j})
		}
		i = body + end + 2
	}
	return out, nil
}

// nextTag is the offset of the next "{{", "{%" or "{#" at or after i,
// or len(src).
func nextTag(src string, i int) int {
	for {
		k := strings.IndexByte(src[i:], '{')
		if k < 0 || i+k+1 >= len(src) {
			return len(src)
		}
		if c := src[i+k+1]; c == '{' || c == '%' || c == '#' {
			return i + k
		}
		i += k + 1
	}
}

// lstrip removes the spaces and tabs that end text when only they stand
// between the last newline (or the start) and the tag.
func lstrip(text string) string {
	k := len(text)
	for k > 0 && (text[k-1] == ' ' || text[k-1] == '\t') {
		k--
	}
	if k == 0 || text[k-1] == '\n' {
		return text[:k]
	}
	return text
}

// token is one lexeme inside a tag.
type token struct {
	kind byte // 'n' name, 's' string, 'i' integer, 'f' float, 'p' punctuation
	text string
}

// operators, longest first.
var operators = []string{"==", "!=", "<=", ">=", "//", "**", "<", ">", "+", "-", "*", "/", "%", "~", "|", ".", ",", ":", "(", ")", "[", "]", "{", "}", "="}

// lex splits a tag's inside into tokens.
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, token{'n', s[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j, kind := i, byte('i')
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' && kind == 'i' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9') {
				if s[j] == '.' {
					kind = 'f'
				}
				j++
			}
			out = append(out, token{kind, s[i:j]})
			i = j
		case c == '\'' || c == '"':
			str, n, err := lexString(s[i:])
			if err != nil {
				return nil, err
			}
			out = append(out, token{'s', str})
			i += n
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, fmt.Errorf("%w: unexpected character %q", ErrSyntax, c)
			}
			out = append(out, token{'p', op})
			i += len(op)
		}
	}
	return out, nil
}

// lexString reads a quoted string literal with Python's common escapes,
// returning its value and its length in the source.
func lexString(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == q {
			return b.String(), i + 1, nil
		}
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\', '\'', '"':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("%w: unterminated string", ErrSyntax)
}

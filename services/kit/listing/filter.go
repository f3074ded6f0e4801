package listing

import (
	"fmt"
	"strings"
)

// parseFilter reads the subset of AIP-160 the services support: comparisons
// `field op value` joined with AND, where op is =, != or : (has), and value
// is a bare word or a double-quoted string with \" and \\ escapes. It returns
// one SQL condition per comparison with its arguments.
func (s *Schema[T]) parseFilter(filter string) ([]string, []any, error) {
	toks, err := tokenize(filter)
	if err != nil {
		return nil, nil, err
	}
	var conds []string
	var args []any
	for i := 0; i < len(toks); {
		if len(conds) > 0 {
			if toks[i].kind != word || toks[i].text != "AND" {
				return nil, nil, fmt.Errorf("expected AND before %q (only AND is supported)", toks[i].text)
			}
			i++
		}
		if i+3 > len(toks) {
			return nil, nil, fmt.Errorf("incomplete comparison; want field, operator and value, e.g. display_name:\"north\"")
		}
		name, op, val := toks[i], toks[i+1], toks[i+2]
		i += 3
		if name.kind != word || op.kind != operator || val.kind == operator {
			return nil, nil, fmt.Errorf("want field, operator and value, got %q %q %q", name.text, op.text, val.text)
		}
		cond, arg, err := s.compare(name.text, op.text, val.text)
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, cond)
		args = append(args, arg)
	}
	return conds, args, nil
}

func (s *Schema[T]) compare(name, op, value string) (string, any, error) {
	f := s.field(name)
	if f == nil || !f.Filter {
		return "", nil, fmt.Errorf("cannot filter on %q; filterable fields: %s", name,
			s.names(func(f *Field[T]) bool { return f.Filter }))
	}
	switch {
	case f.Kind == String && f.Parse != nil:
		if op == ":" {
			break
		}
		v, err := f.Parse(value)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", name, err)
		}
		return f.Column + map[string]string{"=": " = ?", "!=": " <> ?"}[op], v, nil
	case f.Kind == String:
		switch op {
		case "=":
			return "LOWER(" + f.Column + ") = ?", strings.ToLower(value), nil
		case "!=":
			return "LOWER(" + f.Column + ") <> ?", strings.ToLower(value), nil
		case ":":
			return "LOWER(" + f.Column + ") LIKE ? ESCAPE '\\'", "%" + escapeLike(strings.ToLower(value)) + "%", nil
		}
	case f.Kind == Enum:
		n, ok := f.Enum[value]
		if !ok {
			return "", nil, fmt.Errorf("%s: unknown value %q", name, value)
		}
		switch op {
		case "=":
			return f.Column + " = ?", n, nil
		case "!=":
			return f.Column + " <> ?", n, nil
		}
	}
	return "", nil, fmt.Errorf("%s: operator %s is not supported", name, op)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

type tokenKind int

const (
	word tokenKind = iota
	quoted
	operator
)

type token struct {
	kind tokenKind
	text string
}

// MaxFilterTerms bounds the work one filter can ask for.
const MaxFilterTerms = 20

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '=' || c == ':':
			toks = append(toks, token{operator, string(c)})
			i++
		case c == '!':
			if i+1 >= len(s) || s[i+1] != '=' {
				return nil, fmt.Errorf("unexpected %q at position %d (NOT is not supported)", c, i)
			}
			toks = append(toks, token{operator, "!="})
			i += 2
		case c == '"':
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated string")
				}
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			toks = append(toks, token{quoted, b.String()})
		case c == '(' || c == ')' || c == '<' || c == '>' || c == '-':
			return nil, fmt.Errorf("unexpected %q at position %d (only comparisons with =, != and : joined by AND are supported)", c, i)
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\r\n=:!\"()<>", rune(s[i])) {
				i++
			}
			toks = append(toks, token{word, s[start:i]})
		}
		if len(toks) > 4*MaxFilterTerms {
			return nil, fmt.Errorf("too long; at most %d comparisons", MaxFilterTerms)
		}
	}
	return toks, nil
}

package events

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
)

// header is the first value of the header called name in h, whatever the
// case of its name: the binding (after NATS ADR-4) makes header names
// case-insensitive, but nats.Header.Get matches them exactly.
func header(h nats.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// encodeHeaderValue percent-encodes s as the binding asks of a header value
// (section 3.1.3.2): space, double quote, percent and every byte outside
// printable ASCII become %XY, so that the value needs no quoting. Encoding
// byte by byte is encoding each character's UTF-8 bytes.
func encodeHeaderValue(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf || needsEncoding(byte(r)) }) {
		return s
	}
	var b strings.Builder
	for i := range len(s) {
		if c := s[i]; needsEncoding(c) {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func needsEncoding(c byte) bool { return c <= ' ' || c >= 0x7f || c == '"' || c == '%' }

// decodeHeaderValue undoes encodeHeaderValue the way the binding says a
// receiver must: first the quoting of a double-quoted value (which older
// versions of the binding allowed), then one round of percent-decoding,
// refusing a result that is not UTF-8 (an overlong encoding, say). A value
// with nothing encoded, such as every value written before the producers
// encoded theirs, comes back unchanged.
func decodeHeaderValue(v string) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var err error
		if v, err = unquote(v[1 : len(v)-1]); err != nil {
			return "", err
		}
	}
	// PathUnescape is one round of percent-decoding, and refuses a % not
	// followed by two hexadecimal digits; unlike QueryUnescape it leaves +
	// as it is.
	out, err := url.PathUnescape(v)
	if err != nil {
		return "", fmt.Errorf("%q: %w", v, err)
	}
	if !utf8.ValidString(out) {
		return "", fmt.Errorf("%q: not UTF-8 (once percent-decoded)", v)
	}
	return out, nil
}

// unquote reads the inside of an RFC 7230 quoted-string: a backslash
// escapes the character after it.
func unquote(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return "", errors.New("quoted value ends in a backslash")
			}
			i++
		case '"':
			return "", errors.New("unescaped double quote inside a quoted value")
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

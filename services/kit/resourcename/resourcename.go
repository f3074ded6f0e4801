// Package resourcename parses and formats AIP-122 resource names such as
// organisations/{organisation}/teams/{team}, and makes resource ids.
package resourcename

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
)

// MaxIDLength is the longest resource id: DNS-label sized, as AIP-122 advises.
const MaxIDLength = 63

// ValidID reports whether id is a valid resource id: 1 to 63 characters of
// lower-case letters, digits and hyphens, starting with a letter and not
// ending with a hyphen.
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		case c == '-' && i > 0 && i < len(id)-1:
		default:
			return false
		}
	}
	return true
}

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid resource name")

// Parse splits name into the ids of the given collections, in order:
// Parse("organisations/a/teams/b", "organisations", "teams") returns
// ["a", "b"]. Every id must be valid.
func Parse(name string, collections ...string) ([]string, error) {
	parts := strings.Split(name, "/")
	if len(parts) != 2*len(collections) {
		return nil, fmt.Errorf("%w: want %s", ErrInvalid, Pattern(collections...))
	}
	ids := make([]string, len(collections))
	for i, c := range collections {
		if parts[2*i] != c {
			return nil, fmt.Errorf("%w: want %s", ErrInvalid, Pattern(collections...))
		}
		id := parts[2*i+1]
		if !ValidID(id) {
			return nil, fmt.Errorf("%w: %q is not a valid id (lower-case letters, digits and hyphens, starting with a letter, at most %d characters)",
				ErrInvalid, id, MaxIDLength)
		}
		ids[i] = id
	}
	return ids, nil
}

// Format joins collections and ids into a name: Format([]string{"organisations"}, "a")
// returns "organisations/a".
func Format(collections []string, ids ...string) string {
	n := 0
	for i, c := range collections {
		n += len(c) + len(ids[i]) + 2
	}
	var b strings.Builder
	b.Grow(n) // one allocation: names are made for every row read
	for i, c := range collections {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(c)
		b.WriteByte('/')
		b.WriteString(ids[i])
	}
	return b.String()
}

// Pattern describes the shape of a name, e.g. "organisations/{organisation}".
func Pattern(collections ...string) string {
	var b strings.Builder
	for i, c := range collections {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(c)
		b.WriteString("/{")
		b.WriteString(strings.TrimSuffix(c, "s"))
		b.WriteByte('}')
	}
	return b.String()
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewID returns a random valid id of 20 characters (about 103 bits), for
// resources whose creator did not choose one.
func NewID() string {
	var raw [20]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24+).
	id := make([]byte, len(raw))
	id[0] = idAlphabet[int(raw[0])%26]
	for i := 1; i < len(raw); i++ {
		id[i] = idAlphabet[int(raw[i])%len(idAlphabet)]
	}
	return string(id)
}

package listing

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// pageToken is what a page token holds before encoding: the sort values of
// the last row returned (then its id), and the fingerprint of the request.
type pageToken struct {
	After       []any  `json:"a"`
	Fingerprint string `json:"f"`
}

var errBadToken = errors.New("not a page token returned by this List call")

func (p *Plan[T]) encodeToken(last T) string {
	t := pageToken{Fingerprint: p.fingerprint}
	for _, sf := range p.sortFields {
		t.After = append(t.After, sf.field.Key(last))
	}
	t.After = append(t.After, p.schema.ID(last))
	raw, _ := json.Marshal(t) // strings, int64s and a string: always marshals
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeToken checks the token against the plan's request and returns the
// values to resume after, typed as the columns expect.
func (p *Plan[T]) decodeToken(s string) ([]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadToken
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var t pageToken
	if err := dec.Decode(&t); err != nil || dec.More() {
		return nil, errBadToken
	}
	if t.Fingerprint != p.fingerprint {
		return nil, fmt.Errorf("was made for a different filter, order_by or scope; start again without page_token")
	}
	if len(t.After) != len(p.sortFields)+1 {
		return nil, errBadToken
	}
	out := make([]any, len(t.After))
	for i, v := range t.After {
		kind := String // the trailing id
		if i < len(p.sortFields) {
			kind = p.sortFields[i].field.Kind
		}
		switch kind {
		case String:
			s, ok := v.(string)
			if !ok {
				return nil, errBadToken
			}
			out[i] = s
		default:
			n, ok := v.(json.Number)
			if !ok {
				return nil, errBadToken
			}
			i64, err := n.Int64()
			if err != nil {
				return nil, errBadToken
			}
			out[i] = i64
		}
	}
	return out, nil
}

package jwt

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
)

// Claims are the registered claims Golden Thread relies on, plus email so
// that a person can be matched to an account without a second lookup.
// Other claims in a token are ignored rather than rejected, because issuers
// add many that this service has no use for.
type Claims struct {
	// Subject (sub) identifies the principal; always set on verified claims.
	Subject string
	// Issuer (iss) is who minted the token; on verified claims it equals the
	// verifier's configured issuer.
	Issuer string
	// Audience (aud) lists the services the token is meant for. A token may
	// carry it as a single string or an array; both arrive here as a slice.
	Audience []string
	// ExpiresAt (exp) is when the token stops being valid; always set on
	// verified claims.
	ExpiresAt time.Time
	// NotBefore (nbf) is when the token starts being valid; zero if absent.
	NotBefore time.Time
	// IssuedAt (iat) is when the token was minted; zero if absent. It is
	// reported, not checked.
	IssuedAt time.Time
	// Email is the optional email claim; empty if absent.
	Email string
}

// maxNumericDate bounds NumericDate values to the year 9999 so that
// conversion to time.Time cannot overflow.
const maxNumericDate = 253402300799

// numericDate is a JWT NumericDate: seconds since the epoch, possibly with a
// fractional part (RFC 7519 §2).
type numericDate struct {
	t     time.Time
	valid bool
}

var errBadNumericDate = errors.New("not a NumericDate")

func (d *numericDate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) == 0 || !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return errBadNumericDate
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return errBadNumericDate
	}
	sec, frac := math.Modf(f)
	d.t = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	d.valid = true
	return nil
}

func (d numericDate) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, d.t.Unix(), 10), nil
}

// audience is aud, which RFC 7519 §4.1.3 allows as a string or an array of
// strings. It marshals a single value as a plain string, the common form.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*a = list
	return nil
}

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// wireClaims is the JSON form of Claims.
type wireClaims struct {
	Issuer    string       `json:"iss,omitempty"`
	Subject   string       `json:"sub,omitempty"`
	Audience  audience     `json:"aud,omitempty"`
	ExpiresAt *numericDate `json:"exp,omitempty"`
	NotBefore *numericDate `json:"nbf,omitempty"`
	IssuedAt  *numericDate `json:"iat,omitempty"`
	Email     string       `json:"email,omitempty"`
}

// parseClaims decodes a claims set. It requires a JSON object so that a
// payload of "null" or "[]" cannot pass as an empty claims set.
func parseClaims(payload []byte) (*Claims, error) {
	if p := bytes.TrimSpace(payload); len(p) == 0 || p[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var w wireClaims
	if err := json.Unmarshal(payload, &w); err != nil {
		return nil, err
	}
	c := &Claims{
		Subject:  w.Subject,
		Issuer:   w.Issuer,
		Audience: []string(w.Audience),
		Email:    w.Email,
	}
	if w.ExpiresAt != nil && w.ExpiresAt.valid {
		c.ExpiresAt = w.ExpiresAt.t
	}
	if w.NotBefore != nil && w.NotBefore.valid {
		c.NotBefore = w.NotBefore.t
	}
	if w.IssuedAt != nil && w.IssuedAt.valid {
		c.IssuedAt = w.IssuedAt.t
	}
	return c, nil
}

// marshalClaims encodes c; zero times and empty strings are omitted.
func marshalClaims(c Claims) ([]byte, error) {
	w := wireClaims{
		Issuer:   c.Issuer,
		Subject:  c.Subject,
		Audience: audience(c.Audience),
		Email:    c.Email,
	}
	date := func(t time.Time) *numericDate {
		if t.IsZero() {
			return nil
		}
		return &numericDate{t: t, valid: true}
	}
	w.ExpiresAt, w.NotBefore, w.IssuedAt = date(c.ExpiresAt), date(c.NotBefore), date(c.IssuedAt)
	return json.Marshal(w)
}

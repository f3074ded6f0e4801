package resourcename

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ids, err := Parse("organisations/north-council/teams/t1", "organisations", "teams")
	if err != nil || len(ids) != 2 || ids[0] != "north-council" || ids[1] != "t1" {
		t.Fatalf("Parse = %v, %v", ids, err)
	}
	for _, bad := range []string{
		"", "organisations", "organisations/", "organisations/North", "organisations/1abc",
		"organisations/abc-", "teams/abc", "organisations/abc/extra", "organisations/a_b",
		"organisations/" + strings.Repeat("a", 64), "organisations//",
	} {
		if _, err := Parse(bad, "organisations"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestNewIDIsValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !ValidID(id) || seen[id] {
			t.Fatalf("NewID() = %q (valid %v, repeated %v)", id, ValidID(id), seen[id])
		}
		seen[id] = true
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"organisations/a", "organisations/a/teams/b", "x/y/z", "organisations/-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ids, err := Parse(name, "organisations", "teams")
		if err != nil {
			return
		}
		for _, id := range ids {
			if !ValidID(id) {
				t.Fatalf("Parse(%q) accepted invalid id %q", name, id)
			}
		}
		if got := Format([]string{"organisations", "teams"}, ids...); got != name {
			t.Fatalf("Format(Parse(%q)) = %q", name, got)
		}
	})
}

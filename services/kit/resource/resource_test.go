package resource

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
)

func TestMaskPaths(t *testing.T) {
	updatable := []string{"a", "b"}
	for _, tc := range []struct {
		in, want []string
		code     codes.Code
	}{
		{nil, updatable, codes.OK},
		{[]string{"*"}, updatable, codes.OK},
		{[]string{"b"}, []string{"b"}, codes.OK},
		{[]string{"etag", "create_time", "derived", "a"}, []string{"a"}, codes.OK},
		{[]string{"etag"}, []string{}, codes.OK},
		{[]string{"a", "c"}, nil, codes.InvalidArgument},
	} {
		got, err := MaskPaths(tc.in, updatable, []string{"derived"})
		if status.Code(err) != tc.code || !slices.Equal(got, tc.want) {
			t.Errorf("MaskPaths(%v) = %v, %v", tc.in, got, err)
		}
	}
}

func TestDeleteTransitions(t *testing.T) {
	for _, tc := range []struct {
		is, want bool
		code     codes.Code
	}{{false, true, codes.OK}, {true, true, codes.NotFound}, {true, false, codes.OK}, {false, false, codes.AlreadyExists}} {
		if got := status.Code(CheckDeleteTransition("x/y", tc.is, tc.want)); got != tc.code {
			t.Errorf("deleted=%v want deleted=%v: %v, want %v", tc.is, tc.want, got, tc.code)
		}
	}
}

func TestNameField(t *testing.T) {
	required := NameField[struct{}]("owner_team", "teams", "owner_team_id", "team", false)
	optional := NameField[struct{}]("parent", "elements", "parent_id", "id", true)
	if want := "('organisations/' || organisation_id || '/teams/' || owner_team_id)"; required.Column != want {
		t.Errorf("required column %s, want %s", required.Column, want)
	}
	if want := "(CASE WHEN parent_id = '' THEN '' ELSE 'organisations/' || organisation_id || '/elements/' || parent_id END)"; optional.Column != want {
		t.Errorf("optional column %s, want %s", optional.Column, want)
	}
	for _, tc := range []struct {
		f       func(string) (any, error)
		in, err string
	}{
		{required.Parse, "organisations/o/teams/t", ""},
		{required.Parse, "", "want organisations/{organisation}/teams/{team}"},
		{required.Parse, "organisations/o/people/p", "want organisations/{organisation}/teams/{team}"},
		{optional.Parse, "", ""},
		{optional.Parse, "organisations/o/elements/e", ""},
		{optional.Parse, "elements/e", `want organisations/{organisation}/elements/{id} or ""`},
	} {
		v, err := tc.f(tc.in)
		switch {
		case tc.err == "" && (err != nil || v != tc.in):
			t.Errorf("Parse(%q) = %v, %v", tc.in, v, err)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("Parse(%q) error %v, want %s", tc.in, err, tc.err)
		}
	}
}

func TestIn(t *testing.T) {
	cond, args := In("id", []string{"a", "b", "c"})
	if cond != "id IN (?, ?, ?)" || !slices.Equal(args, []any{"a", "b", "c"}) {
		t.Errorf("In = %q, %v", cond, args)
	}
}

// TestWith: the next version of a record keeps its ids and revision,
// holds the new message, and leaves the current one as it was.
func TestWith(t *testing.T) {
	type record struct {
		Stored[*historypb.Revision]
		id string
	}
	current := &record{Stored: Stored[*historypb.Revision]{Msg: &historypb.Revision{Name: "a"}, Rev: 7}, id: "x"}
	next := With(current, &historypb.Revision{Name: "b"})
	if next.id != "x" || *next.Revision() != 7 || next.Message().GetName() != "b" {
		t.Errorf("next = %+v", next)
	}
	if current.Msg.GetName() != "a" || next == current {
		t.Errorf("current changed: %+v", current)
	}
}

// TestFixedFields: what a resource's proto marks OUTPUT_ONLY or IMMUTABLE
// an update_mask may name, and an update leaves alone, for every resource
// by the same rule (AIP-203).
func TestFixedFields(t *testing.T) {
	for _, tc := range []struct {
		m          proto.Message
		fixed, not []string
	}{
		{&planningpb.Element{}, []string{"level", "health", "predecessor", "latest_check_in"}, []string{"title", "parent"}},
		{&planningpb.Cycle{}, []string{"state", "close_time", "outcomes", "predecessor"}, []string{"display_name"}},
		{&kpispb.Kpi{}, []string{"status", "target_history", "closure"}, []string{"targets", "title"}},
		{&kpispb.Measurement{}, []string{"period_end", "history"}, []string{"value", "note"}},
	} {
		got := fixed(tc.m.ProtoReflect().Descriptor())
		for _, f := range tc.fixed {
			if !slices.Contains(got, f) {
				t.Errorf("%T: %s is not fixed (%v)", tc.m, f, got)
			}
		}
		for _, f := range tc.not {
			if slices.Contains(got, f) {
				t.Errorf("%T: %s is fixed", tc.m, f)
			}
		}
		paths, err := MaskPaths(append([]string{tc.not[0]}, tc.fixed...), tc.not, got)
		if err != nil || !slices.Equal(paths, tc.not[:1]) {
			t.Errorf("%T: MaskPaths = %v, %v; want only %s", tc.m, paths, err, tc.not[0])
		}
	}
}

// TestShapeFromProto: a Type's names and updatable fields are what the
// resource's proto declares (google.api.resource, field_behavior), so the
// services keep no lists of their own to drift from the API.
func TestShapeFromProto(t *testing.T) {
	type cycle struct{ Stored[*planningpb.Cycle] }
	typ := Type[*cycle]{}
	if got := typ.Name("o", "c"); got != "organisations/o/cycles/c" {
		t.Errorf("Name = %q", got)
	}
	if ids, err := typ.Parse("cycle.name", "organisations/o/cycles/c"); err != nil || !slices.Equal(ids, []string{"o", "c"}) {
		t.Errorf("Parse = %v, %v", ids, err)
	}
	if _, err := typ.Parse("cycle.name", "organisations/o/elements/c"); err == nil {
		t.Error("Parse accepted an element's name")
	}
	if got, want := typ.Updatable(), []string{"display_name", "start_date", "end_date"}; !slices.Equal(got, want) {
		t.Errorf("Updatable = %v, want %v (neither IDENTIFIER, OUTPUT_ONLY, IMMUTABLE nor the etag)", got, want)
	}
	if got := NameOf[*kpispb.Measurement]("o", "k", "m"); got != "organisations/o/kpis/k/measurements/m" {
		t.Errorf("NameOf = %q", got)
	}
	// A singleton (AIP-156): one per organisation, named after it.
	if got := NameOf[*planningpb.Publication]("o"); got != "organisations/o/publication" {
		t.Errorf("NameOf singleton = %q", got)
	}
	if ids, err := ParseNameOf[*planningpb.Publication]("name", "organisations/o/publication"); err != nil || !slices.Equal(ids, []string{"o"}) {
		t.Errorf("ParseNameOf singleton = %v, %v", ids, err)
	}
	if _, err := ParseNameOf[*planningpb.Publication]("name", "organisations/o"); err == nil ||
		!strings.Contains(err.Error(), "must be organisations/{organisation}/publication") {
		t.Errorf("ParseNameOf of the organisation's name = %v", err)
	}
	// A Type of one pattern of several says which.
	comments := Type[*cycle]{Collections: []string{"organisations", "kpis", "comments"}}
	if got := comments.Name("o", "k", "c"); got != "organisations/o/kpis/k/comments/c" {
		t.Errorf("Name with Collections = %q", got)
	}
	for pattern, want := range map[string][]string{
		"organisations/{organisation}":                    {"organisations"},
		"organisations/{organisation}/teams/{team}":       {"organisations", "teams"},
		"organisations/{organisation}/publication":        {"organisations"},
		"organisations/{organisation}/linkRequests/{l_r}": {"organisations", "linkRequests"},
	} {
		if got := patternCollections(pattern); !slices.Equal(got, want) {
			t.Errorf("patternCollections(%q) = %v, want %v", pattern, got, want)
		}
	}
}

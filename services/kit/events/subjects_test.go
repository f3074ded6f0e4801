package events

import "testing"

func TestSubjects(t *testing.T) {
	s := Subject{Prefix: "gt", Service: "teams", Version: Version, Org: "north", Resource: "team", Change: "created"}
	if got := s.String(); got != "gt.teams.v1.north.team.created" {
		t.Fatalf("String = %q", got)
	}
	if got, err := ParseSubject("gt", s.String()); err != nil || got != s {
		t.Errorf("ParseSubject(%q) = %+v, %v", s.String(), got, err)
	}
	for _, bad := range []string{"gt.teams.v1.north.team", "other.teams.v1.north.team.created", "gt.teams.v1..team.created",
		"gt.teams.v1.north.team.created.extra", "gt"} {
		if _, err := ParseSubject("gt", bad); err == nil {
			t.Errorf("ParseSubject(%q) took it", bad)
		}
	}
	if got := OrganisationEvents("gt", "north"); got != "gt.*.v1.north.>" {
		t.Errorf("OrganisationEvents = %q", got)
	}
}

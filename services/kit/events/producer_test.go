package events

import "testing"

func TestCheckProducer(t *testing.T) {
	for _, c := range []struct {
		prefix, subject, source, typ string
		ok                           bool
	}{
		{"goldenthread", "goldenthread.organisations.v1.north.organisation.deleted", "//goldenthread/organisations", "goldenthread.organisations.v1.OrganisationDeleted", true},
		{"t1.x", "t1.x.kpis.v1.north.kpi.status_changed", "//goldenthread/kpis", "goldenthread.kpis.v1.KpiStatusChanged", true},
		// Another service's source or type on a service's subject.
		{"goldenthread", "goldenthread.teams.v1.north.organisation.deleted", "//goldenthread/organisations", "goldenthread.organisations.v1.OrganisationDeleted", false},
		{"goldenthread", "goldenthread.teams.v1.north.organisation.deleted", "//goldenthread/teams", "goldenthread.organisations.v1.OrganisationDeleted", false},
		{"goldenthread", "goldenthread.teams.v1.north.team.deleted", "//goldenthread/organisations", "goldenthread.teams.v1.TeamDeleted", false},
		// A type of another version, or a look-alike package.
		{"goldenthread", "goldenthread.teams.v1.north.team.deleted", "//goldenthread/teams", "goldenthread.teams.v2.TeamDeleted", false},
		{"goldenthread", "goldenthread.teams.v1.north.team.deleted", "//goldenthread/teams", "goldenthread.teamsx.v1.TeamDeleted", false},
		// Subjects that name no producer under the prefix.
		{"goldenthread", "other.teams.v1.north.team.deleted", "//goldenthread/teams", "goldenthread.teams.v1.TeamDeleted", false},
		{"goldenthread", "goldenthread.teams", "//goldenthread/teams", "goldenthread.teams.v1.TeamDeleted", false},
		{"goldenthread", "goldenthreadx.teams.v1.north.team.deleted", "//goldenthread/teams", "goldenthread.teams.v1.TeamDeleted", false},
		{"", "teams.v1.north.team.deleted", "//goldenthread/teams", "goldenthread.teams.v1.TeamDeleted", false},
	} {
		err := checkProducer(c.prefix, Event{NATSSubject: c.subject, Source: c.source, Type: c.typ})
		if (err == nil) != c.ok {
			t.Errorf("prefix %q, %s from %s of type %s: %v, want ok=%v", c.prefix, c.subject, c.source, c.typ, err, c.ok)
		}
	}
}

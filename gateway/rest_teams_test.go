package gateway_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRESTPeopleTeamsMembers drives every people, teams and members method
// through the gateway, as a web client would.
func TestRESTPeopleTeamsMembers(t *testing.T) {
	srv, _ := startAll(t)
	do(t, srv, "POST", "/v1/organisations?organisation_id=agency", `{"display_name":"Agency","kind":"KIND_AGENCY"}`).want(t, 200, "")

	// People.
	for _, p := range []string{"ana", "ben"} {
		do(t, srv, "POST", "/v1/organisations/agency/people?person_id="+p,
			`{"display_name":"`+p+`","email":"`+p+`@agency.example","job_title":"Director"}`).want(t, 200, `"email":"`+p+`@agency.example"`)
	}
	do(t, srv, "POST", "/v1/organisations/agency/people", `{"display_name":"Dup","email":"ANA@agency.example"}`).want(t, 409, "person.email")
	do(t, srv, "POST", "/v1/organisations/agency/people", `{"display_name":"x","email":"not-an-email"}`).want(t, 400, "person.email")
	do(t, srv, "GET", "/v1/organisations/agency/people/ana", "").want(t, 200, "Director")
	do(t, srv, "GET", "/v1/organisations/agency/people?filter="+url.QueryEscape(`email:"ben@"`), "").want(t, 200, "organisations/agency/people/ben")
	do(t, srv, "PATCH", "/v1/organisations/agency/people/ben", `{"job_title":"Chief Executive"}`).want(t, 200, "Chief Executive")

	// Teams: a national team, a regional one under it, two provincial groups.
	team := func(id, parent string) {
		body := `{"display_name":"` + id + `","kind":"KIND_LEADERSHIP","purpose":"Lead"`
		if parent != "" {
			body += `,"parent_team":"organisations/agency/teams/` + parent + `"`
		}
		do(t, srv, "POST", "/v1/organisations/agency/teams?team_id="+id, body+"}").want(t, 200, "organisations/agency/teams/"+id)
	}
	team("national", "")
	team("regional", "national")
	team("north", "regional")
	team("south", "regional")
	do(t, srv, "GET", "/v1/organisations/agency/teams/north", "").want(t, 200, `"parent_team":"organisations/agency/teams/regional"`)
	do(t, srv, "GET", "/v1/organisations/agency/teams?filter="+url.QueryEscape(`parent_team = "organisations/agency/teams/regional"`), "").
		want(t, 200, "organisations/agency/teams/south")
	anc := do(t, srv, "GET", "/v1/organisations/agency/teams/south:ancestors", "").want(t, 200, "")
	if i, j := strings.Index(anc.raw, "teams/regional"), strings.Index(anc.raw, "teams/national"); i < 0 || j < i {
		t.Errorf("ancestors not nearest first: %s", anc.raw)
	}
	do(t, srv, "GET", "/v1/organisations/agency/teams/national:subtree", "").want(t, 200, `"children":[`)
	do(t, srv, "PATCH", "/v1/organisations/agency/teams/national", `{"parent_team":"organisations/agency/teams/south"}`).want(t, 400, "team.parent_team")
	do(t, srv, "PATCH", "/v1/organisations/agency/teams/south", `{"terms_of_reference":"Meets monthly."}`).want(t, 200, "Meets monthly.")

	// Members.
	do(t, srv, "POST", "/v1/organisations/agency/teams/national/members?member_id=ana-lead",
		`{"person":"organisations/agency/people/ana","role":"ROLE_LEAD","start_date":{"year":2018,"month":1,"day":8}}`).want(t, 200, `"role":"ROLE_LEAD"`)
	do(t, srv, "POST", "/v1/organisations/agency/teams/north/members",
		`{"person":"organisations/agency/people/ana","role":"ROLE_SPONSOR"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/agency/teams/north/members",
		`{"person":"organisations/agency/people/ben","role":"ROLE_MEMBER"}`).want(t, 200, "")
	do(t, srv, "GET", "/v1/organisations/agency/teams/national/members/ana-lead", "").want(t, 200, `"day":8`)
	mine := do(t, srv, "GET", "/v1/organisations/agency/teams/-/members?filter="+url.QueryEscape(`person = "organisations/agency/people/ana"`), "").want(t, 200, "")
	if strings.Count(mine.raw, `"person":"organisations/agency/people/ana"`) != 2 {
		t.Errorf("ana's teams: %s", mine.raw)
	}
	do(t, srv, "PATCH", "/v1/organisations/agency/teams/national/members/ana-lead", `{"role":"ROLE_SPONSOR"}`).want(t, 200, "ROLE_SPONSOR")
	do(t, srv, "DELETE", "/v1/organisations/agency/teams/national/members/ana-lead", "").want(t, 200, `"end_date"`)
	do(t, srv, "GET", "/v1/organisations/agency/teams/national/members", "").want(t, 200, "{}")

	// Deleting a person ends their memberships; people come back with undelete.
	do(t, srv, "DELETE", "/v1/organisations/agency/people/ben", "").want(t, 200, "delete_time")
	waitFor(t, func() bool {
		return !strings.Contains(do(t, srv, "GET", "/v1/organisations/agency/teams/north/members", "").raw, "people/ben")
	}, "ben's membership did not end")
	do(t, srv, "POST", "/v1/organisations/agency/people/ben:undelete", `{}`).want(t, 200, "")

	// Deleting the organisation takes its teams; undeleting brings them back.
	do(t, srv, "DELETE", "/v1/organisations/agency/teams/south", "").want(t, 200, "delete_time")
	do(t, srv, "POST", "/v1/organisations/agency/teams/south:undelete", `{}`).want(t, 200, "")
	do(t, srv, "DELETE", "/v1/organisations/agency", "").want(t, 200, "")
	waitFor(t, func() bool { return do(t, srv, "GET", "/v1/organisations/agency/teams", "").raw == "{}" }, "teams still listed")
	do(t, srv, "POST", "/v1/organisations/agency:undelete", `{}`).want(t, 200, "")
	waitFor(t, func() bool {
		return strings.Count(do(t, srv, "GET", "/v1/organisations/agency/teams", "").raw, `"name"`) == 4
	}, "teams not back")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

package gateway_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestWork: over REST, at fixed moments, a person's work lists exactly what
// their team owes and what mentions them — a weekly check-in once late, a
// comment that mentions them while recent, their team's KPI once its next
// value is within a week — for them (people/-) and their colleagues, never
// for another organisation.
func TestWork(t *testing.T) {
	b, gw, f := startFixture(t)
	const org = "organisations/org-a"
	admin := &api{Server: gw.Server, token: b.admin}
	el := f.element(false) // owned by team t, the contributor's
	do(t, admin, "PATCH", "/v1/"+el+"?update_mask=check_in_frequency", `{"check_in_frequency":"CHECK_IN_FREQUENCY_WEEKLY"}`).want(t, 200, "")
	kpi := do(t, admin, "POST", "/v1/"+org+"/kpis", `{"title":"Calls answered","unit":"UNIT_COUNT","direction":"DIRECTION_HIGHER_IS_BETTER",
		"frequency":"FREQUENCY_MONTHLY","element":"`+el+`","owner_team":"`+org+`/teams/t",
		"targets":[{"period_end":{"year":2030,"month":12,"day":31},"value":10}],
		"thresholds":{"kind":"KIND_ABSOLUTE","green_within":1,"amber_within":2}}`).want(t, 200, "").str("name")
	now := time.Now().UTC()
	lastMonth := time.Date(now.Year(), now.Month(), 0, 0, 0, 0, 0, time.UTC)
	do(t, admin, "POST", "/v1/"+kpi+"/measurements", fmt.Sprintf(`{"period_end":{"year":%d,"month":%d,"day":%d},"value":9}`,
		lastMonth.Year(), lastMonth.Month(), lastMonth.Day())).want(t, 200, "")
	// Its next value (this month's) may come until the 10th of next month.
	valueDue := time.Date(now.Year(), now.Month()+1, 0, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 10)
	comment := do(t, admin, "POST", "/v1/"+el+"/comments", `{"text":"@contributor how are the calls?"}`).want(t, 200, "").str("name")

	work := func(as *api, person string, at time.Time) []string {
		t.Helper()
		r := do(t, as, "GET", "/v1/"+org+"/people/"+person+":work?at="+url.QueryEscape(at.Format(time.RFC3339)), "").want(t, 200, "")
		var out []string
		items, _ := r.body["items"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			late := ""
			if m["late"] == true {
				late = " late"
			}
			out = append(out, fmt.Sprintf("%s %s%s", m["kind"], m["resource"], late))
		}
		return out
	}
	contributor := &api{Server: gw.Server, token: b.auth.Token(t, "contributor")}
	// Earliest first: the mention (now), then the check-in (due in 7 days).
	want := fmt.Sprintf("[KIND_MENTION %s KIND_CHECK_IN %s late]", comment, el)
	if got := work(contributor, "-", now.Add(8*24*time.Hour)); fmt.Sprint(got) != want {
		t.Errorf("the contributor's own work in 8 days:\n got %v\nwant %s", got, want)
	}
	if got := work(admin, "contributor", now.Add(8*24*time.Hour)); fmt.Sprint(got) != want {
		t.Errorf("the contributor's work, as the admin sees it: %v", got)
	}
	// Three days before the value is due: the KPI too; the mention is old.
	want = fmt.Sprintf("[KIND_CHECK_IN %s late KIND_KPI_VALUE %s]", el, kpi)
	if got := work(admin, "contributor", valueDue.AddDate(0, 0, -3)); fmt.Sprint(got) != want {
		t.Errorf("the contributor's work three days before the value is due:\n got %v\nwant %s", got, want)
	}
	// The planner belongs to no team: nothing is theirs.
	if got := work(admin, "planner", now); len(got) != 0 {
		t.Errorf("the planner's work: %v", got)
	}
	// A comment on the team's KPI that mentions them is theirs too, with
	// the KPI's title; a comment on a KPI there is not is refused.
	onKpi := do(t, admin, "POST", "/v1/"+kpi+"/comments", `{"text":"@contributor is October's value in?"}`).want(t, 200, "").str("name")
	raw := compact(t, do(t, contributor, "GET", "/v1/"+org+"/people/-:work", "").want(t, 200, "").raw)
	if !strings.Contains(raw, `"resource":"`+onKpi+`","title":"Calls answered"`) {
		t.Errorf("the KPI comment's mention is not in the work: %s", raw)
	}
	do(t, admin, "POST", "/v1/"+org+"/kpis/ghost/comments", `{"text":"hello"}`).want(t, 400, "parent")

	// Another organisation's admin finds no such person.
	other := &api{Server: gw.Server, token: b.auth.Token(t, "admin-b")}
	do(t, other, "GET", "/v1/"+org+"/people/contributor:work", "").want(t, 404, "")
	do(t, admin, "GET", "/v1/"+org+"/people/-:work", "").want(t, 400, "name")
}

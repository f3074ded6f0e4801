package gateway_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

// TestCycles: over REST, a planner makes the cycle "2018 H1"; an element
// joins it, and the tree of the cycle is that element and what is under
// it; closing it (planners only) freezes how its elements ended, KPI
// statuses with them, which the cycle's tree shows after a later rename;
// a closed cycle takes no element and no change; bad dates are a 400
// naming the field; another organisation sees none of it.
func TestCycles(t *testing.T) {
	onEachStore(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		b, gw, f := startFixtureOn(t, newDSN)
		const org = "organisations/org-a"
		as := func(subject string) *api { return &api{Server: gw.Server, token: b.auth.Token(t, subject)} }
		planner := as("planner")
		do(t, planner, "POST", "/v1/"+org+"/cycles?cycle_id=h1-2018", `{"display_name":"2018 H1","start_date":{"year":2018,"month":1,"day":1},
		"end_date":{"year":2018,"month":6,"day":30}}`).want(t, 200, "STATE_OPEN")
		do(t, planner, "POST", "/v1/"+org+"/cycles", `{"display_name":"Backwards","start_date":{"year":2018,"month":7,"day":1},
		"end_date":{"year":2018,"month":6,"day":30}}`).want(t, 400, "cycle.end_date")
		const cycle = org + "/cycles/h1-2018"
		goal, done, other := f.element(false), f.element(false), f.element(false)
		do(t, planner, "PATCH", "/v1/"+goal+"?update_mask=cycle", `{"cycle":"`+cycle+`"}`).want(t, 200, cycle)
		do(t, planner, "PATCH", "/v1/"+done+"?update_mask=cycle,status", `{"cycle":"`+cycle+`","status":"STATUS_DONE"}`).want(t, 200, cycle)
		kpi := do(t, planner, "POST", "/v1/"+org+"/kpis", `{"title":"Turnout","unit":"UNIT_PERCENT","direction":"DIRECTION_HIGHER_IS_BETTER",
		"frequency":"FREQUENCY_MONTHLY","element":"`+goal+`","owner_team":"`+org+`/teams/t",
		"targets":[{"period_end":{"year":2030,"month":12,"day":31},"value":90}],"thresholds":{"kind":"KIND_ABSOLUTE","green_within":1,"amber_within":5}}`).
			want(t, 200, "").str("name")
		lastMonth := time.Date(time.Now().Year(), time.Now().Month(), 0, 0, 0, 0, 0, time.UTC)
		do(t, planner, "POST", "/v1/"+kpi+"/measurements", fmt.Sprintf(`{"period_end":{"year":%d,"month":%d,"day":%d},"value":95}`,
			lastMonth.Year(), lastMonth.Month(), lastMonth.Day())).want(t, 200, "")
		apitest.Eventually(t, 5*time.Second, "the KPI's status reaching the plan", func() bool {
			return do(t, planner, "GET", "/v1/"+goal, "").str("kpi_health") == "HEALTH_ON_TRACK"
		})

		roots := func() string {
			r := do(t, as("viewer"), "GET", "/v1/"+org+"/elements:tree?cycle="+cycle, "").want(t, 200, "")
			var out []string
			list, _ := r.body["roots"].([]any)
			for _, n := range list {
				el := n.(map[string]any)["element"].(map[string]any)
				out = append(out, el["name"].(string)+" "+el["title"].(string))
			}
			return strings.Join(out, ", ")
		}
		if got := roots(); got != goal+" v, "+done+" v" {
			t.Errorf("the open cycle's tree: %s, want only %s and %s", got, goal, done)
		}

		const h2 = `{"next_cycle_id":"h2-2018","next_cycle":{"display_name":"2018 H2","start_date":{"year":2018,"month":7,"day":1},"end_date":{"year":2018,"month":12,"day":31}}}`
		do(t, planner, "POST", "/v1/"+cycle+":carryForward", h2).want(t, 400, "close it")
		do(t, as("contributor"), "POST", "/v1/"+cycle+":close", `{}`).want(t, 403, "")
		closed := do(t, planner, "POST", "/v1/"+cycle+":close", `{}`).want(t, 200, "STATE_CLOSED")
		outcomes, _ := closed.body["outcomes"].([]any)
		if len(outcomes) != 2 || !strings.Contains(jsonOf(t, outcomes), `"kpi_statuses":{"`+kpi+`":"KPI_STATUS_GREEN"}`) {
			t.Errorf("outcomes at the close: %s, want the element with its KPI's status", jsonOf(t, outcomes))
		}
		do(t, planner, "PATCH", "/v1/"+goal+"?update_mask=title", `{"title":"Renamed after the close"}`).want(t, 200, "")
		if got := roots(); got != goal+" v, "+done+" v" {
			t.Errorf("the closed cycle's tree after a rename: %s, want it as it ended", got)
		}

		// Carried forward: the unfinished goal, renamed since, with its KPI and
		// none of its values; the done one stays behind. A retry copies
		// nothing twice.
		carried := do(t, planner, "POST", "/v1/"+cycle+":carryForward", h2).want(t, 200, "")
		again := do(t, planner, "POST", "/v1/"+cycle+":carryForward", h2).want(t, 200, "")
		els, _ := carried.body["elements"].([]any)
		if len(els) != 1 || compact(t, carried.raw) != compact(t, again.raw) {
			t.Fatalf("carried forward: %s\nagain: %s", carried.raw, again.raw)
		}
		copied := els[0].(map[string]any)
		next := carried.body["cycle"].(map[string]any)
		if copied["predecessor"] != goal || copied["cycle"] != org+"/cycles/h2-2018" || copied["title"] != "Renamed after the close" ||
			next["predecessor"] != cycle || next["state"] != "STATE_OPEN" {
			t.Errorf("the copy %v in %v", copied, next)
		}
		kpis := do(t, as("viewer"), "GET", "/v1/"+org+"/kpis?filter="+url.QueryEscape(`element = "`+copied["name"].(string)+`"`), "").want(t, 200, "Turnout")
		if list := kpis.body["kpis"].([]any); len(list) != 1 || list[0].(map[string]any)["latest_period_end"] != nil ||
			list[0].(map[string]any)["status"] != "KPI_STATUS_NO_DATA" {
			t.Errorf("the copy's KPIs: %s, want Turnout without values", kpis.raw)
		}
		do(t, planner, "POST", "/v1/"+cycle+":carryForward", strings.Replace(h2, "h2-2018", "other", 1)).want(t, 200, "")
		do(t, planner, "POST", "/v1/"+org+"/cycles/h2-2018:carryForward", strings.Replace(h2, "h2-2018", "h1-2018", 1)).want(t, 400, "close it")
		do(t, planner, "PATCH", "/v1/"+other+"?update_mask=cycle", `{"cycle":"`+cycle+`"}`).want(t, 400, "is closed")
		do(t, planner, "PATCH", "/v1/"+cycle+"?update_mask=display_name", `{"display_name":"Again"}`).want(t, 400, "is closed")
		do(t, planner, "POST", "/v1/"+cycle+":close", `{}`).want(t, 400, "is closed")
		do(t, planner, "PATCH", "/v1/"+other+"?update_mask=cycle", `{"cycle":"`+org+`/cycles/nope"}`).want(t, 400, "element.cycle")

		do(t, as("admin-b"), "GET", "/v1/"+cycle, "").want(t, 404, "")
		do(t, as("admin-b"), "GET", "/v1/organisations/org-a/elements:tree?cycle="+cycle, "").want(t, 404, "")
		if list := do(t, as("viewer"), "GET", "/v1/"+org+"/cycles", "").want(t, 200, "2018 H1"); len(list.body["cycles"].([]any)) != 3 {
			t.Errorf("cycles: %s", list.raw)
		}
	})
}

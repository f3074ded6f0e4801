package gateway_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRESTKpis drives every KPI and measurement method through the
// gateway, CSV upload and download included, and watches a red value turn
// the measured tactic off track.
func TestRESTKpis(t *testing.T) {
	srv, _ := startAll(t)
	do(t, srv, "POST", "/v1/organisations?organisation_id=agency", `{"display_name":"Agency","kind":"KIND_AGENCY"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/agency/teams?team_id=ops", `{"display_name":"Operations","kind":"KIND_OPERATIONAL"}`).want(t, 200, "")
	parent := ""
	for _, level := range []string{"vision", "mission", "objective", "strategy", "tactic"} {
		body := `{"level":"LEVEL_` + strings.ToUpper(level) + `","title":"` + level + `","owner_team":"organisations/agency/teams/ops",` +
			`"status":"STATUS_ACTIVE","start_date":{"year":2020,"month":1,"day":1},"end_date":{"year":2099,"month":12,"day":31}`
		if level == "objective" {
			body += `,"objective_kind":"OBJECTIVE_KIND_STANDARD_OPERATING"`
		}
		if parent != "" {
			body += `,"parent":"` + parent + `"`
		}
		do(t, srv, "POST", "/v1/organisations/agency/elements?element_id="+level, body+"}").want(t, 200, "")
		parent = "organisations/agency/elements/" + level
	}

	// Periods relative to today, so that the latest value is never overdue.
	month := func(n int) time.Time {
		now := time.Now().UTC()
		return time.Date(now.Year(), now.Month()+time.Month(n)+1, 0, 0, 0, 0, 0, time.UTC)
	}
	date := func(n int) string {
		d := month(n)
		return fmt.Sprintf(`{"year":%d,"month":%d,"day":%d}`, d.Year(), d.Month(), d.Day())
	}
	iso := func(n int) string { return month(n).Format(time.DateOnly) }

	const kpis = "/v1/organisations/agency/kpis"
	kpi := `{"title":"Customer satisfaction","unit":"UNIT_PERCENT","direction":"DIRECTION_HIGHER_IS_BETTER","frequency":"FREQUENCY_MONTHLY",` +
		`"element":"organisations/agency/elements/tactic","owner_team":"organisations/agency/teams/ops",` +
		`"targets":[{"period_end":{"year":2099,"month":12,"day":31},"value":90}],` +
		`"thresholds":{"kind":"KIND_RELATIVE","green_within":0,"amber_within":5}}`
	do(t, srv, "POST", kpis+"?kpi_id=satisfaction", kpi).want(t, 200, `"status":"KPI_STATUS_NO_DATA"`)
	do(t, srv, "POST", kpis+"?kpi_id=copy", kpi).want(t, 200, "")
	do(t, srv, "POST", kpis, strings.Replace(kpi, `"unit":"UNIT_PERCENT",`, "", 1)).want(t, 400, "kpi.unit")
	do(t, srv, "POST", kpis, strings.Replace(kpi, "elements/tactic", "elements/ghost", 1)).want(t, 400, "kpi.element")
	do(t, srv, "GET", kpis+"/satisfaction", "").want(t, 200, "Customer satisfaction")
	do(t, srv, "GET", kpis+"?filter="+url.QueryEscape(`element = "organisations/agency/elements/tactic"`), "").want(t, 200, "kpis/copy")

	// One value by JSON, retried with its request_id; one by CSV upload.
	const ms = kpis + "/satisfaction/measurements"
	first := do(t, srv, "POST", ms+"?request_id=m-2", `{"period_end":`+date(-2)+`,"value":91,"note":"survey"}`).want(t, 200, "")
	do(t, srv, "POST", ms+"?request_id=m-2", `{"period_end":`+date(-2)+`,"value":91,"note":"survey"}`).want(t, 200, first.str("name"))
	do(t, srv, "POST", ms, `{"period_end":`+date(-2)+`,"value":3}`).want(t, 409, "")
	csvHeader := []string{"Content-Type", "text/csv"}
	do(t, srv, "POST", ms+":import", "period_end,value,note\n"+iso(-1)+",92,\"from the spreadsheet, row 2\"\n", csvHeader...).
		want(t, 200, `"count":1`)
	do(t, srv, "GET", kpis+"/satisfaction", "").want(t, 200, `"status":"KPI_STATUS_GREEN"`)

	// A bad file names every bad line and stores nothing.
	before := do(t, srv, "GET", ms, "").raw
	bad := do(t, srv, "POST", ms+":import", "period_end,value\n"+iso(-3)+",88\n2026-02-30,1\n"+iso(-4)+",lots\n", csvHeader...).want(t, 400, "line 3")
	if !strings.Contains(bad.raw, "line 4") || strings.Contains(bad.raw, "line 2") {
		t.Errorf("bad lines: %s", bad.raw)
	}
	if after := do(t, srv, "GET", ms, "").raw; after != before {
		t.Errorf("a bad file stored something:\n%s\n%s", before, after)
	}

	// Export, import into another KPI, identical series.
	exported := do(t, srv, "GET", ms+":export", "").want(t, 200, "period_end,value,note,source\n")
	if ct := exported.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("export Content-Type %q", ct)
	}
	// A download, named after the KPI; an error stays a JSON answer to read.
	if cd := exported.header.Get("Content-Disposition"); cd != `attachment; filename="satisfaction.csv"` {
		t.Errorf("export Content-Disposition %q, want an attachment named satisfaction.csv", cd)
	}
	if cd := do(t, srv, "GET", kpis+"/ghost/measurements:export", "").want(t, 404, "").header.Get("Content-Disposition"); cd != "" {
		t.Errorf("a failed export is a download: Content-Disposition %q", cd)
	}
	do(t, srv, "POST", kpis+"/copy/measurements:import", exported.raw, csvHeader...).want(t, 200, `"count":2`)
	if again := do(t, srv, "GET", kpis+"/copy/measurements:export", "").raw; again != exported.raw {
		t.Errorf("round trip:\n%s\n%s", exported.raw, again)
	}

	// A batch across KPIs: this month's value is red, and the thread follows.
	do(t, srv, "POST", kpis+"/-/measurements:batchCreate", `{"requests":[`+
		`{"parent":"organisations/agency/kpis/satisfaction","measurement":{"period_end":`+date(0)+`,"value":60}},`+
		`{"parent":"organisations/agency/kpis/copy","measurement":{"period_end":`+date(0)+`,"value":95}}]}`).want(t, 200, `"value":60`)
	do(t, srv, "POST", kpis+"/-/measurements:batchCreate", `{"requests":[`+
		`{"parent":"organisations/agency/kpis/ghost","measurement":{"period_end":`+date(1)+`,"value":1}}]}`).want(t, 400, "requests[0].parent")
	do(t, srv, "GET", kpis+"/satisfaction", "").want(t, 200, `"status":"KPI_STATUS_RED"`)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(do(t, srv, "GET", "/v1/organisations/agency/elements/vision", "").raw, "HEALTH_OFF_TRACK") {
		if time.Now().After(deadline) {
			t.Fatal("a red KPI did not turn the vision off track")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Listing by time range, with paging.
	m := month(-2)
	page := do(t, srv, "GET", fmt.Sprintf("%s?page_size=1&start_date.year=%d&start_date.month=%d&start_date.day=1", ms, m.Year(), m.Month()), "").
		want(t, 200, iso(-2)[:4])
	if page.str("next_page_token") == "" {
		t.Fatalf("no next page: %s", page.raw)
	}
	do(t, srv, "GET", ms+"?start_date.year=2026&start_date.month=13&start_date.day=1", "").want(t, 400, "start_date")

	// A correction keeps the old value; a deletion is soft.
	corrected := do(t, srv, "PATCH", "/v1/"+first.str("name"), `{"value":89}`).want(t, 200, `"history":[{"value":91`)
	do(t, srv, "PATCH", "/v1/"+first.str("name"), `{"value":80,"etag":"`+first.str("etag")+`"}`).want(t, 409, "etag")
	do(t, srv, "GET", "/v1/"+first.str("name"), "").want(t, 200, corrected.str("etag"))
	do(t, srv, "DELETE", "/v1/"+first.str("name"), "").want(t, 200, "delete_time")
	do(t, srv, "GET", ms+"?show_deleted=true", "").want(t, 200, "delete_time")

	// The KPI itself: a lower target turns it amber; delete and undelete.
	do(t, srv, "PATCH", kpis+"/satisfaction?update_mask=targets", `{"targets":[{"period_end":{"year":2099,"month":12,"day":31},"value":62}]}`).
		want(t, 200, "")
	do(t, srv, "GET", kpis+"/satisfaction", "").want(t, 200, `"status":"KPI_STATUS_AMBER"`)
	do(t, srv, "DELETE", kpis+"/satisfaction", "").want(t, 200, "delete_time")
	do(t, srv, "POST", ms, `{"period_end":`+date(1)+`,"value":70}`).want(t, 404, "")
	do(t, srv, "POST", kpis+"/satisfaction:undelete", "{}").want(t, 200, "")
}

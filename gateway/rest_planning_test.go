package gateway_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestRESTPlanning drives every planning method through the gateway.
func TestRESTPlanning(t *testing.T) {
	srv, _ := startAll(t)
	do(t, srv, "POST", "/v1/organisations?organisation_id=agency", `{"display_name":"Agency","kind":"KIND_AGENCY"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/agency/teams?team_id=national", `{"display_name":"National","kind":"KIND_LEADERSHIP"}`).want(t, 200, "")
	const team = `"owner_team":"organisations/agency/teams/national"`
	horizon := func(from, to string) string {
		f, tt := strings.Split(from, "-"), strings.Split(to, "-")
		return `"start_date":{"year":` + f[0] + `,"month":` + strings.TrimLeft(f[1], "0") + `,"day":` + strings.TrimLeft(f[2], "0") +
			`},"end_date":{"year":` + tt[0] + `,"month":` + strings.TrimLeft(tt[1], "0") + `,"day":` + strings.TrimLeft(tt[2], "0") + `}`
	}
	create := func(id, body string) reply {
		return do(t, srv, "POST", "/v1/organisations/agency/elements?element_id="+id, body)
	}
	create("vision", `{"level":"LEVEL_VISION","title":"A service people trust",`+team+`,`+horizon("2018-01-01", "2030-12-31")+`}`).want(t, 200, `"health":"HEALTH_UNKNOWN"`)
	create("mission", `{"level":"LEVEL_MISSION","title":"Deliver","parent":"organisations/agency/elements/vision",`+team+`,`+horizon("2018-01-01", "2030-12-31")+`}`).want(t, 200, "")
	create("goal", `{"level":"LEVEL_OBJECTIVE","objective_kind":"OBJECTIVE_KIND_THEMATIC_GOAL","title":"Craft Our Culture",`+
		`"parent":"organisations/agency/elements/mission",`+team+`,`+horizon("2018-01-01", "2018-06-30")+`}`).want(t, 200, "")
	create("strategy", `{"level":"LEVEL_STRATEGY","title":"Values","parent":"organisations/agency/elements/goal",`+team+`,`+horizon("2018-01-01", "2018-06-30")+`}`).want(t, 200, "")
	create("tactic", `{"level":"LEVEL_TACTIC","title":"Workshops","parent":"organisations/agency/elements/strategy","progress":50,`+team+`,`+horizon("2018-01-01", "2018-03-31")+`}`).want(t, 200, `"progress":50`)
	create("bad", `{"level":"LEVEL_TACTIC","title":"Too long","parent":"organisations/agency/elements/strategy",`+team+`,`+horizon("2018-01-01", "2019-03-31")+`}`).want(t, 400, "element.start_date")

	do(t, srv, "GET", "/v1/organisations/agency/elements/strategy", "").want(t, 200, `"progress":50`)
	do(t, srv, "GET", "/v1/organisations/agency/elements?filter="+url.QueryEscape("level = LEVEL_TACTIC"), "").want(t, 200, "Workshops")
	do(t, srv, "PATCH", "/v1/organisations/agency/elements/tactic", `{"progress":90,"status":"STATUS_ACTIVE"}`).want(t, 200, `"progress":90`)
	do(t, srv, "GET", "/v1/organisations/agency/elements/goal", "").want(t, 200, `"progress":90`)

	thread := do(t, srv, "GET", "/v1/organisations/agency/elements/tactic:thread", "").want(t, 200, "")
	if strings.Index(thread.raw, "elements/tactic") > strings.Index(thread.raw, "elements/vision") {
		t.Errorf("thread not from the tactic up: %s", thread.raw)
	}
	do(t, srv, "GET", "/v1/organisations/agency/elements:tree", "").want(t, 200, `"children":[`)
	do(t, srv, "GET", "/v1/organisations/agency/elements:tree?root=organisations/agency/elements/goal&statuses=STATUS_ACTIVE", "").want(t, 200, "Workshops")
	do(t, srv, "GET", "/v1/organisations/agency/integrityReport", "").want(t, 200, "KIND_TACTIC_WITHOUT_KPI")

	do(t, srv, "DELETE", "/v1/organisations/agency/elements/goal", "").want(t, 400, "force")
	do(t, srv, "DELETE", "/v1/organisations/agency/elements/goal?force=true", "").want(t, 200, "delete_time")
	do(t, srv, "GET", "/v1/organisations/agency/elements/tactic", "").want(t, 200, "delete_time")
	do(t, srv, "POST", "/v1/organisations/agency/elements/goal:undelete", "{}").want(t, 200, "")
}

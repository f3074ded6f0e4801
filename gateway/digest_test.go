package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

// TestDigest: over REST, an organisation's digest of a period lists the
// check-ins posted, the health changes, the values recorded and the
// elements created and closed in it; a team's lists only what it (and the
// teams under it) owns; a later period lists nothing; bad periods name
// their field; another organisation finds nothing.
func TestDigest(t *testing.T) {
	b, gw, f := startFixture(t)
	const org = "organisations/org-a"
	admin := &api{Server: gw.Server, token: b.admin}
	start := time.Now().Add(-time.Second)
	measured := f.element(false) // team t's
	other := f.team(false)
	closed := do(t, admin, "POST", "/v1/"+org+"/elements", `{"level":"LEVEL_VISION","title":"Another vision","owner_team":"`+other+`",`+
		`"start_date":{"year":2026,"month":1,"day":1},"end_date":{"year":2030,"month":12,"day":31}}`).want(t, 200, "").str("name")
	do(t, admin, "PATCH", "/v1/"+closed+"?update_mask=status", `{"status":"STATUS_DONE"}`).want(t, 200, "")
	do(t, admin, "POST", "/v1/"+measured+"/checkIns", `{"assessment":"HEALTH_AT_RISK","summary":"Slower than we hoped."}`).want(t, 200, "")
	kpi := do(t, admin, "POST", "/v1/"+org+"/kpis", `{"title":"Calls answered","unit":"UNIT_COUNT","direction":"DIRECTION_HIGHER_IS_BETTER",
		"frequency":"FREQUENCY_MONTHLY","element":"`+measured+`","owner_team":"`+org+`/teams/t",
		"targets":[{"period_end":{"year":2030,"month":12,"day":31},"value":10}],
		"thresholds":{"kind":"KIND_ABSOLUTE","green_within":1,"amber_within":2}}`).want(t, 200, "").str("name")
	do(t, admin, "POST", "/v1/"+kpi+"/measurements", `{"period_end":{"year":2026,"month":10,"day":31},"value":2}`).want(t, 200, "")
	apitest.Eventually(t, 20*time.Second, "the red value did not reach the element", func() bool {
		return do(t, admin, "GET", "/v1/"+measured, "").str("health") == "HEALTH_OFF_TRACK"
	})

	digest := func(query string) string {
		t.Helper()
		return compact(t, do(t, admin, "GET", "/v1/"+org+":digest?"+query, "").want(t, 200, "").raw)
	}
	at := func(ts time.Time) string { return url.QueryEscape(ts.Format(time.RFC3339Nano)) }
	all := digest("since=" + at(start))
	for _, want := range []string{`"summary":"Slower than we hoped."`, `"element_title":"v"`, `"new_health":"HEALTH_OFF_TRACK"`,
		`"kpi":"` + kpi + `"`, `"title":"Calls answered"`, `"value":2`, `"name":"` + measured + `"`, `"name":"` + closed + `"`} {
		if !strings.Contains(all, want) {
			t.Errorf("the organisation's digest lacks %s: %s", want, all)
		}
	}
	team := digest("since=" + at(start) + "&team=" + url.QueryEscape(other))
	if !strings.Contains(team, `"closed":[{"name":"`+closed+`"`) || strings.Contains(team, measured) || strings.Contains(team, kpi) {
		t.Errorf("the other team's digest: %s", team)
	}
	if later := digest("since=" + at(time.Now().Add(time.Hour)) + "&until=" + at(time.Now().Add(2*time.Hour))); later != "{}" {
		t.Errorf("a later period's digest: %s", later)
	}
	do(t, admin, "GET", "/v1/"+org+":digest", "").want(t, 400, "since")
	do(t, admin, "GET", "/v1/"+org+":digest?since="+at(start)+"&until="+at(start.Add(-time.Hour)), "").want(t, 400, "until")
	do(t, &api{Server: gw.Server, token: b.auth.Token(t, "admin-b")}, "GET", "/v1/"+org+":digest?since="+at(start), "").want(t, 404, "")
}

// compact is the JSON raw without the whitespace protojson puts in it at
// random, so that a test may look for a field and its value as text.
func compact(t *testing.T, raw string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(raw)); err != nil {
		t.Fatalf("not JSON: %v: %s", err, raw)
	}
	return b.String()
}

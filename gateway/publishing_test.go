package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestPublishing: an organisation's plan is public only once its admin
// publishes it, then to anyone without a token — only the chosen team's
// part, with the thread above it, and nothing of people, tokens or
// comments; the pages are cacheable and revalidated; plan.json validates
// against its schema; unpublishing takes effect at once; the changes are
// in the history; another organisation can neither read nor change it.
// On SQLite and PostgreSQL.
func TestPublishing(t *testing.T) {
	onEachStore(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		b, gw, f := startFixtureOn(t, newDSN)
		const org = "organisations/org-a"
		admin := &api{Server: gw.Server, token: b.auth.Token(t, "admin")}
		viewer := &api{Server: gw.Server, token: b.auth.Token(t, "viewer")}
		anyone := &api{Server: gw.Server}
		vision := f.element(false)
		do(t, admin, "PATCH", "/v1/"+vision+"?update_mask=title", `{"title":"A county that works"}`).want(t, 200, "")
		mission := planElement(t, admin, "mission", "LEVEL_MISSION", "t", vision, "")
		objective := planElement(t, admin, "objective", "LEVEL_OBJECTIVE", "t", mission, `,"objective_kind":"OBJECTIVE_KIND_THEMATIC_GOAL"`)
		planElement(t, admin, "ours", "LEVEL_STRATEGY", "t", objective, `,"description":"Visit every office"`)
		other := f.team(false)
		planElement(t, admin, "theirs", "LEVEL_STRATEGY", other[strings.LastIndex(other, "/")+1:], objective, "")
		kpi := func(id, element string) {
			do(t, admin, "POST", "/v1/"+org+"/kpis?kpi_id="+id, `{"title":"`+id+` measured","unit":"UNIT_COUNT","direction":"DIRECTION_HIGHER_IS_BETTER",`+
				`"frequency":"FREQUENCY_MONTHLY","element":"`+org+`/elements/`+element+`","owner_team":"`+org+`/teams/t",`+
				`"targets":[{"period_end":{"year":2030,"month":12,"day":31},"value":10}],"thresholds":{"kind":"KIND_ABSOLUTE","green_within":1,"amber_within":2}}`).
				want(t, 200, "")
			do(t, admin, "POST", "/v1/"+org+"/kpis/"+id+"/measurements", `{"period_end":{"year":2019,"month":12,"day":31},"value":7,"note":"private note on `+id+`"}`).
				want(t, 200, "")
		}
		do(t, admin, "POST", "/v1/"+org+"/elements/ours/checkIns", `{"assessment":"HEALTH_AT_RISK","summary":"Three offices visited of eight",`+
			`"next_steps":"private next steps","blockers":"private blockers","public":true}`).want(t, 200, "")
		do(t, admin, "POST", "/v1/"+mission+"/checkIns", `{"assessment":"HEALTH_ON_TRACK","summary":"private summary of the mission"}`).want(t, 200, "")
		kpi("visits", "ours")
		kpi("hidden", "theirs")
		do(t, admin, "POST", "/v1/"+vision+"/comments", `{"text":"private remark about the budget"}`).want(t, 200, "")
		f.token()

		// Nothing is public before the admin publishes.
		for _, path := range []string{"/public/org-a", "/public/org-a/plan.json", "/public/org-a/kpis.csv", "/public/org-b", "/public/no-such-org/plan.json"} {
			do(t, anyone, "GET", path, "").want(t, 404, "")
		}
		const settings = "/v1/" + org + "/publication"
		do(t, viewer, "GET", settings, "").want(t, 200, `"name":"organisations/org-a/publication"`)
		do(t, viewer, "PATCH", settings+"?update_mask=published", `{"published":true}`).want(t, 403, "")
		do(t, admin, "PATCH", settings+"?update_mask=published", `{"published":true}`).want(t, 400, "publication.display_name")
		do(t, admin, "PATCH", settings+"?update_mask=teams", `{"teams":["organisations/org-b/teams/t"]}`).want(t, 400, "publication.teams[0]")
		do(t, admin, "PATCH", settings+"?update_mask=teams", `{"teams":["organisations/org-a/teams/nope"]}`).want(t, 400, "publication.teams[0]")
		do(t, &api{Server: gw.Server, token: b.auth.Token(t, "admin-b")}, "PATCH", settings+"?update_mask=published", `{"published":true}`).want(t, 404, "")
		do(t, admin, "PATCH", settings, `{"published":true,"display_name":"Org A in the open","licence":"OGL-UK-3.0","teams":["`+org+`/teams/t"]}`).
			want(t, 200, `"published":true`)

		page := do(t, anyone, "GET", "/public/org-a", "").want(t, 200, "Org A in the open")
		for _, want := range []string{"A county that works", "mission", "objective", "ours", "Visit every office", "Our thematic goals now", "OGL-UK-3.0",
			"How we measure it", "visits measured", "<svg", "Three offices visited of eight"} {
			if !strings.Contains(page.raw, want) {
				t.Errorf("the public page lacks %q", want)
			}
		}
		if strings.Contains(page.raw, "theirs") || strings.Contains(page.raw, "hidden measured") {
			t.Error("the public page shows another team's strategy or its KPI, which are not published")
		}
		values := do(t, anyone, "GET", "/public/org-a/kpis.csv", "").want(t, 200, "organisations/org-a/kpis/visits,visits measured,organisations/org-a/elements/ours,COUNT,2019-12-31,7,")
		if strings.Contains(values.raw, "hidden") {
			t.Errorf("the public values hold an unpublished KPI's: %s", values.raw)
		}
		if page.header.Get("Cache-Control") != "public, no-cache" || page.header.Get("ETag") == "" || page.header.Get("Last-Modified") == "" {
			t.Errorf("the public page's caching headers: %v", page.header)
		}
		do(t, anyone, "GET", "/public/org-a", "", "If-None-Match", page.header.Get("ETag")).want(t, http.StatusNotModified, "")

		data := do(t, anyone, "GET", "/public/org-a/plan.json", "").want(t, 200, "A county that works")
		schemaDoc := do(t, anyone, "GET", "/public/schema/plan.json", "").want(t, 200, "2020-12")
		compiler := jsonschema.NewCompiler()
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(schemaDoc.raw)))
		if err != nil {
			t.Fatal(err)
		}
		if err := compiler.AddResource("plan.schema.json", doc); err != nil {
			t.Fatal(err)
		}
		schema, err := compiler.Compile("plan.schema.json")
		if err != nil {
			t.Fatal(err)
		}
		var instance any
		if err := json.Unmarshal([]byte(data.raw), &instance); err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(instance); err != nil {
			t.Errorf("plan.json does not validate against its schema: %v\n%s", err, data.raw)
		}

		// Nothing private in any public answer.
		for _, r := range []reply{page, data, schemaDoc, values} {
			for _, secret := range []string{"@org-a.example", "private remark", "private note", "private next steps", "private blockers", "private summary",
				"people/", "update_actor", "user:", "token:", "ci", "theirs"} {
				if secret == "ci" {
					secret = `"ci"` // the token's name
				}
				if strings.Contains(r.raw, secret) {
					t.Errorf("a public answer holds %q", secret)
				}
			}
		}

		// Unpublished, at once; the history has both changes.
		do(t, admin, "PATCH", settings+"?update_mask=published", `{"published":false}`).want(t, 200, "")
		do(t, anyone, "GET", "/public/org-a", "").want(t, 404, "")
		do(t, anyone, "GET", "/public/org-a/plan.json", "").want(t, 404, "")
		do(t, anyone, "GET", "/public/org-a/kpis.csv", "").want(t, 404, "")
		revs := do(t, admin, "GET", "/v1/"+org+"/publication:listRevisions", "").want(t, 200, `"published"`)
		if n := strings.Count(revs.raw, `"resource":"organisations/org-a/publication"`); n != 2 {
			t.Errorf("%d revisions of the publication, want 2: %s", n, revs.raw)
		}
	})
}

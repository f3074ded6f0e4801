package gateway_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
)

// TestHistory: over REST, two updates of every kind of resource make two
// revisions, newest first, each with its actor and the field it changed
// from what to what; a viewer reads them but cannot roll back, the updater
// rolls back to the first update (a new revision, the value restored); a
// resource no update changes (a check-in) has its creation and nothing to
// roll back; the change log, for planners only and never another
// organisation's, filters by actor, resource type and time, and exports
// as CSV with the actor's name.
func TestHistory(t *testing.T) {
	onEachStore(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		b, gw, f := startFixtureOn(t, newDSN)
		const org = "organisations/org-a"
		as := func(subject string) *api { return &api{Server: gw.Server, token: b.auth.Token(t, subject)} }
		admin, viewer := as("admin"), as("viewer")
		start := time.Now().UTC()
		kpi := f.kpi(false)
		for _, tc := range []struct {
			resource, field, first, second string
		}{
			{org, "description", `"first"`, `"second"`},
			{f.person(org, "hx", identitypb.Role_ROLE_VIEWER, ""), "job_title", `"Clerk"`, `"Head clerk"`},
			{f.team(false), "purpose", `"first"`, `"second"`},
			{f.member(), "role", `"ROLE_LEAD"`, `"ROLE_MEMBER"`},
			{f.element(false), "title", `"first"`, `"second"`},
			{kpi, "title", `"first"`, `"second"`},
			{f.measurement(kpi), "note", `"first"`, `"second"`},
			{f.comment(newClients(t, b.addr, admin.token)), "text", `"first"`, `"second"`},
		} {
			t.Run(tc.resource, func(t *testing.T) {
				for _, v := range []string{tc.first, tc.second} {
					do(t, admin, "PATCH", "/v1/"+tc.resource+"?update_mask="+tc.field, `{"`+tc.field+`":`+v+`}`).want(t, 200, "")
				}
				revs := revisions(t, viewer, tc.resource)
				if len(revs) < 3 {
					t.Fatalf("%d revisions, want the creation and two updates: %v", len(revs), revs)
				}
				for i, want := range []string{tc.first + "->" + tc.second, "->" + tc.first} {
					if got := changeOf(revs[i], tc.field); !strings.HasSuffix(got, want) || revs[i]["actor"] != "user:admin" ||
						revs[i]["action"] != "ACTION_UPDATED" {
						t.Errorf("revision %d: %s by %v (%v), want %s by user:admin", i, got, revs[i]["actor"], revs[i]["action"], want)
					}
				}
				if last := revs[len(revs)-1]; last["action"] != "ACTION_CREATED" {
					t.Errorf("the first revision is %v, want ACTION_CREATED", last["action"])
				}
				first := revs[1]["name"].(string)
				do(t, viewer, "POST", "/v1/"+first+":rollback", `{}`).want(t, 403, "")
				rolled := do(t, admin, "POST", "/v1/"+first+":rollback", `{}`).want(t, 200, "")
				if got := changeOf(rolled.body, tc.field); got != tc.second+"->"+tc.first {
					t.Errorf("the rollback's revision changed %s, want %s->%s", got, tc.second, tc.first)
				}
				now := do(t, viewer, "GET", "/v1/"+tc.resource, "").want(t, 200, "")
				if got := jsonOf(t, now.body[tc.field]); got != tc.first {
					t.Errorf("%s after the rollback = %s, want %s", tc.field, got, tc.first)
				}
				do(t, as("admin-b"), "GET", "/v1/"+tc.resource+":listRevisions", "").want(t, 404, "")
			})
		}

		checkIn := f.checkIn()
		revs := revisions(t, viewer, checkIn)
		if len(revs) != 1 || revs[0]["action"] != "ACTION_CREATED" {
			t.Fatalf("a check-in's revisions: %v, want its creation", revs)
		}
		do(t, admin, "POST", "/v1/"+revs[0]["name"].(string)+":rollback", `{}`).want(t, 400, "nothing to roll back")
		do(t, viewer, "GET", "/v1/"+checkIn+"@999999999:getRevision", "").want(t, 404, "")
		do(t, viewer, "GET", "/v1/"+revs[0]["name"].(string)+":getRevision", "").want(t, 200, checkIn)

		changes := func(as *api, query string) []map[string]any {
			t.Helper()
			var out []map[string]any
			for token := ""; ; {
				r := do(t, as, "GET", "/v1/"+org+"/changes?page_size=7&page_token="+url.QueryEscape(token)+"&"+query, "").want(t, 200, "")
				for _, rev := range r.body["revisions"].([]any) {
					out = append(out, rev.(map[string]any))
				}
				if token = r.str("next_page_token"); token == "" {
					return out
				}
			}
		}
		since := "start_time=" + url.QueryEscape(start.Format(time.RFC3339Nano))
		byAdmin := changes(as("planner"), "actor=user:admin&"+since)
		// Eight resources, two updates and a rollback each, and the comment
		// the admin wrote.
		if len(byAdmin) != 25 {
			t.Errorf("%d changes by the admin since the start, want 25: %v", len(byAdmin), byAdmin)
		}
		for i := 1; i < len(byAdmin); i++ {
			if byAdmin[i-1]["create_time"].(string) < byAdmin[i]["create_time"].(string) {
				t.Errorf("change %d is older than change %d", i-1, i)
			}
		}
		kpiChanges := changes(as("planner"), "resource_type=kpis&actor=user:admin&"+since)
		if len(kpiChanges) != 3 || kpiChanges[0]["resource"] != kpi {
			t.Errorf("KPI changes by the admin: %d, want 3 of %s", len(kpiChanges), kpi)
		}
		if n := len(changes(as("planner"), "end_time="+url.QueryEscape(start.Format(time.RFC3339Nano)))); n == 0 {
			t.Errorf("no changes before the start (the fixture's)")
		}
		do(t, as("contributor"), "GET", "/v1/"+org+"/changes", "").want(t, 403, "")
		do(t, as("admin-b"), "GET", "/v1/"+org+"/changes", "").want(t, 404, "")
		do(t, as("planner"), "GET", "/v1/"+org+"/changes?resource_type=no%20such", "").want(t, 400, "resource_type")

		export := do(t, as("planner"), "GET", "/v1/"+org+"/changes:export?actor=user:admin&"+since, "").want(t, 200, "")
		lines, err := csv.NewReader(strings.NewReader(export.raw)).ReadAll()
		if err != nil {
			t.Fatalf("export is not CSV: %v\n%s", err, export.raw)
		}
		wantLines := 1 // the header, then a line per field changed
		for _, rev := range byAdmin {
			changes, _ := rev["changes"].([]any)
			wantLines += max(1, len(changes))
		}
		if len(lines) != wantLines || strings.Join(lines[0], ",") != "time,actor,actor_name,action,resource_type,resource,field,old_value,new_value" {
			t.Fatalf("export: %d lines, header %v; want %d:\n%s", len(lines), lines[0], wantLines, export.raw)
		}
		want := fmt.Sprintf(`user:admin,admin,updated,organisations,%s,description,"""first""","""second"""`, org)
		if !strings.Contains(export.raw, want) {
			t.Errorf("export has no line %s:\n%s", want, export.raw)
		}
		do(t, as("contributor"), "GET", "/v1/"+org+"/changes:export", "").want(t, 403, "")
	})
}

// revisions lists every revision of resource, newest first, as as.
func revisions(t *testing.T, as *api, resource string) []map[string]any {
	t.Helper()
	r := do(t, as, "GET", "/v1/"+resource+":listRevisions", "").want(t, 200, "")
	var out []map[string]any
	for _, rev := range r.body["revisions"].([]any) {
		out = append(out, rev.(map[string]any))
	}
	return out
}

// changeOf is how a revision changed field: "old->new", each as JSON
// ("" when absent).
func changeOf(rev map[string]any, field string) string {
	changes, _ := rev["changes"].([]any)
	for _, c := range changes {
		c := c.(map[string]any)
		if c["field"] == field {
			old, now := "", ""
			if v, ok := c["old_value"]; ok {
				old = jsonOf(nil, v)
			}
			if v, ok := c["new_value"]; ok {
				now = jsonOf(nil, v)
			}
			return old + "->" + now
		}
	}
	return ""
}

// jsonOf is v as compact JSON.
func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil && t != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPlanAsOf: over REST, the tree, an element and a KPI as of a time
// before a rename give the earlier title; an element made since is not in
// that tree and one deleted since is; comparing the two times lists the
// rename, the new element and the deleted one; a time before an element
// was made is NOT_FOUND for it, and a comparison the wrong way round is a
// 400 naming to_time.
func TestPlanAsOf(t *testing.T) {
	onEachStore(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		b, gw, f := startFixtureOn(t, newDSN)
		const org = "organisations/org-a"
		admin := &api{Server: gw.Server, token: b.auth.Token(t, "admin")}
		viewer := &api{Server: gw.Server, token: b.auth.Token(t, "viewer")}
		beforeAll := time.Now().UTC()
		time.Sleep(5 * time.Millisecond)
		renamed, gone, kpi := f.element(false), f.element(false), f.kpi(false)
		mission := planElement(t, admin, "mission", "LEVEL_MISSION", "t", renamed, "")
		objective := planElement(t, admin, "objective", "LEVEL_OBJECTIVE", "t", mission, `,"objective_kind":"OBJECTIVE_KIND_STANDARD_OPERATING"`)
		strategy := planElement(t, admin, "strategy", "LEVEL_STRATEGY", "t", objective, "")
		time.Sleep(5 * time.Millisecond)
		then := time.Now().UTC()
		at := url.QueryEscape(then.Format(time.RFC3339Nano))
		time.Sleep(5 * time.Millisecond)
		do(t, admin, "PATCH", "/v1/"+renamed+"?update_mask=title", `{"title":"Renamed"}`).want(t, 200, "")
		do(t, admin, "PATCH", "/v1/"+kpi+"?update_mask=title", `{"title":"Renamed KPI"}`).want(t, 200, "")
		do(t, admin, "DELETE", "/v1/"+gone, "").want(t, 200, "")
		added := f.element(false)
		tactic := planElement(t, admin, "tactic", "LEVEL_TACTIC", "t", strategy, "")

		// The integrity report as of then finds the strategy that had no
		// tactic yet; today's finds the tactic no KPI measures instead.
		report := func(query string) string {
			var out []string
			found, _ := do(t, viewer, "GET", "/v1/"+org+"/integrityReport"+query, "").want(t, 200, "").body["findings"].([]any)
			for _, x := range found {
				out = append(out, x.(map[string]any)["kind"].(string)+" "+x.(map[string]any)["element"].(string))
			}
			return strings.Join(out, ", ")
		}
		if got, want := report("?as_of="+at), "KIND_STRATEGY_WITHOUT_TACTIC "+strategy; got != want {
			t.Errorf("the integrity report as of then: %s, want %s", got, want)
		}
		if got, want := report(""), "KIND_TACTIC_WITHOUT_KPI "+tactic; got != want {
			t.Errorf("the integrity report now: %s, want %s", got, want)
		}

		titles := map[string]any{}
		tree := do(t, viewer, "GET", "/v1/"+org+"/elements:tree?as_of="+at, "").want(t, 200, "")
		for _, n := range tree.body["roots"].([]any) {
			el := n.(map[string]any)["element"].(map[string]any)
			titles[el["name"].(string)] = el["title"]
		}
		if titles[renamed] != "v" || titles[gone] != "v" || titles[added] != nil {
			t.Errorf("the tree as of then: renamed %v, deleted since %v, added since %v; want v, v and absent", titles[renamed], titles[gone], titles[added])
		}
		if got := do(t, viewer, "GET", "/v1/"+renamed+"?as_of="+at, "").want(t, 200, "").str("title"); got != "v" {
			t.Errorf("the element as of then: %q, want v", got)
		}
		listed := do(t, viewer, "GET", "/v1/"+org+"/elements?as_of="+at, "").want(t, 200, "")
		if got := compact(t, listed.raw); !strings.Contains(got, `"name":"`+renamed+`"`) || !strings.Contains(got, `"name":"`+gone+`"`) ||
			strings.Contains(got, `"title":"Renamed"`) || strings.Contains(got, added) {
			t.Errorf("elements listed as of then: %s", listed.raw)
		}
		if got := do(t, viewer, "GET", "/v1/"+org+"/kpis?as_of="+at, "").want(t, 200, kpi); strings.Contains(got.raw, "Renamed KPI") {
			t.Errorf("KPIs listed as of then: %s", got.raw)
		}
		do(t, viewer, "GET", "/v1/"+org+"/elements?as_of="+at+"&filter=title%3Av", "").want(t, 400, "as_of")
		var paged []string
		for token := ""; ; {
			page := do(t, viewer, "GET", "/v1/"+org+"/elements?page_size=1&as_of="+at+"&page_token="+url.QueryEscape(token), "").want(t, 200, "")
			for _, e := range page.body["elements"].([]any) {
				paged = append(paged, e.(map[string]any)["name"].(string))
			}
			if token = page.str("next_page_token"); token == "" {
				break
			}
		}
		if whole := listed.body["elements"].([]any); len(paged) != len(whole) || !slices.IsSorted(paged) {
			t.Errorf("paged one by one: %v, want the %d of the whole list in name order", paged, len(whole))
		}
		thread := do(t, viewer, "GET", "/v1/"+renamed+":thread?as_of="+at, "").want(t, 200, "")
		if els := thread.body["elements"].([]any); els[0].(map[string]any)["title"] != "v" {
			t.Errorf("the thread as of then: %s, want the element titled v", thread.raw)
		}
		if got := do(t, viewer, "GET", "/v1/"+kpi+"?as_of="+at, "").want(t, 200, "").str("title"); got != "k" {
			t.Errorf("the KPI as of then: %q, want k", got)
		}
		do(t, viewer, "GET", "/v1/"+renamed+"?as_of="+url.QueryEscape(beforeAll.Format(time.RFC3339Nano)), "").want(t, 404, "")

		cmp := do(t, viewer, "GET", "/v1/"+org+"/elements:compare?from_time="+at, "").want(t, 200, "")
		names := func(key string) []string {
			var out []string
			list, _ := cmp.body[key].([]any)
			for _, x := range list {
				m := x.(map[string]any)
				if n, ok := m["name"].(string); ok {
					out = append(out, n)
				} else {
					out = append(out, m["element"].(string)+" "+changeOf(m, "title"))
				}
			}
			return out
		}
		if got := fmt.Sprint(names("added"), names("removed"), names("changed")); got != fmt.Sprintf(`[%s %s] [%s] [%s "v"->"Renamed"]`, added, tactic, gone, renamed) {
			t.Errorf("compared with then: %s", got)
		}
		do(t, viewer, "GET", "/v1/"+org+"/elements:compare?from_time="+at+"&to_time="+url.QueryEscape(beforeAll.Format(time.RFC3339Nano)), "").
			want(t, 400, "to_time")
		// Another organisation's admin sees none of it, as of any time.
		other := &api{Server: gw.Server, token: b.auth.Token(t, "admin-b")}
		for _, path := range []string{"/v1/" + org + "/elements:tree?as_of=" + at, "/v1/" + renamed + "?as_of=" + at,
			"/v1/" + renamed + ":thread?as_of=" + at, "/v1/" + org + "/elements?as_of=" + at, "/v1/" + kpi + "?as_of=" + at,
			"/v1/" + org + "/kpis?as_of=" + at, "/v1/" + org + "/elements:compare?from_time=" + at, "/v1/" + org + "/integrityReport?as_of=" + at} {
			do(t, other, "GET", path, "").want(t, 404, "")
		}
	})
}

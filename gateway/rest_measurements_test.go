package gateway_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestRESTMeasurementsRefused records what a KPI must not take: a value
// without a value, and a period far in the future (whose value would stay
// the latest, pinning the KPI's status, for years) — by JSON, in a batch and
// in a CSV file; each is a 400 naming the field or line, and nothing is
// stored.
func TestRESTMeasurementsRefused(t *testing.T) {
	srv, _ := startAll(t)
	ms := kpiWithNoValues(t, srv)
	thisMonth := monthEnd(0)
	inTwoMonths := monthEnd(2)
	before := do(t, srv, "GET", ms, "").raw

	do(t, srv, "POST", ms, `{"period_end":`+jsonDate(thisMonth)+`}`).want(t, 400, "measurement.value")
	do(t, srv, "POST", ms, `{"period_end":`+jsonDate(thisMonth)+`,"value":null}`).want(t, 400, "measurement.value")
	do(t, srv, "POST", ms, `{"period_end":{"year":9999,"month":12,"day":31},"value":1}`).want(t, 400, "measurement.period_end")
	do(t, srv, "POST", ms, `{"period_end":`+jsonDate(inTwoMonths)+`,"value":1}`).want(t, 400, "measurement.period_end")
	do(t, srv, "POST", "/v1/organisations/agency/kpis/-/measurements:batchCreate", `{"requests":[`+
		`{"parent":"organisations/agency/kpis/k","measurement":{"period_end":`+jsonDate(thisMonth)+`,"value":1}},`+
		`{"parent":"organisations/agency/kpis/k","measurement":{"period_end":{"year":9999,"month":12,"day":31},"value":2}}]}`).
		want(t, 400, "requests[1].measurement.period_end")
	bad := do(t, srv, "POST", ms+":import", "period_end,value\n"+thisMonth.Format(time.DateOnly)+",1\n9999-12-31,2\n",
		"Content-Type", "text/csv").want(t, 400, "line 3")
	if strings.Contains(bad.raw, "line 2") {
		t.Errorf("a good line reported: %s", bad.raw)
	}
	if after := do(t, srv, "GET", ms, "").raw; after != before {
		t.Errorf("refused values stored something:\n%s\n%s", before, after)
	}
	// The period under way may be recorded.
	do(t, srv, "POST", ms, `{"period_end":`+jsonDate(thisMonth)+`,"value":1}`).want(t, 200, "")
}

// TestRESTCSVFormulas exports notes and sources a spreadsheet would run as
// formulas: each is written with a ' before it (OWASP's advice), and an
// import takes it off again, so that a round trip is byte for byte.
func TestRESTCSVFormulas(t *testing.T) {
	srv, _ := startAll(t)
	ms := kpiWithNoValues(t, srv)
	texts := []struct{ note, source string }{
		{`=HYPERLINK("http://evil.example","click")`, "=cmd|' /C calc'!A0"},
		{"+1+1", "-2+3"},
		{"@SUM(A1:A2)", "'=already quoted"},
		{"\tstarts with a tab", "plain"},
		{"\rstarts with a carriage return", "'tis plain too"},
	}
	for i, tx := range texts {
		body, _ := json.Marshal(map[string]any{"period_end": jsonDateValue(monthEnd(-i - 1)), "value": i, "note": tx.note, "source": tx.source})
		do(t, srv, "POST", ms, string(body)).want(t, 200, "")
	}
	exported := do(t, srv, "GET", ms+":export", "").want(t, 200, "").raw
	for _, cell := range []string{`"'=HYPERLINK(""http://evil.example"",""click"")"`, `'=cmd|' /C calc'!A0`, "'+1+1", "'-2+3",
		"'@SUM(A1:A2)", ",''=already quoted", ",'\tstarts with a tab,", "\"'\rstarts with a carriage return\"", ",'tis plain too"} {
		if !strings.Contains(exported, cell) {
			t.Errorf("export does not hold %q:\n%s", cell, exported)
		}
	}
	records, err := csv.NewReader(strings.NewReader(exported)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range records[1:] {
		for _, cell := range rec[2:] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("a cell a spreadsheet would run: %q", cell)
			}
		}
	}
	do(t, srv, "POST", "/v1/organisations/agency/kpis?kpi_id=copy", kpiJSON).want(t, 200, "")
	copied := "/v1/organisations/agency/kpis/copy/measurements"
	do(t, srv, "POST", copied+":import", exported, "Content-Type", "text/csv").want(t, 200, `"count":5`)
	if again := do(t, srv, "GET", copied+":export", "").raw; again != exported {
		t.Errorf("round trip:\n%q\n%q", exported, again)
	}
	list := do(t, srv, "GET", copied, "").raw
	for _, tx := range texts {
		note, _ := json.Marshal(tx.note)
		source, _ := json.Marshal(tx.source)
		if !strings.Contains(list, string(note)) || !strings.Contains(list, string(source)) {
			t.Errorf("imported values lost %q / %q: %s", tx.note, tx.source, list)
		}
	}
}

const kpiJSON = `{"title":"Satisfaction","unit":"UNIT_PERCENT","direction":"DIRECTION_HIGHER_IS_BETTER","frequency":"FREQUENCY_MONTHLY",` +
	`"element":"organisations/agency/elements/vision","owner_team":"organisations/agency/teams/ops",` +
	`"targets":[{"period_end":{"year":2099,"month":12,"day":31},"value":90}],` +
	`"thresholds":{"kind":"KIND_RELATIVE","green_within":0,"amber_within":5}}`

// kpiWithNoValues makes organisation agency with a monthly KPI k on its
// vision, and returns the path of k's measurements.
func kpiWithNoValues(t *testing.T, srv *api) string {
	t.Helper()
	do(t, srv, "POST", "/v1/organisations?organisation_id=agency", `{"display_name":"Agency","kind":"KIND_AGENCY"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/agency/teams?team_id=ops", `{"display_name":"Operations","kind":"KIND_OPERATIONAL"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/agency/elements?element_id=vision", `{"level":"LEVEL_VISION","title":"v",`+
		`"owner_team":"organisations/agency/teams/ops","start_date":{"year":2020,"month":1,"day":1},"end_date":{"year":2099,"month":12,"day":31}}`).
		want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/agency/kpis?kpi_id=k", kpiJSON).want(t, 200, "")
	return "/v1/organisations/agency/kpis/k/measurements"
}

// monthEnd is the last day of the month n months from this one (UTC).
func monthEnd(n int) time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month()+time.Month(n)+1, 0, 0, 0, 0, 0, time.UTC)
}

func jsonDateValue(d time.Time) map[string]int {
	return map[string]int{"year": d.Year(), "month": int(d.Month()), "day": d.Day()}
}

func jsonDate(d time.Time) string {
	b, _ := json.Marshal(jsonDateValue(d))
	return string(b)
}

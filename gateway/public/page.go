package public

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/goldenthread/goldenthread/gateway/pack"
	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

//go:embed page.html
var files embed.FS

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"day":   dates.Format,
	"words": words,
	"tone": func(h planningpb.Health) string {
		return map[planningpb.Health]string{planningpb.Health_HEALTH_ON_TRACK: "good", planningpb.Health_HEALTH_AT_RISK: "warn",
			planningpb.Health_HEALTH_OFF_TRACK: "bad"}[h]
	},
}).ParseFS(files, "page.html"))

// view is what the page shows.
type view struct {
	// Organisation is the organisation's id, which its addresses hold.
	Organisation string
	Plan         *planningpb.PublishedPlan
	Goals        []goal
	Roots        []*node
	KPIs         []kpi
}

// kpi is a published KPI as the page shows it.
type kpi struct {
	Title, Measures, Status string
	Chart                   template.HTML
}

// goal is a thematic goal running today, with its days left.
type goal struct {
	*planningpb.PublishedElement
	DaysLeft int
}

// node is an element with the published elements under it.
type node struct {
	*planningpb.PublishedElement
	Children []*node
}

// renderPage writes what organisation orgID publishes as its public page,
// judging "now" by now.
func renderPage(w io.Writer, orgID string, pub published, now time.Time) error {
	p := pub.plan
	v := view{Organisation: orgID, Plan: p}
	nodes := map[string]*node{}
	for _, e := range p.Elements {
		nodes[e.Name] = &node{PublishedElement: e}
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for _, e := range p.Elements {
		n := nodes[e.Name]
		if parent := nodes[e.Parent]; parent != nil {
			parent.Children = append(parent.Children, n)
		} else {
			v.Roots = append(v.Roots, n)
		}
		if e.ObjectiveKind == planningpb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL && running(e, today) {
			v.Goals = append(v.Goals, goal{e, int(dates.Time(e.EndDate).Sub(today).Hours()/24) + 1})
		}
	}
	for _, k := range pub.kpis {
		chart, err := pack.ChartSVG(pack.ChartOf(k.Kpi, k.Values))
		if err != nil {
			return err
		}
		measures := ""
		if n := nodes[k.Kpi.Element]; n != nil {
			measures = n.Title
		}
		v.KPIs = append(v.KPIs, kpi{Title: k.Kpi.Title, Measures: measures, Status: kpiStatus(k.Kpi.Status), Chart: chart})
	}
	return page.Execute(w, v)
}

// kpiStatus is a KPI's status as words: KPI_STATUS_GREEN is "Green".
func kpiStatus(s kpispb.KpiStatus) string {
	return words(strings.NewReplacer("KPI_STATUS_", "STATUS_").Replace(s.String()))
}

// kpisCSV is every value of the published KPIs, one a line, oldest first.
func kpisCSV(p published) []byte {
	var b bytes.Buffer
	out := csv.NewWriter(&b)
	_ = out.Write([]string{"kpi", "title", "element", "unit", "period_end", "value", "status"})
	for _, k := range p.kpis {
		for _, m := range k.Values {
			_ = out.Write([]string{k.Kpi.Name, k.Kpi.Title, k.Kpi.Element, strings.TrimPrefix(k.Kpi.Unit.String(), "UNIT_"), dates.Format(m.PeriodEnd),
				strconv.FormatFloat(m.GetValue(), 'f', -1, 64), strings.TrimPrefix(m.Status.String(), "KPI_STATUS_")})
		}
	}
	out.Flush()
	return b.Bytes()
}

// running says whether e is open and its horizon holds today.
func running(e *planningpb.PublishedElement, today time.Time) bool {
	open := e.Status != planningpb.Status_STATUS_DONE && e.Status != planningpb.Status_STATUS_DROPPED
	return open && !dates.Time(e.StartDate).After(today) && !dates.Time(e.EndDate).Before(today)
}

// words is an enum value as words: STATUS_ON_HOLD is "On hold".
func words(v any) string {
	s := fmt.Sprint(v)
	if i := strings.Index(s, "_"); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimPrefix(s, "KIND_") // OBJECTIVE_KIND_THEMATIC_GOAL
	w := strings.ToLower(strings.ReplaceAll(s, "_", " "))
	if w == "" || w == "unspecified" {
		return "Not known"
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

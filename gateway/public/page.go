package public

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
)

//go:embed page.html
var files embed.FS

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"day":   day,
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

// renderPage writes p, organisation orgID's published plan, as its public
// page, judging "now" by now.
func renderPage(w io.Writer, orgID string, p *planningpb.PublishedPlan, now time.Time) error {
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
			v.Goals = append(v.Goals, goal{e, int(dateTime(e.EndDate).Sub(today).Hours()/24) + 1})
		}
	}
	return page.Execute(w, v)
}

// running says whether e is open and its horizon holds today.
func running(e *planningpb.PublishedElement, today time.Time) bool {
	open := e.Status != planningpb.Status_STATUS_DONE && e.Status != planningpb.Status_STATUS_DROPPED
	return open && !dateTime(e.StartDate).After(today) && !dateTime(e.EndDate).Before(today)
}

// dateTime is the start of d, in UTC.
func dateTime(d *date.Date) time.Time {
	return time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC)
}

// day is a date as YYYY-MM-DD.
func day(d *date.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.GetYear(), d.GetMonth(), d.GetDay())
}

// words is an enum value as words: STATUS_ON_HOLD is "On hold".
func words(v fmt.Stringer) string {
	s := v.String()
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

// Package pack builds the report pack an organisation hands to a committee:
// its VMOST plan, thread by thread from the vision to the tactics, with
// each element's health, progress and latest check-in, each KPI's values
// against its targets, and what changed in the period. Gather reads it
// from the services as the caller; HTML and PDF render the same Pack.
package pack

import (
	"math"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

// Pack is one report pack, ready to render: every text in it is as a
// reader sees it.
type Pack struct {
	Organisation string
	// Scope says what the pack covers: the team, the cycle, the day.
	Scope []string
	// Period is the period whose changes the pack lists, as words.
	Period    string
	Generated time.Time
	Elements  []Element
	KPIs      []KPI
	Changes   []Change
}

// Element is one element of the plan, in thread order (parents before
// children): Depth 0 is a root.
type Element struct {
	Depth                     int
	Level, Title, Description string
	// Facts are its owner, horizon, status, health and progress, as
	// label and value.
	Facts   [][2]string
	CheckIn *CheckIn
}

// CheckIn is an element's latest check-in.
type CheckIn struct {
	By, When, Assessment, Summary, NextSteps, Blockers string
}

// KPI is one KPI with its values.
type KPI struct {
	Title, Measures, Status, Latest, Target string
	Chart                                   Chart
}

// Change is one thing that changed in the period.
type Change struct {
	What, Title, Detail string
}

// Section is a part of the pack, in order, for its contents list.
type Section struct {
	ID, Title string
}

// Sections are the pack's parts that have something in them.
func (p *Pack) Sections() []Section {
	var out []Section
	if len(p.Elements) > 0 {
		out = append(out, Section{"thread", "The golden thread"})
	}
	if len(p.KPIs) > 0 {
		out = append(out, Section{"performance", "Performance"})
	}
	return append(out, Section{"changes", "What changed"})
}

// levelName is a level as a reader calls it, with its objective kind.
func levelName(e *planningpb.Element) string {
	if e.GetObjectiveKind() != planningpb.ObjectiveKind_OBJECTIVE_KIND_UNSPECIFIED {
		return words(e.GetObjectiveKind().String(), "OBJECTIVE_KIND_")
	}
	return words(e.GetLevel().String(), "LEVEL_")
}

// words is an enum value as words: HEALTH_AT_RISK, "HEALTH_": At risk.
func words(v, prefix string) string {
	w := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(v, prefix), "_", " "))
	if w == "" || w == "unspecified" {
		return "Not known"
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// dayNumber is a date as days since 1970-01-01, for charts.
func dayNumber(d *date.Date) float64 {
	return float64(dates.Time(d).Unix() / 86400)
}

// value is a KPI's value with its unit.
func value(v float64, k *kpispb.Kpi) string {
	n := strconv.FormatFloat(v, 'f', -1, 64)
	if math.Abs(v) >= 1e6 || (v != 0 && math.Abs(v) < 1e-3) {
		n = strconv.FormatFloat(v, 'g', 4, 64)
	} else if v != math.Trunc(v) {
		n = strconv.FormatFloat(v, 'f', 2, 64)
		n = strings.TrimRight(strings.TrimRight(n, "0"), ".")
	}
	switch k.GetUnit() {
	case kpispb.Unit_UNIT_PERCENT:
		return n + "%"
	case kpispb.Unit_UNIT_CURRENCY:
		return strings.TrimSpace(k.GetCurrencyCode() + " " + n)
	case kpispb.Unit_UNIT_DAYS:
		return n + " days"
	}
	return n
}

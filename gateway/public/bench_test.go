package public

import (
	"fmt"
	"io"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
)

// BenchmarkPublicPage renders the public page of a published plan of
// 1,000 elements (a vision, 10 missions, 100 objectives, 889 strategies)
// with 20 KPIs of 24 values each: make bench adds it to the plan's read.
func BenchmarkPublicPage(b *testing.B) {
	start, end := &date.Date{Year: 2026, Month: 1, Day: 1}, &date.Date{Year: 2027, Month: 12, Day: 31}
	p := &planningpb.PublishedPlan{Name: "organisations/bench/publication", DisplayName: "Bench", UpdateTime: timestamppb.Now()}
	element := func(i int, level planningpb.Level, parent string) string {
		name := fmt.Sprintf("organisations/bench/elements/e%d", i)
		p.Elements = append(p.Elements, &planningpb.PublishedElement{Name: name, Level: level, Title: fmt.Sprintf("Element %d", i),
			Description: "What it is for, in a sentence or two.", Status: planningpb.Status_STATUS_ACTIVE, Health: planningpb.Health_HEALTH_AT_RISK,
			Progress: 40, StartDate: start, EndDate: end, Parent: parent})
		return name
	}
	vision := element(0, planningpb.Level_LEVEL_VISION, "")
	var missions, objectives []string
	for i := range 10 {
		missions = append(missions, element(1+i, planningpb.Level_LEVEL_MISSION, vision))
	}
	for i := range 100 {
		objectives = append(objectives, element(11+i, planningpb.Level_LEVEL_OBJECTIVE, missions[i%10]))
		if i%10 == 0 {
			p.Elements[len(p.Elements)-1].ObjectiveKind = planningpb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL
		}
	}
	for i := range 889 {
		element(111+i, planningpb.Level_LEVEL_STRATEGY, objectives[i%100])
	}
	var kpis []*kpispb.PublishedKpi
	for i := range 20 {
		k := &kpispb.PublishedKpi{Kpi: &kpispb.Kpi{Name: fmt.Sprintf("organisations/bench/kpis/k%d", i), Title: fmt.Sprintf("KPI %d", i),
			Unit: kpispb.Unit_UNIT_PERCENT, Direction: kpispb.Direction_DIRECTION_HIGHER_IS_BETTER, Element: p.Elements[111+i].Name,
			Targets:    []*kpispb.Target{{PeriodEnd: end, Value: 90}},
			Thresholds: &kpispb.Thresholds{Kind: kpispb.Thresholds_KIND_RELATIVE, GreenWithin: 5, AmberWithin: 10}}}
		for m := range 24 {
			month := time.Date(2026, time.Month(1+m), 0, 0, 0, 0, 0, time.UTC)
			k.Values = append(k.Values, &kpispb.Measurement{PeriodEnd: &date.Date{Year: int32(month.Year()), Month: int32(month.Month()), Day: int32(month.Day())},
				Value: proto.Float64(float64(50 + m))})
		}
		kpis = append(kpis, k)
	}
	pub := published{plan: p, kpis: kpis}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if err := renderPage(io.Discard, "bench", pub, now); err != nil {
			b.Fatal(err)
		}
	}
}

package kpis_test

import (
	"fmt"
	"sync"
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
)

// testConcurrentValues records a month of daily values at once, one call
// each, for a few KPIs: each must end with its latest period's value. On PostgreSQL each call
// recomputes the KPI from the values it can see; without the KPI lock, a
// call that missed a later period's value could commit last and leave an
// earlier value as the latest (a lost update).
func (e *env) testConcurrentValues(t *testing.T) {
	p := e.plan(t, "concurrent")
	for round := range 4 {
		k, err := e.kpis.CreateKpi(ctx(t), &pb.CreateKpiRequest{Parent: p.org, KpiId: fmt.Sprintf("parallel-%d", round),
			Kpi: satisfaction(p)})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for day := range 28 {
			wg.Go(func() {
				_, err := e.measurements.CreateMeasurement(ctx(t), &pb.CreateMeasurementRequest{Parent: k.Name,
					Measurement: &pb.Measurement{PeriodEnd: &date.Date{Year: 2026, Month: 2, Day: int32(day + 1)},
						Value: proto.Float64(float64(50 + day))}})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := e.getKpi(t, k.Name)
		if got.LatestValue != 77 || got.LatestPeriodEnd.GetDay() != 28 {
			t.Fatalf("%s: latest value %v for %v, want 77 for 28 February", k.Name, got.LatestValue, got.LatestPeriodEnd)
		}
	}
}

package kpis_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

func (e *env) testKpiLifecycle(t *testing.T) {
	c := ctx(t)
	p := e.plan(t, "lifecycle")
	k := e.kpi(t, p, "satisfaction")
	if k.Status != pb.KpiStatus_KPI_STATUS_NO_DATA || k.Targets[0].Value != 80 {
		t.Fatalf("created %v (targets should be sorted)", k)
	}
	list, err := e.kpis.ListKpis(c, &pb.ListKpisRequest{Parent: p.org, Filter: fmt.Sprintf("element = %q", p.tactic)})
	if err != nil || len(list.Kpis) != 1 {
		t.Fatalf("list by element: %v, %v", list, err)
	}
	e.record(t, k.Name, monthEnd(0), 87)
	if got := e.getKpi(t, k.Name); got.Status != pb.KpiStatus_KPI_STATUS_AMBER || got.LatestValue != 87 {
		t.Fatalf("after 87 against 90: %v", got)
	}
	// A lower target recomputes the status.
	updated, err := e.kpis.UpdateKpi(c, &pb.UpdateKpiRequest{Kpi: &pb.Kpi{Name: k.Name,
		Targets: []*pb.Target{{PeriodEnd: day(2026, 12, 31), Value: 85}}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"targets"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.getKpi(t, k.Name); got.Status != pb.KpiStatus_KPI_STATUS_GREEN || got.Etag != updated.Etag {
		t.Fatalf("after lowering the target: %v", got)
	}
	if _, err := e.kpis.DeleteKpi(c, &pb.DeleteKpiRequest{Name: k.Name}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kpis.UndeleteKpi(c, &pb.UndeleteKpiRequest{Name: k.Name}); err != nil {
		t.Fatal(err)
	}

	other := e.plan(t, "lifecycle-other")
	before := e.count(t, "kpis")
	bad := func(mod func(*pb.Kpi)) error {
		k := satisfaction(p)
		mod(k)
		_, err := e.kpis.CreateKpi(c, &pb.CreateKpiRequest{Parent: p.org, Kpi: k})
		return err
	}
	for _, tc := range []struct {
		name  string
		err   error
		code  codes.Code
		field string
	}{
		{"no unit", bad(func(k *pb.Kpi) { k.Unit = 0 }), codes.InvalidArgument, "kpi.unit"},
		{"currency without code", bad(func(k *pb.Kpi) { k.Unit = pb.Unit_UNIT_CURRENCY }), codes.InvalidArgument, "kpi.currency_code"},
		{"bad currency code", bad(func(k *pb.Kpi) { k.Unit = pb.Unit_UNIT_CURRENCY; k.CurrencyCode = "pounds" }), codes.InvalidArgument, "kpi.currency_code"},
		{"no targets", bad(func(k *pb.Kpi) { k.Targets = nil }), codes.InvalidArgument, "kpi.targets"},
		{"two targets for one period", bad(func(k *pb.Kpi) { k.Targets[1].PeriodEnd = day(2026, 12, 31) }), codes.InvalidArgument, "kpi.targets"},
		{"band thresholds on a higher-is-better KPI", bad(func(k *pb.Kpi) { k.Thresholds.Kind = pb.Thresholds_KIND_BAND }), codes.InvalidArgument, "kpi.thresholds.kind"},
		{"amber inside green", bad(func(k *pb.Kpi) { k.Thresholds.GreenWithin = 10 }), codes.InvalidArgument, "kpi.thresholds.amber_within"},
		{"band edges out of order", bad(func(k *pb.Kpi) {
			k.Direction = pb.Direction_DIRECTION_WITHIN_BAND
			k.Thresholds = &pb.Thresholds{Kind: pb.Thresholds_KIND_BAND, GreenLow: 10, GreenHigh: 5}
		}), codes.InvalidArgument, "kpi.thresholds"},
		{"an element of another organisation", bad(func(k *pb.Kpi) { k.Element = other.tactic }), codes.InvalidArgument, "kpi.element"},
		{"an element that does not exist", bad(func(k *pb.Kpi) { k.Element = p.org + "/elements/ghost" }), codes.InvalidArgument, "kpi.element"},
		{"a team that does not exist", bad(func(k *pb.Kpi) { k.OwnerTeam = p.org + "/teams/ghost" }), codes.InvalidArgument, "kpi.owner_team"},
		{"no frequency", bad(func(k *pb.Kpi) { k.Frequency = 0 }), codes.InvalidArgument, "kpi.frequency"},
		{"NaN target", bad(func(k *pb.Kpi) { k.Targets[0].Value = nan() }), codes.InvalidArgument, "kpi.targets[0].value"},
	} {
		t.Run(tc.name, func(t *testing.T) { apitest.WantCode(t, tc.err, tc.code, tc.field) })
	}
	if e.count(t, "kpis") != before {
		t.Error("bad KPIs were stored")
	}
}

func nan() float64 {
	var zero float64
	return zero / zero
}

func (e *env) testMeasurements(t *testing.T) {
	c := ctx(t)
	p := e.plan(t, "measurements")
	k := e.kpi(t, p, "satisfaction")
	var ms []*pb.Measurement
	for m := int32(1); m <= 6; m++ {
		ms = append(ms, e.record(t, k.Name, lastDay(2026, m), float64(70+2*m)))
	}
	_, err := e.measurements.CreateMeasurement(c, &pb.CreateMeasurementRequest{Parent: k.Name,
		Measurement: &pb.Measurement{PeriodEnd: lastDay(2026, 3), Value: proto.Float64(1)}})
	apitest.WantCode(t, err, codes.AlreadyExists, "")
	req := &pb.CreateMeasurementRequest{Parent: k.Name, RequestId: "july-1", Measurement: &pb.Measurement{PeriodEnd: lastDay(2026, 7), Value: proto.Float64(85)}}
	first, err := e.measurements.CreateMeasurement(c, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.measurements.CreateMeasurement(c, req)
	if err != nil || !proto.Equal(first, again) {
		t.Fatalf("retried create: %v, %v", again, err)
	}
	if got := e.getKpi(t, k.Name); got.LatestValue != 85 || got.Trend != pb.Trend_TREND_IMPROVING {
		t.Errorf("kpi after July: %v", got)
	}

	page, err := e.measurements.ListMeasurements(c, &pb.ListMeasurementsRequest{Parent: k.Name, PageSize: 2,
		StartDate: day(2026, 2, 1), EndDate: day(2026, 5, 31)})
	if err != nil || len(page.Measurements) != 2 || page.NextPageToken == "" || formatted(page.Measurements[0]) != "2026-02-28" {
		t.Fatalf("range page: %v, %v", page, err)
	}
	rest, err := e.measurements.ListMeasurements(c, &pb.ListMeasurementsRequest{Parent: k.Name, PageSize: 2, PageToken: page.NextPageToken,
		StartDate: day(2026, 2, 1), EndDate: day(2026, 5, 31)})
	if err != nil || len(rest.Measurements) != 2 || rest.NextPageToken != "" || formatted(rest.Measurements[1]) != "2026-05-31" {
		t.Fatalf("second range page: %v, %v", rest, err)
	}

	// Every KPI's measurements of the organisation (kpis/-), as recorded
	// over a period: all seven now, none from tomorrow.
	org := strings.TrimSuffix(k.Name, "/kpis/satisfaction")
	recorded := func(since time.Time) int {
		all, err := e.measurements.ListMeasurements(c, &pb.ListMeasurementsRequest{Parent: org + "/kpis/-", PageSize: 100,
			RecordedSince: timestamppb.New(since), RecordedUntil: timestamppb.New(since.Add(48 * time.Hour))})
		if err != nil {
			t.Fatal(err)
		}
		return len(all.Measurements)
	}
	if n, m := recorded(time.Now().Add(-time.Hour)), recorded(time.Now().Add(24*time.Hour)); n != 7 || m != 0 {
		t.Errorf("recorded in the last hour: %d, want 7; from tomorrow: %d, want 0", n, m)
	}

	corrected, err := e.measurements.UpdateMeasurement(c, &pb.UpdateMeasurementRequest{Measurement: &pb.Measurement{Name: ms[5].Name,
		Value: proto.Float64(79), Note: "late survey returns"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"value", "note"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(corrected.History) != 1 || corrected.History[0].Value != 82 || corrected.History[0].Actor == "" || corrected.GetValue() != 79 {
		t.Fatalf("correction history: %v", corrected)
	}
	_, err = e.measurements.UpdateMeasurement(c, &pb.UpdateMeasurementRequest{Measurement: &pb.Measurement{Name: ms[5].Name,
		PeriodEnd: lastDay(2026, 8)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"period_end"}}})
	apitest.WantCode(t, err, codes.InvalidArgument, "measurement.period_end")

	if _, err := e.measurements.DeleteMeasurement(c, &pb.DeleteMeasurementRequest{Name: first.Name}); err != nil {
		t.Fatal(err)
	}
	if got := e.getKpi(t, k.Name); got.LatestValue != 79 || formatted(&pb.Measurement{PeriodEnd: got.LatestPeriodEnd}) != "2026-06-30" {
		t.Errorf("after deleting July the latest is June: %v", got)
	}
}

func lastDay(y, m int32) *date.Date {
	t := time.Date(int(y), time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC)
	return day(y, m, int32(t.Day()))
}

// monthEnd is the last day of the month n months from now: a period whose
// value is not overdue whenever the test runs. Targets are all in 2026, so
// such periods meet the last one.
func monthEnd(n int) *date.Date {
	now := time.Now().UTC()
	t := time.Date(now.Year(), now.Month()+time.Month(n)+1, 0, 0, 0, 0, 0, time.UTC)
	return day(int32(t.Year()), int32(t.Month()), int32(t.Day()))
}

func formatted(m *pb.Measurement) string {
	return fmt.Sprintf("%04d-%02d-%02d", m.PeriodEnd.GetYear(), m.PeriodEnd.GetMonth(), m.PeriodEnd.GetDay())
}

func (e *env) testEndToEnd(t *testing.T) {
	p := e.plan(t, "endtoend")
	k := e.kpi(t, p, "satisfaction")
	thread := []string{p.tactic, p.strategy, p.objective, p.mission, p.vision}
	health := func() []planningpb.Health {
		var hs []planningpb.Health
		for _, n := range thread {
			el, err := e.elements.GetElement(ctx(t), &planningpb.GetElementRequest{Name: n})
			if err != nil {
				t.Fatal(err)
			}
			hs = append(hs, el.Health)
		}
		return hs
	}
	all := func(want planningpb.Health) bool {
		for _, h := range health() {
			if h != want {
				return false
			}
		}
		return true
	}
	e.record(t, k.Name, monthEnd(-1), 90)
	eventually(t, 5*time.Second, "a green value did not reach the plan", func() bool { return all(planningpb.Health_HEALTH_ON_TRACK) })

	start := time.Now()
	e.record(t, k.Name, monthEnd(0), 60) // 33% short of 90: red
	eventually(t, time.Second, "a red value did not turn the thread off track within a second", func() bool {
		return all(planningpb.Health_HEALTH_OFF_TRACK)
	})
	t.Logf("red reached the vision in %s", time.Since(start))
	if got := e.getKpi(t, k.Name); got.Status != pb.KpiStatus_KPI_STATUS_RED {
		t.Errorf("kpi status %v", got.Status)
	}
}

func (e *env) testBatch(t *testing.T) {
	c := ctx(t)
	p := e.plan(t, "batch")
	a, b := e.kpi(t, p, "a"), e.kpi(t, p, "b")
	rows := func(n int) []*pb.CreateMeasurementRequest {
		out := make([]*pb.CreateMeasurementRequest, n)
		start := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range out {
			kpi := a.Name
			if i%2 == 1 {
				kpi = b.Name
			}
			d := start.AddDate(0, 0, i/2)
			out[i] = &pb.CreateMeasurementRequest{Parent: kpi, Measurement: &pb.Measurement{
				PeriodEnd: day(int32(d.Year()), int32(d.Month()), int32(d.Day())), Value: proto.Float64(float64(i))}}
		}
		return out
	}
	before := e.count(t, "measurements")
	broken := rows(10000)
	broken[4321].Measurement.PeriodEnd = day(2026, 2, 30)
	broken[7777].Parent = p.org + "/kpis/ghost"
	_, err := e.measurements.BatchCreateMeasurements(c, &pb.BatchCreateMeasurementsRequest{Parent: p.org, Requests: broken})
	apitest.WantCode(t, err, codes.InvalidArgument, "requests[4321].measurement.period_end")
	if !strings.Contains(err.Error(), "requests[7777].parent") {
		t.Errorf("the second bad row is not named: %.300s", err)
	}
	// An unknown KPI alone: the batch names its row, a single call is
	// NOT_FOUND.
	ghostOnly := rows(3)
	ghostOnly[1].Parent = p.org + "/kpis/ghost"
	_, err = e.measurements.BatchCreateMeasurements(c, &pb.BatchCreateMeasurementsRequest{Parent: p.org, Requests: ghostOnly})
	apitest.WantCode(t, err, codes.InvalidArgument, "requests[1].parent")
	_, err = e.measurements.CreateMeasurement(c, ghostOnly[1])
	apitest.WantCode(t, err, codes.NotFound, ghostOnly[1].Parent)
	if n := e.count(t, "measurements"); n != before {
		t.Fatalf("a failed batch stored %d measurements", n-before)
	}
	start := time.Now()
	resp, err := e.measurements.BatchCreateMeasurements(c, &pb.BatchCreateMeasurementsRequest{Parent: p.org, Requests: rows(10000)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 measurements in %s", time.Since(start))
	if len(resp.Measurements) != 10000 || e.count(t, "measurements")-before != 10000 {
		t.Fatalf("stored %d", e.count(t, "measurements")-before)
	}
	if got := e.getKpi(t, a.Name); got.LatestValue != 9998 {
		t.Errorf("kpi a latest %v", got.LatestValue)
	}
	// The same periods again: every row is a conflict, nothing stored.
	_, err = e.measurements.BatchCreateMeasurements(c, &pb.BatchCreateMeasurementsRequest{Parent: p.org, Requests: rows(10)})
	apitest.WantCode(t, err, codes.InvalidArgument, "requests[0].measurement.period_end")
}

func (e *env) testCSV(t *testing.T) {
	c := ctx(t)
	p := e.plan(t, "csv")
	src, dst := e.kpi(t, p, "source"), e.kpi(t, p, "copy")
	for m := int32(1); m <= 12; m++ {
		if _, err := e.measurements.CreateMeasurement(c, &pb.CreateMeasurementRequest{Parent: src.Name, Measurement: &pb.Measurement{
			PeriodEnd: lastDay(2025, m), Value: proto.Float64(70 + float64(m)/3), Note: fmt.Sprintf("month, %d", m), Source: `survey "Q"`}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.measurements.ExportMeasurements(c, &pb.ExportMeasurementsRequest{Parent: src.Name})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.ContentType, "text/csv") || !strings.HasPrefix(string(out.Data), "period_end,value,note,source\n2025-01-31,") {
		t.Fatalf("export: %s %q", out.ContentType, out.Data)
	}
	imported, err := e.measurements.ImportMeasurements(c, &pb.ImportMeasurementsRequest{Parent: dst.Name,
		Csv: &httpbody.HttpBody{ContentType: "text/csv", Data: out.Data}})
	if err != nil || imported.Count != 12 {
		t.Fatalf("import: %v, %v", imported, err)
	}
	back, err := e.measurements.ExportMeasurements(c, &pb.ExportMeasurementsRequest{Parent: dst.Name})
	if err != nil || string(back.Data) != string(out.Data) {
		t.Fatalf("round trip differs:\n%s\n---\n%s", out.Data, back.Data)
	}

	before := e.count(t, "measurements")
	badFile := "period_end,value\n2024-01-31,1\n2024-02-30,2\n2024-03-31,lots\n2024-04-30,4\n"
	_, err = e.measurements.ImportMeasurements(c, &pb.ImportMeasurementsRequest{Parent: dst.Name,
		Csv: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(badFile)}})
	apitest.WantCode(t, err, codes.InvalidArgument, "csv")
	if !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "line 4") || strings.Contains(err.Error(), "line 2:") {
		t.Errorf("bad lines not listed exactly: %v", err)
	}
	if e.count(t, "measurements") != before {
		t.Error("a bad file stored measurements")
	}
}

func (e *env) testReactions(t *testing.T) {
	c := ctx(t)
	p := e.plan(t, "reactions")
	k := e.kpi(t, p, "satisfaction")
	if _, err := e.elements.DeleteElement(c, &planningpb.DeleteElementRequest{Name: p.tactic}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the KPI of a deleted element is not flagged", func() bool { return e.getKpi(t, k.Name).ElementDeleted })
	if got := e.getKpi(t, k.Name); got.DeleteTime != nil {
		t.Error("the KPI of a deleted element was deleted; it should only be flagged")
	}
	if _, err := e.elements.UndeleteElement(c, &planningpb.UndeleteElementRequest{Name: p.tactic}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the flag stayed after the element came back", func() bool { return !e.getKpi(t, k.Name).ElementDeleted })

	if _, err := e.orgs.DeleteOrganisation(c, &orgpb.DeleteOrganisationRequest{Name: p.org}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the KPIs of a deleted organisation are live", func() bool { return e.getKpi(t, k.Name).DeleteTime != nil })
	if _, err := e.orgs.UndeleteOrganisation(c, &orgpb.UndeleteOrganisationRequest{Name: p.org}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the KPIs did not come back", func() bool { return e.getKpi(t, k.Name).DeleteTime == nil })
}

func (e *env) testContributors(t *testing.T) {
	c := ctx(t)
	p := e.plan(t, "contributors")
	k := e.kpi(t, p, "satisfaction")
	person := func(id string) string {
		got, err := e.people.CreatePerson(c, &orgpb.CreatePersonRequest{Parent: p.org, PersonId: id, Person: &orgpb.Person{
			DisplayName: id, Email: id + "@contributors.example", ExternalSubject: "sub-" + id, Role: identitypb.Role_ROLE_CONTRIBUTOR}})
		if err != nil {
			t.Fatal(err)
		}
		return got.Name
	}
	member := person("member")
	person("outsider")
	if _, err := e.members.CreateMember(c, &teamspb.CreateMemberRequest{Parent: p.team,
		Member: &teamspb.Member{Person: member, Role: teamspb.Member_ROLE_MEMBER}}); err != nil {
		t.Fatal(err)
	}
	record := func(as string, month int32) error {
		_, err := e.as(t, e.auth.Token(t, as)).measurements.CreateMeasurement(c, &pb.CreateMeasurementRequest{Parent: k.Name,
			Measurement: &pb.Measurement{PeriodEnd: lastDay(2026, month), Value: proto.Float64(88)}})
		return err
	}
	if err := record("sub-member", 1); err != nil {
		t.Fatalf("a member of the owner team recording: %v", err)
	}
	apitest.WantCode(t, record("sub-outsider", 2), codes.PermissionDenied, "")
	_, err := e.as(t, e.auth.Token(t, "sub-member")).kpis.UpdateKpi(c, &pb.UpdateKpiRequest{Kpi: &pb.Kpi{Name: k.Name, Title: "x"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	apitest.WantCode(t, err, codes.PermissionDenied, "")
}

// testClosure: a KPI whose last value is months old is OVERDUE, and the
// plan hears it; once its element is done it closes — its status final
// (the last value's), no value due, the change in its history — and the
// plan forgets the lateness; a planner retires another KPI and reopens
// it; a KPI of an element whose horizon has ended is closed.
func (e *env) testClosure(t *testing.T) {
	c := ctx(t)
	p := e.plan(t, "closing")
	k := e.kpi(t, p, "event")
	e.record(t, k.Name, monthEnd(-3), 92)
	if got := e.getKpi(t, k.Name); got.Status != pb.KpiStatus_KPI_STATUS_OVERDUE || got.Closure != pb.Kpi_CLOSURE_UNSPECIFIED {
		t.Fatalf("a KPI three months without a value: %v, %v", got.Status, got.Closure)
	}
	kpiHealth := func(want planningpb.Health) func() bool {
		return func() bool {
			el, err := e.elements.GetElement(c, &planningpb.GetElementRequest{Name: p.tactic})
			return err == nil && el.KpiHealth == want
		}
	}
	eventually(t, 5*time.Second, "the overdue KPI at risk on its tactic", kpiHealth(planningpb.Health_HEALTH_AT_RISK))

	if _, err := e.elements.UpdateElement(c, &planningpb.UpdateElementRequest{Element: &planningpb.Element{Name: p.tactic,
		Status: planningpb.Status_STATUS_DONE}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the KPI closed with its element done", func() bool {
		return e.getKpi(t, k.Name).Closure == pb.Kpi_CLOSURE_ELEMENT_DONE
	})
	if got := e.getKpi(t, k.Name); got.Status != pb.KpiStatus_KPI_STATUS_GREEN || got.ValueDueDate != nil {
		t.Errorf("a closed KPI: %v, value due %v; want its last value's status, GREEN, and none due", got.Status, got.ValueDueDate)
	}
	eventually(t, 5*time.Second, "the plan no longer late", kpiHealth(planningpb.Health_HEALTH_ON_TRACK))
	var computed int
	if err := e.db.QueryRowContext(c, "SELECT COUNT(*) FROM revisions WHERE resource = ? AND action = ?", k.Name,
		int32(historypb.Action_ACTION_COMPUTED)).Scan(&computed); err != nil || computed < 2 {
		t.Errorf("%d computed revisions of the KPI (%v), want its OVERDUE and its closing", computed, err)
	}

	// Retired by a planner, then reopened.
	other := e.kpi(t, e.plan(t, "retiring"), "other")
	retire := func(retired bool) *pb.Kpi {
		got, err := e.kpis.UpdateKpi(c, &pb.UpdateKpiRequest{Kpi: &pb.Kpi{Name: other.Name, Retired: retired},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"retired"}}})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := retire(true); got.Closure != pb.Kpi_CLOSURE_RETIRED {
		t.Errorf("a retired KPI's closure: %v", got.Closure)
	}
	if got := retire(false); got.Closure != pb.Kpi_CLOSURE_UNSPECIFIED {
		t.Errorf("a reopened KPI's closure: %v", got.Closure)
	}

	// An element whose horizon has ended closes the KPIs made on it.
	yesterday := time.Now().UTC().AddDate(0, 0, -1)
	ended, err := e.elements.CreateElement(c, &planningpb.CreateElementRequest{Parent: p.org, ElementId: "ended",
		Element: &planningpb.Element{Level: planningpb.Level_LEVEL_TACTIC, Title: "A one-off event", OwnerTeam: p.team, Parent: p.strategy,
			StartDate: day(2026, 1, 1), EndDate: day(int32(yesterday.Year()), int32(yesterday.Month()), int32(yesterday.Day())),
			Status: planningpb.Status_STATUS_ACTIVE}})
	if err != nil {
		t.Fatal(err)
	}
	onEnded := satisfaction(p)
	onEnded.Element = ended.Name
	got, err := e.kpis.CreateKpi(c, &pb.CreateKpiRequest{Parent: p.org, Kpi: onEnded})
	if err != nil || got.Closure != pb.Kpi_CLOSURE_HORIZON_ENDED {
		t.Errorf("a KPI of an ended element: %v (%v), want CLOSURE_HORIZON_ENDED", got.GetClosure(), err)
	}
}

// testTargetVersions: a value graded red by its period's target stays red
// when the target changes later; the next period is graded by the new
// target; the KPI's target history lists both, with who changed it and
// from when; a change effective from an earlier day re-grades the periods
// since; a bad effective date is refused, naming it, and changes nothing.
func (e *env) testTargetVersions(t *testing.T) {
	c := ctx(t)
	p := e.plan(t, "regrading")
	def := satisfaction(p)
	def.Targets = []*pb.Target{{PeriodEnd: day(2099, 12, 31), Value: 90}}
	k, err := e.kpis.CreateKpi(c, &pb.CreateKpiRequest{Parent: p.org, KpiId: "graded", Kpi: def})
	if err != nil {
		t.Fatal(err)
	}
	retarget := func(value float64, effective *date.Date) (*pb.Kpi, error) {
		return e.kpis.UpdateKpi(c, &pb.UpdateKpiRequest{Kpi: &pb.Kpi{Name: k.Name, Targets: []*pb.Target{{PeriodEnd: day(2099, 12, 31), Value: value}}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"targets"}}, TargetsEffectiveDate: effective})
	}
	graded := func() string {
		t.Helper()
		ms, err := e.measurements.ListMeasurements(c, &pb.ListMeasurementsRequest{Parent: k.Name})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms.Measurements {
			out = append(out, fmt.Sprintf("%s %v", formatted(m), m.Status))
		}
		return strings.Join(out, ", ")
	}
	lastMonth, thisMonth := monthEnd(-1), monthEnd(0)
	e.record(t, k.Name, lastMonth, 80) // 11% short of 90: red
	if _, err := retarget(80, nil); err != nil {
		t.Fatal(err)
	}
	got := e.getKpi(t, k.Name)
	if got.Status != pb.KpiStatus_KPI_STATUS_RED || len(got.TargetHistory) != 2 || got.TargetHistory[0].EffectiveDate != nil ||
		!proto.Equal(got.TargetHistory[1].EffectiveDate, dates.Today()) || got.TargetHistory[1].Actor == "" {
		t.Fatalf("after lowering the target today: %v, history %v; want last month still red, two versions, the new one from today", got.Status, got.TargetHistory)
	}
	e.record(t, k.Name, thisMonth, 80)
	want := fmt.Sprintf("%s KPI_STATUS_RED, %s KPI_STATUS_GREEN", dates.Format(lastMonth), dates.Format(thisMonth))
	if g := graded(); g != want || e.getKpi(t, k.Name).Status != pb.KpiStatus_KPI_STATUS_GREEN {
		t.Errorf("values graded %s, want %s, and the KPI green", g, want)
	}
	_, err = retarget(70, day(2026, 13, 1))
	apitest.WantCode(t, err, codes.InvalidArgument, "targets_effective_date")
	// Re-graded from the first of last month: both green now.
	if _, err := retarget(75, day(lastMonth.Year, lastMonth.Month, 1)); err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("%s KPI_STATUS_GREEN, %s KPI_STATUS_GREEN", dates.Format(lastMonth), dates.Format(thisMonth))
	if g := graded(); g != want || len(e.getKpi(t, k.Name).TargetHistory) != 3 {
		t.Errorf("after re-grading from last month: %s, want %s, and three versions", g, want)
	}
}

package kpis

import (
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// kpiUpdatable lists the fields UpdateKpi may change.
var (
	kpiUpdatable = []string{"title", "description", "unit", "currency_code", "direction", "baseline", "targets",
		"thresholds", "frequency", "element", "owner_team", "data_source"}
	kpiComputed = []string{"latest_value", "latest_period_end", "status", "trend", "element_deleted"}
	// measurementUpdatable lists what a correction may change.
	measurementUpdatable = []string{"value", "note", "source"}
	measurementFixed     = []string{"period_end", "history"}
)

func kpiName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "kpis"}, orgID, id)
}

func measurementName(orgID, kpiID, id string) string {
	return resourcename.Format([]string{"organisations", "kpis", "measurements"}, orgID, kpiID, id)
}

func parseOrgName(field, name string) (string, error) {
	ids, err := resourcename.Parse(name, "organisations")
	if err != nil {
		return "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], nil
}

func parseKpiName(field, name string) (orgID, id string, err error) {
	ids, err := resourcename.Parse(name, "organisations", "kpis")
	if err != nil {
		return "", "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], ids[1], nil
}

func parseMeasurementName(field, name string) (orgID, kpiID, id string, err error) {
	ids, err := resourcename.Parse(name, "organisations", "kpis", "measurements")
	if err != nil {
		return "", "", "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], ids[1], ids[2], nil
}

// sameOrgID returns the id in a reference to a resource of collection in
// the organisation orgID, or INVALID_ARGUMENT naming field.
func sameOrgID(field, collection, orgID, name string) (string, error) {
	ids, err := resourcename.Parse(name, "organisations", collection)
	if err != nil {
		return "", apierr.InvalidArgument(field, err.Error())
	}
	if ids[0] != orgID {
		return "", apierr.InvalidArgument(field, "must belong to organisations/"+orgID)
	}
	return ids[1], nil
}

// checkKpi applies the rules a KPI obeys on its own and sorts its targets.
func checkKpi(k *pb.Kpi) error {
	switch {
	case k.Unit == pb.Unit_UNIT_UNSPECIFIED:
		return apierr.InvalidArgument("kpi.unit", "is required")
	case k.Unit == pb.Unit_UNIT_CURRENCY && k.CurrencyCode == "":
		return apierr.InvalidArgument("kpi.currency_code", "is required for UNIT_CURRENCY")
	case k.Unit != pb.Unit_UNIT_CURRENCY && k.CurrencyCode != "":
		return apierr.InvalidArgument("kpi.currency_code", "is only for UNIT_CURRENCY")
	case k.Direction == pb.Direction_DIRECTION_UNSPECIFIED:
		return apierr.InvalidArgument("kpi.direction", "is required")
	case k.Frequency == pb.Frequency_FREQUENCY_UNSPECIFIED:
		return apierr.InvalidArgument("kpi.frequency", "is required")
	case k.Thresholds == nil || k.Thresholds.Kind == pb.Thresholds_KIND_UNSPECIFIED:
		return apierr.InvalidArgument("kpi.thresholds.kind", "is required: KIND_RELATIVE, KIND_ABSOLUTE or KIND_BAND")
	}
	th := k.Thresholds
	band := k.Direction == pb.Direction_DIRECTION_WITHIN_BAND
	switch {
	case band && th.Kind != pb.Thresholds_KIND_BAND:
		return apierr.InvalidArgument("kpi.thresholds.kind", "must be KIND_BAND for DIRECTION_WITHIN_BAND")
	case !band && th.Kind == pb.Thresholds_KIND_BAND:
		return apierr.InvalidArgument("kpi.thresholds.kind", "KIND_BAND is for DIRECTION_WITHIN_BAND")
	case band && !(th.AmberLow <= th.GreenLow && th.GreenLow <= th.GreenHigh && th.GreenHigh <= th.AmberHigh):
		return apierr.InvalidArgument("kpi.thresholds", "band edges must satisfy amber_low <= green_low <= green_high <= amber_high")
	case !band && th.GreenWithin > th.AmberWithin:
		return apierr.InvalidArgument("kpi.thresholds.amber_within", "must not be less than green_within")
	case !band && len(k.Targets) == 0:
		return apierr.InvalidArgument("kpi.targets", "at least one target is required unless the direction is DIRECTION_WITHIN_BAND")
	}
	for i, t := range k.Targets {
		if err := checkDate(fmt.Sprintf("kpi.targets[%d].period_end", i), t.PeriodEnd); err != nil {
			return err
		}
	}
	sortTargets(k.Targets)
	for i := 1; i < len(k.Targets); i++ {
		if formatDate(k.Targets[i].PeriodEnd) == formatDate(k.Targets[i-1].PeriodEnd) {
			return apierr.InvalidArgument("kpi.targets", "two targets for the period ending "+formatDate(k.Targets[i].PeriodEnd))
		}
	}
	if k.Baseline != nil && k.Baseline.Date != nil {
		if err := checkDate("kpi.baseline.date", k.Baseline.Date); err != nil {
			return err
		}
	}
	return nil
}

// applyKpiMask returns current with the fields in paths taken from change.
func applyKpiMask(current, change *pb.Kpi, paths []string) *pb.Kpi {
	next := proto.CloneOf(current)
	for _, p := range paths {
		switch p {
		case "title":
			next.Title = change.Title
		case "description":
			next.Description = change.Description
		case "unit":
			next.Unit = change.Unit
		case "currency_code":
			next.CurrencyCode = change.CurrencyCode
		case "direction":
			next.Direction = change.Direction
		case "baseline":
			next.Baseline = proto.CloneOf(change.Baseline)
		case "targets":
			next.Targets = nil
			for _, t := range change.Targets {
				next.Targets = append(next.Targets, proto.CloneOf(t))
			}
		case "thresholds":
			next.Thresholds = proto.CloneOf(change.Thresholds)
		case "frequency":
			next.Frequency = change.Frequency
		case "element":
			next.Element = change.Element
		case "owner_team":
			next.OwnerTeam = change.OwnerTeam
		case "data_source":
			next.DataSource = change.DataSource
		}
	}
	return next
}

// checkDate fails unless d is a full calendar date.
func checkDate(field string, d *date.Date) error {
	if d == nil {
		return apierr.InvalidArgument(field, "is required")
	}
	t := time.Date(int(d.Year), time.Month(d.Month), int(d.Day), 0, 0, 0, 0, time.UTC)
	if d.Year < 1 || d.Year > 9999 || t.Year() != int(d.Year) || t.Month() != time.Month(d.Month) || t.Day() != int(d.Day) {
		return apierr.InvalidArgument(field, fmt.Sprintf("%04d-%02d-%02d is not a calendar date", d.Year, d.Month, d.Day))
	}
	return nil
}

// formatDate is a date's storage and comparison form, YYYY-MM-DD.
func formatDate(d *date.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.GetYear(), d.GetMonth(), d.GetDay())
}

func parseDate(s string) *date.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return &date.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())}
}

package kpis

import (
	"fmt"
	"slices"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// The rules of a KPI: what a create or an update may make of one, as pure
// functions of the KPI as it is and as it would be, so that they are tested
// without a database (kpis_rules_test.go). Whether its element and owner
// team are live is the planning and teams services' to say (directory.go);
// its status is status.go's.

// newKpi returns the KPI a create makes, named name in the organisation
// orgID: in's content fields, which must obey checkKpi, with the targets in
// period order.
func newKpi(orgID, name string, in *pb.Kpi) (*pb.Kpi, error) {
	k := resource.ApplyMask(&pb.Kpi{Name: name}, in, kpiType.Updatable())
	if err := checkKpi(orgID, k); err != nil {
		return nil, err
	}
	sortTargets(k.Targets)
	return k, nil
}

// reviseKpi completes next, a copy of current with an update's fields, into
// the KPI the update makes, and returns it: next must obey checkKpi, and
// its targets are put in period order, so that targets sent in another
// order change nothing. A KPI moved to another element measures a live one
// (the update asked the planning service), so its element_deleted flag
// goes.
func reviseKpi(orgID string, current, next *pb.Kpi) (*pb.Kpi, error) {
	if err := checkKpi(orgID, next); err != nil {
		return nil, err
	}
	sortTargets(next.Targets)
	if next.Element != current.Element {
		next.ElementDeleted = false
	}
	return next, nil
}

// movedFrom is the element current measured when next measures another,
// and "" when the element stays: the plan must hear that the old element
// lost the KPI.
func movedFrom(current, next *pb.Kpi) string {
	if next.Element == current.Element {
		return ""
	}
	return current.Element
}

// checkKpi applies the rules a KPI of the organisation orgID obeys on its
// own, beyond its proto's field rules. Target errors name the targets in
// the order they were sent.
func checkKpi(orgID string, k *pb.Kpi) error {
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
	ends := make([]string, len(k.Targets))
	for i, t := range k.Targets {
		if err := dates.Check(fmt.Sprintf("kpi.targets[%d].period_end", i), t.PeriodEnd); err != nil {
			return err
		}
		ends[i] = dates.Format(t.PeriodEnd)
	}
	slices.Sort(ends)
	for i := 1; i < len(ends); i++ {
		if ends[i] == ends[i-1] {
			return apierr.InvalidArgument("kpi.targets", "two targets for the period ending "+ends[i])
		}
	}
	if k.Baseline != nil && k.Baseline.Date != nil {
		if err := dates.Check("kpi.baseline.date", k.Baseline.Date); err != nil {
			return err
		}
	}
	return checkKpiRefs(orgID, k, true, true)
}

// checkKpiRefs checks that k's element (when element) and owner team (when
// team) are of the organisation orgID.
func checkKpiRefs(orgID string, k *pb.Kpi, element, team bool) error {
	if element {
		if _, err := resource.InOrganisation("kpi.element", "elements", orgID, k.Element); err != nil {
			return err
		}
	}
	if team {
		if _, err := resource.InOrganisation("kpi.owner_team", "teams", orgID, k.OwnerTeam); err != nil {
			return err
		}
	}
	return nil
}

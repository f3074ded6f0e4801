package kpis

import (
	"slices"

	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// The names both resources use. Each resource's own rules are in its
// <resource>_rules.go; the status rule is in status.go; dates are the
// kit's (kit/dates).

func kpiName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "kpis"}, orgID, id)
}

func measurementName(orgID, kpiID, id string) string {
	return resourcename.Format([]string{"organisations", "kpis", "measurements"}, orgID, kpiID, id)
}

// parseKpiName splits organisations/{org}/kpis/{kpi} in the request's
// field, or fails with INVALID_ARGUMENT naming it.
func parseKpiName(field, name string) (orgID, id string, err error) {
	ids, err := resource.ParseName(field, name, "organisations", "kpis")
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

// parseMeasurementName splits organisations/{org}/kpis/{kpi}/measurements/{m}
// in the request's field, or fails with INVALID_ARGUMENT naming it.
func parseMeasurementName(field, name string) (orgID, kpiID, id string, err error) {
	ids, err := resource.ParseName(field, name, "organisations", "kpis", "measurements")
	if err != nil {
		return "", "", "", err
	}
	return ids[0], ids[1], ids[2], nil
}

// mapKeys returns a map's keys, sorted, for a stable order.
func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package kpis

import (
	"slices"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// The names both resources use. Each resource's own rules are in its
// <resource>_rules.go; the status rule is in status.go; dates are the
// kit's (kit/dates).

// kpiType is the KPI as the resource engine finds and stores it.
var kpiType = resource.Type[*kpiRecord]{Table: kpisTable, List: kpiListSchema}

// measurementType is the measurement as the resource engine finds and
// stores it; the batch path (measurements_batch.go) makes new ones.
var measurementType = resource.Type[*measurementRecord]{Table: measurementsTable}

func kpiName(orgID, id string) string { return resource.NameOf[*pb.Kpi](orgID, id) }

func measurementName(orgID, kpiID, id string) string {
	return resource.NameOf[*pb.Measurement](orgID, kpiID, id)
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

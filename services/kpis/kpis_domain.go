package kpis

import (
	"slices"

	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// The names both resources use. Each resource's own rules are in its
// <resource>_rules.go; the status rule is in status.go; dates are the
// kit's (kit/dates).

var (
	kpiCollections         = []string{"organisations", "kpis"}
	measurementCollections = []string{"organisations", "kpis", "measurements"}
)

// kpiType is the KPI as the resource engine finds and stores it.
var kpiType = resource.Type[*kpiRecord]{Collections: kpiCollections, Table: kpisTable, List: kpiListSchema,
	Updatable: kpiUpdatable}

// measurementType is the measurement as the resource engine finds and
// stores it; the batch path (measurements_batch.go) makes new ones.
var measurementType = resource.Type[*measurementRecord]{Collections: measurementCollections, Table: measurementsTable,
	Updatable: measurementUpdatable}

func kpiName(orgID, id string) string { return resourcename.Format(kpiCollections, orgID, id) }

func measurementName(orgID, kpiID, id string) string {
	return resourcename.Format(measurementCollections, orgID, kpiID, id)
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

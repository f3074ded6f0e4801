package kpis

import (
	"fmt"
	"slices"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// The names and dates both resources use. Each resource's own rules are in
// its <resource>_rules.go; the status rule is in status.go.

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

// today is the date lateness is judged on, in UTC.
func today() string { return time.Now().UTC().Format(time.DateOnly) }

// mapKeys returns a map's keys, sorted, for a stable order.
func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

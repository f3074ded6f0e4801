// Package dates holds the API's calendar dates (google.type.Date): full
// dates from 0001-01-01 to 9999-12-31, stored and compared as YYYY-MM-DD,
// which sorts in date order for four-digit years.
package dates

import (
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// Check fails with INVALID_ARGUMENT naming field unless d is a full
// calendar date from year 1 to 9999 (a missing d is "required").
func Check(field string, d *date.Date) error {
	if d == nil {
		return apierr.InvalidArgument(field, "is required")
	}
	t := time.Date(int(d.Year), time.Month(d.Month), int(d.Day), 0, 0, 0, 0, time.UTC)
	if d.Year < 1 || d.Year > 9999 || t.Year() != int(d.Year) || t.Month() != time.Month(d.Month) || t.Day() != int(d.Day) {
		return apierr.InvalidArgument(field, fmt.Sprintf("%04d-%02d-%02d is not a calendar date", d.Year, d.Month, d.Day))
	}
	return nil
}

// Format is a date's storage and comparison form, YYYY-MM-DD.
func Format(d *date.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.GetYear(), d.GetMonth(), d.GetDay())
}

// Parse reads a date in the form Format writes; nil when s is not one.
func Parse(s string) *date.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return Of(t)
}

// Of is the date of t.
func Of(t time.Time) *date.Date {
	return &date.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())}
}

// Time is the start of d, in UTC.
func Time(d *date.Date) time.Time {
	return time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC)
}

// Today is today's date in UTC, the day every rule about "today" uses.
func Today() *date.Date { return Of(time.Now().UTC()) }

// Nullable is d's storage form, or nil (SQL NULL) for no date.
func Nullable(d *date.Date) any {
	if d == nil {
		return nil
	}
	return Format(d)
}

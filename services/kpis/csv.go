package kpis

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/text"
)

// The CSV form of a KPI's measurements: a header naming the columns, then
// one measurement per line. period_end and value are required; note and
// source may be left out. Values are written with as many digits as they
// need to read back exactly.
//
// A note or source a spreadsheet would take for a formula (starting with =,
// +, -, @, a tab or a carriage return) is written with a ' before it, as
// OWASP advises against CSV injection, and so is one that starts with '
// followed by one of those or another ' (so that every text reads back as
// it was); an import takes that ' off again.

var csvHeader = []string{"period_end", "value", "note", "source"}

// maxImportLines bounds an import, as a batch is bounded.
const maxImportLines = 10000

func formatCSV(recs []*measurementRecord) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(csvHeader) // writes to a bytes.Buffer cannot fail
	for _, r := range recs {
		_ = w.Write([]string{dates.Format(r.Msg.PeriodEnd), strconv.FormatFloat(r.Msg.GetValue(), 'g', -1, 64), quoteCell(r.Msg.Note), quoteCell(r.Msg.Source)})
	}
	w.Flush()
	return buf.Bytes()
}

// parseCSV reads an import for the KPI named kpi. It reports every bad line
// at once, naming the line.
func parseCSV(kpi string, data []byte) ([]row, []apierr.FieldViolation) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, []apierr.FieldViolation{{Field: "csv", Description: "line 1: a header is required: " + strings.Join(csvHeader, ",")}}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range csvHeader[:2] {
		if _, ok := col[need]; !ok {
			return nil, []apierr.FieldViolation{{Field: "csv", Description: "line 1: the header has no " + need + " column"}}
		}
	}
	var rows []row
	var bad []apierr.FieldViolation
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			bad = append(bad, apierr.FieldViolation{Field: "csv", Description: fmt.Sprintf("line %d: %v", line, errors.Unwrap(err))})
			continue
		}
		if len(rows)+len(bad) >= maxImportLines {
			return nil, []apierr.FieldViolation{{Field: "csv", Description: fmt.Sprintf("more than %d lines; split the file", maxImportLines)}}
		}
		field := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		note, source := unquoteCell(field("note")), unquoteCell(field("source"))
		period := dates.Parse(field("period_end"))
		value, verr := strconv.ParseFloat(field("value"), 64)
		switch {
		case period == nil:
			bad = append(bad, apierr.FieldViolation{Field: "csv", Description: fmt.Sprintf("line %d: period_end: %q is not a date (YYYY-MM-DD)", line, field("period_end"))})
		case verr != nil || math.IsNaN(value) || math.IsInf(value, 0):
			bad = append(bad, apierr.FieldViolation{Field: "csv", Description: fmt.Sprintf("line %d: value: %q is not a number", line, field("value"))})
		case len(note) > 2000 || len(source) > 500:
			bad = append(bad, apierr.FieldViolation{Field: "csv", Description: fmt.Sprintf("line %d: note (2000) or source (500) too long", line)})
		case text.Problem(note, true) != "":
			bad = append(bad, apierr.FieldViolation{Field: "csv", Description: fmt.Sprintf("line %d: note: %s", line, text.Problem(note, true))})
		case text.Problem(source, false) != "":
			bad = append(bad, apierr.FieldViolation{Field: "csv", Description: fmt.Sprintf("line %d: source: %s", line, text.Problem(source, false))})
		default:
			rows = append(rows, row{kpi: kpi, line: line,
				m: &pb.Measurement{PeriodEnd: period, Value: &value, Note: note, Source: source}})
		}
	}
	if len(bad) == 0 && len(rows) == 0 {
		bad = append(bad, apierr.FieldViolation{Field: "csv", Description: "no measurements after the header"})
	}
	return rows, bad
}

// formulaStart are the first characters of a text a spreadsheet would take
// for a formula.
const formulaStart = "=+-@\t\r"

// quoteCell puts a ' before a text a spreadsheet would take for a formula,
// and before one an import would otherwise take a ' off.
func quoteCell(s string) string {
	if (s != "" && strings.IndexByte(formulaStart, s[0]) >= 0) || unquoteCell(s) != s {
		return "'" + s
	}
	return s
}

// unquoteCell undoes quoteCell: it takes the ' off a text starting with '
// and then a formula's first character or another '. Any other ' is text.
func unquoteCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte(formulaStart+"'", s[1]) >= 0 {
		return s[1:]
	}
	return s
}

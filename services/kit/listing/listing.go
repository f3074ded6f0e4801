// Package listing turns the standard List parameters of AIP-132 (page_size,
// page_token, filter, order_by) into SQL, the same way for every resource.
//
// Paging is keyset paging: the page token holds the sort values of the last
// row returned, so a page never skips or repeats rows when others are inserted
// or deleted between calls, and each page costs an index seek however deep it
// is. The token also carries a fingerprint of the filter, order and scope it
// was made for; reusing it with other parameters is an INVALID_ARGUMENT.
package listing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// Page sizes (AIP-158): 0 means DefaultPageSize; more than MaxPageSize is
// treated as MaxPageSize.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageSize is the size of a page a request asks for with n (not negative).
func PageSize(n int32) int {
	if n == 0 {
		return DefaultPageSize
	}
	return min(int(n), MaxPageSize)
}

// Kind is the type of a listable column.
type Kind int

// Column kinds.
const (
	// String columns filter with = and != (case-insensitive) and : (contains,
	// case-insensitive).
	String Kind = iota
	// Enum columns hold a proto enum's number and filter with = and != on the
	// enum value's name.
	Enum
	// Int columns (counts, times as microseconds) sort but do not filter.
	Int
)

// Field is a resource field that List can filter or sort on.
type Field[T any] struct {
	// Name as the API spells it, e.g. "display_name".
	Name string
	// Column is the SQL column that holds it.
	Column string
	// Kind says how the column filters and how its values sit in page tokens.
	Kind Kind
	// Enum maps the accepted enum value names to their numbers (Kind Enum).
	Enum map[string]int32
	// Parse, when set on a String field, turns a filter value into what the
	// column holds (a resource name into the stored id, say); the field then
	// filters exactly, with = and != only.
	Parse func(value string) (any, error)
	// Filter and Sort say what the field may be used for.
	Filter, Sort bool
	// Key returns item's value of the column (a string or an int64); needed
	// when Sort is set, to write the page token.
	Key func(item T) any
}

// Schema describes the listable fields of one resource.
type Schema[T any] struct {
	Fields []Field[T]
	// IDColumn is the unique column that breaks ties, always sorted ascending
	// after the requested order.
	IDColumn string
	// ID returns item's IDColumn value.
	ID func(item T) string
	// DefaultOrder is the order_by used when the request gives none.
	DefaultOrder string
}

// Request holds a List call's paging parameters.
type Request struct {
	PageSize  int32
	PageToken string
	Filter    string
	OrderBy   string
	// Scope holds every other parameter that must not change between pages
	// (the parent, show_deleted, ...).
	Scope string
}

// Plan is the SQL for one page: callers select
//
//	... WHERE <their own conditions> AND <Where> ORDER BY <OrderBy> LIMIT <Limit>
//
// with Args bound to Where's placeholders, then pass the rows to Page.
type Plan[T any] struct {
	Where   string
	Args    []any
	OrderBy string
	Limit   int

	pageSize    int
	sortFields  []sortField[T]
	schema      *Schema[T]
	fingerprint string
}

type sortField[T any] struct {
	field *Field[T]
	desc  bool
}

// Build validates req against the schema and plans the page's query. Errors
// are INVALID_ARGUMENT naming the offending request field.
func (s *Schema[T]) Build(req Request) (*Plan[T], error) {
	if req.PageSize < 0 {
		return nil, apierr.InvalidArgument("page_size", "must not be negative")
	}
	size := PageSize(req.PageSize)
	p := &Plan[T]{pageSize: size, Limit: size + 1, schema: s,
		fingerprint: fingerprint(req.Filter, req.OrderBy, req.Scope)}

	where, args, err := s.parseFilter(req.Filter)
	if err != nil {
		return nil, apierr.InvalidArgument("filter", err.Error())
	}
	orderBy := req.OrderBy
	if strings.TrimSpace(orderBy) == "" {
		orderBy = s.DefaultOrder
	}
	if p.sortFields, err = s.parseOrderBy(orderBy); err != nil {
		return nil, apierr.InvalidArgument("order_by", err.Error())
	}
	var order []string
	for _, sf := range p.sortFields {
		order = append(order, sf.field.Column+direction(sf.desc))
	}
	p.OrderBy = strings.Join(append(order, s.IDColumn+" ASC"), ", ")

	if req.PageToken != "" {
		after, err := p.decodeToken(req.PageToken)
		if err != nil {
			return nil, apierr.InvalidArgument("page_token", err.Error())
		}
		cond, condArgs := p.keyset(after)
		where = append(where, cond)
		args = append(args, condArgs...)
	}
	if len(where) == 0 {
		where = []string{"1 = 1"}
	}
	p.Where = strings.Join(where, " AND ")
	p.Args = args
	return p, nil
}

// Page trims rows (fetched with Limit) to the page size and returns the
// token of the next page, empty when this is the last one.
func (p *Plan[T]) Page(rows []T) ([]T, string) {
	if len(rows) <= p.pageSize {
		return rows, ""
	}
	rows = rows[:p.pageSize]
	return rows, p.encodeToken(rows[len(rows)-1])
}

// keyset is the condition "sorts after the row whose sort values are after".
// For order (a ASC, b DESC, id ASC) it is
// (a > ?) OR (a = ? AND b < ?) OR (a = ? AND b = ? AND id > ?).
func (p *Plan[T]) keyset(after []any) (string, []any) {
	cols := make([]string, 0, len(p.sortFields)+1)
	ops := make([]string, 0, len(p.sortFields)+1)
	for _, sf := range p.sortFields {
		cols = append(cols, sf.field.Column)
		ops = append(ops, map[bool]string{false: " > ?", true: " < ?"}[sf.desc])
	}
	cols = append(cols, p.schema.IDColumn)
	ops = append(ops, " > ?")

	var ors []string
	var args []any
	for i := range cols {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, cols[j]+" = ?")
			args = append(args, after[j])
		}
		ands = append(ands, cols[i]+ops[i])
		args = append(args, after[i])
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

func (s *Schema[T]) field(name string) *Field[T] {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

func (s *Schema[T]) names(pick func(*Field[T]) bool) string {
	var names []string
	for i := range s.Fields {
		if pick(&s.Fields[i]) {
			names = append(names, s.Fields[i].Name)
		}
	}
	return strings.Join(names, ", ")
}

// parseOrderBy reads "field [desc], field [asc], ..." (AIP-132).
func (s *Schema[T]) parseOrderBy(orderBy string) ([]sortField[T], error) {
	var out []sortField[T]
	seen := map[string]bool{}
	for _, item := range strings.Split(orderBy, ",") {
		words := strings.Fields(item)
		if len(words) == 0 || len(words) > 2 {
			return nil, fmt.Errorf("want a comma-separated list of fields, each optionally followed by desc")
		}
		f := s.field(words[0])
		if f == nil || !f.Sort {
			return nil, fmt.Errorf("cannot sort by %q; sortable fields: %s", words[0],
				s.names(func(f *Field[T]) bool { return f.Sort }))
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("%q appears twice", f.Name)
		}
		seen[f.Name] = true
		desc := false
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "desc":
				desc = true
			case "asc":
			default:
				return nil, fmt.Errorf("%q: direction must be asc or desc", words[1])
			}
		}
		out = append(out, sortField[T]{field: f, desc: desc})
	}
	return out, nil
}

func direction(desc bool) string {
	if desc {
		return " DESC"
	}
	return " ASC"
}

func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

package resource

import (
	"context"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Type is one resource type as the engine finds and stores it: the table
// whose rows the ids of a name key and what a List may filter and sort
// on; the pattern of its names and what an Update may change are its
// proto's (see shape). A service declares one per resource
// (<resource>_domain.go).
type Type[R typed] struct {
	// Collections, when set, are those of the resource's name, outermost
	// first ("organisations", "teams" for organisations/{o}/teams/{t}),
	// for a Type of one of the resource's patterns (a comment's, under an
	// element or a KPI). Unset, they are those of the first pattern the
	// resource's proto declares (google.api.resource).
	Collections []string
	// Table holds the resource's rows, keyed by the ids of its name in
	// their order.
	Table Table[R]
	// Get, Insert and Save, when set, stand in for Table's own: for a
	// resource with more to it than one row (an element's supports), or
	// whose every save also resets what only storage keeps.
	Get    func(ctx context.Context, q sqldb.Querier, ids ...string) (R, error)
	Insert func(ctx context.Context, tx *sqldb.Tx, r R) error
	Save   func(ctx context.Context, tx *sqldb.Tx, r R) (bool, error)
	// Complete, when set, reads what records read in bulk hold beyond
	// their rows (an element's supports), before they are saved whole.
	Complete func(ctx context.Context, q sqldb.Querier, recs []R) error
	// List says what a List may filter and sort on.
	List *listing.Schema[R]
}

// typed are a Type's records: pointers to structs that embed Stored.
type typed interface {
	Revision() *int64
	descriptor() protoreflect.MessageDescriptor
}

// names is the shape of the resource's names: the proto's, or the one
// pattern Collections say.
func (t Type[R]) names() *shape {
	if t.Collections != nil {
		return &shape{collections: t.Collections}
	}
	return shapeOfRecord[R]()
}

// collection is the resource's own collection ("teams"), or a
// singleton's name ("publication"): its type in its revisions
// (history.TypeOf).
func (t Type[R]) collection() string {
	s := t.names()
	if s.singleton != "" {
		return s.singleton
	}
	return s.collections[len(s.collections)-1]
}

// Updatable lists the fields an Update may change, in API order: those of
// the resource's proto that are neither IDENTIFIER, OUTPUT_ONLY nor
// IMMUTABLE, the etag aside. An update_mask may also name the OUTPUT_ONLY
// and IMMUTABLE ones, which an update leaves as they are.
func (t Type[R]) Updatable() []string { return shapeOfRecord[R]().updatable }

// Name is the name of the resource with ids.
func (t Type[R]) Name(ids ...string) string { return t.names().name(ids...) }

// Parse returns the ids in the name in a request's field, or
// INVALID_ARGUMENT naming field.
func (t Type[R]) Parse(field, name string) ([]string, error) { return t.names().parse(field, name) }

// ParseParent returns the ids in the name of a parent of the resource
// (organisations/{o} for organisations/{o}/teams/{t}) in a request's
// field, or INVALID_ARGUMENT naming field.
func (t Type[R]) ParseParent(field, name string) ([]string, error) {
	c := t.names().collections
	return ParseName(field, name, c[:len(c)-1]...)
}

// newIDs returns the ids of a resource a Create makes under parent (the
// request's "parent"; none for a top-level collection), with the id the
// caller chose, or a new one.
func (t Type[R]) newIDs(parent, id string) ([]string, error) {
	var ids []string
	if len(t.names().collections) > 1 {
		var err error
		if ids, err = t.ParseParent("parent", parent); err != nil {
			return nil, err
		}
	}
	if id == "" {
		id = resourcename.NewID()
	}
	return append(ids, id), nil
}

// Lookup reads the resource with ids, NOT_FOUND naming it when there is
// none.
func (t Type[R]) Lookup(ctx context.Context, q sqldb.Querier, ids ...string) (R, error) {
	return Lookup(ctx, q, t.Name(ids...), func(ctx context.Context, q sqldb.Querier) (R, error) { return t.read(ctx, q, ids) })
}

// Page reads one page of a List of the resources under the parent with
// ids: those whose first key columns hold ids, live ones only unless
// showDeleted.
func (t Type[R]) Page(ctx context.Context, q sqldb.Querier, plan *listing.Plan[R], showDeleted bool, ids ...string) ([]R, error) {
	if len(ids) == 0 {
		return t.Table.Page(ctx, q, plan, showDeleted, "")
	}
	key := t.Table.keyColumns()[:len(ids)]
	return t.Table.Page(ctx, q, plan, showDeleted, strings.Join(key, " = ? AND ")+" = ?", anys(ids)...)
}

// read reads the row of the resource with ids, ErrNotFound when there is
// none.
func (t Type[R]) read(ctx context.Context, q sqldb.Querier, ids []string) (R, error) {
	if t.Get != nil {
		return t.Get(ctx, q, ids...)
	}
	return t.Table.Get(ctx, q, anys(ids)...)
}

// insert writes the row of a new resource.
func (t Type[R]) insert(ctx context.Context, tx *sqldb.Tx, r R) error {
	if t.Insert != nil {
		return t.Insert(ctx, tx, r)
	}
	return t.Table.Insert(ctx, tx, r)
}

// save writes r over its row at the revision before r's, reporting false
// when the row has moved on meanwhile.
func (t Type[R]) save(ctx context.Context, tx *sqldb.Tx, r R) (bool, error) {
	if t.Save != nil {
		return t.Save(ctx, tx, r)
	}
	return t.Table.Update(ctx, tx, r, *r.Revision()-1)
}

// anys are ids as query arguments.
func anys(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

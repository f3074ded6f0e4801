package resource

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// ListRequest is what every List request has (AIP-132, AIP-158, AIP-164);
// those that also have filter and order_by (AIP-160, AIP-132) are read for
// them.
type ListRequest interface {
	GetPageSize() int32
	GetPageToken() string
	GetShowDeleted() bool
}

// PageRequest is a List request's paging; its filter and order_by, where
// it has them, are read as ListRequest's are.
type PageRequest interface {
	GetPageSize() int32
	GetPageToken() string
}

// Everything is req as the ListRequest of resources that are never
// deleted (a check-in, a cycle), whose request has no show_deleted: none
// is left out as deleted.
func Everything(req PageRequest) ListRequest { return everything{req} }

// everything is Everything's request: req's paging, filter and order.
type everything struct{ PageRequest }

// GetShowDeleted implements ListRequest.
func (everything) GetShowDeleted() bool { return true }

// GetFilter is the request's filter, "" for a request without one.
func (e everything) GetFilter() string {
	f, _ := e.PageRequest.(interface{ GetFilter() string })
	if f == nil {
		return ""
	}
	return f.GetFilter()
}

// GetOrderBy is the request's order_by, "" for a request without one.
func (e everything) GetOrderBy() string {
	o, _ := e.PageRequest.(interface{ GetOrderBy() string })
	if o == nil {
		return ""
	}
	return o.GetOrderBy()
}

// List answers a List: one page of the rows query selects for plan, and
// the token of the next page. scope holds the request's other parameters
// a page token is bound to (the parent, say); show_deleted is added.
func List[R interface{ Message() M }, M Message](ctx context.Context, q sqldb.Querier, schema *listing.Schema[R], req ListRequest, scope string,
	query func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[R]) ([]R, error)) ([]M, string, error) {
	lr := listing.Request{PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
		Scope: scope + " show_deleted=" + strconv.FormatBool(req.GetShowDeleted())}
	if f, ok := req.(interface{ GetFilter() string }); ok {
		lr.Filter = f.GetFilter()
	}
	if o, ok := req.(interface{ GetOrderBy() string }); ok {
		lr.OrderBy = o.GetOrderBy()
	}
	plan, err := schema.Build(lr)
	if err != nil {
		return nil, "", err
	}
	rows, err := query(ctx, q, plan)
	if err != nil {
		return nil, "", err
	}
	rows, next := plan.Page(rows)
	out := make([]M, len(rows))
	for i, r := range rows {
		out[i] = r.Message()
	}
	return out, next, nil
}

// ApplyMask returns a copy of current with the top-level fields in paths
// taken from change (cleared where change has none). paths are already
// checked against the resource's updatable fields by MaskPaths.
func ApplyMask[M proto.Message](current, change M, paths []string) M {
	next := proto.CloneOf(current)
	dst, src := next.ProtoReflect(), proto.CloneOf(change).ProtoReflect()
	fields := dst.Descriptor().Fields()
	for _, p := range paths {
		fd := fields.ByName(protoreflect.Name(p))
		if src.Has(fd) {
			dst.Set(fd, src.Get(fd))
		} else {
			dst.Clear(fd)
		}
	}
	return next
}

// Timed is a resource message with the times every List sorts by.
type Timed interface {
	GetCreateTime() *timestamppb.Timestamp
	GetUpdateTime() *timestamppb.Timestamp
}

// Schema is the List schema of most resources, R stored with message M:
// fields, then create_time and update_time (TimeFields), ties broken by
// the "id" column, the last id of a row's name; in defaultOrder unless a
// request says otherwise.
func Schema[R interface{ Message() M }, M interface {
	Timed
	GetName() string
}](defaultOrder string, fields []listing.Field[R]) *listing.Schema[R] {
	return &listing.Schema[R]{
		Fields:   slices.Concat(fields, TimeFields[R, M]()),
		IDColumn: "id",
		ID: func(r R) string {
			name := r.Message().GetName()
			return name[strings.LastIndexByte(name, '/')+1:]
		},
		DefaultOrder: defaultOrder,
	}
}

// TimeFields are the create_time and update_time fields of a List schema
// over R, whose message is M, stored as microseconds in the columns of the
// same names.
func TimeFields[R interface{ Message() M }, M Timed]() []listing.Field[R] {
	return []listing.Field[R]{
		{Name: "create_time", Column: "create_time", Kind: listing.Int, Sort: true,
			Key: func(r R) any { return Micros(r.Message().GetCreateTime()) }},
		{Name: "update_time", Column: "update_time", Kind: listing.Int, Sort: true,
			Key: func(r R) any { return Micros(r.Message().GetUpdateTime()) }},
	}
}

// NameField is a filter-only field of a List schema over R for a field
// that names a resource of collection in the resource's own organisation
// (a KPI's element, a team's parent_team), stored as that resource's id in
// idColumn. The filter compares the name as the API shows it; a value must
// be such a name, organisations/{organisation}/<collection>/{<id>}, or
// when optional also "", which a row without one (idColumn ”) matches.
func NameField[R any](name, collection, idColumn, id string, optional bool) listing.Field[R] {
	column := "('organisations/' || organisation_id || '/" + collection + "/' || " + idColumn + ")"
	want := "want organisations/{organisation}/" + collection + "/{" + id + "}"
	if optional {
		column = "(CASE WHEN " + idColumn + " = '' THEN '' ELSE " + column[1:len(column)-1] + " END)"
		want += ` or ""`
	}
	return listing.Field[R]{Name: name, Column: column, Kind: listing.String, Filter: true,
		Parse: func(v string) (any, error) {
			if v == "" && optional {
				return "", nil
			}
			if _, err := resourcename.Parse(v, "organisations", collection); err != nil {
				return nil, errors.New(want)
			}
			return v, nil
		}}
}

// Respond is the answer of a List method: resp, its response message,
// with the page's resources in its first field and next in its
// next_page_token; or err.
func Respond[Resp proto.Message, M Message](resp Resp, page []M, next string, err error) (Resp, error) {
	if err != nil {
		var none Resp
		return none, err
	}
	fill(resp.ProtoReflect(), page, next)
	return resp, nil
}

// fill puts page in the List response resp's first field and next in its
// next_page_token.
func fill[M Message](resp protoreflect.Message, page []M, next string) {
	fields := resp.Descriptor().Fields()
	list := resp.Mutable(fields.ByNumber(1)).List()
	for _, item := range page {
		list.Append(protoreflect.ValueOfMessage(item.ProtoReflect()))
	}
	resp.Set(fields.ByName("next_page_token"), protoreflect.ValueOfString(next))
}

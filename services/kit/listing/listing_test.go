package listing

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type item struct {
	id, name string
	kind     int32
	created  int64
}

var schema = &Schema[item]{
	Fields: []Field[item]{
		{Name: "display_name", Column: "display_name", Kind: String, Filter: true, Sort: true, Key: func(i item) any { return i.name }},
		{Name: "kind", Column: "kind", Kind: Enum, Enum: map[string]int32{"KIND_A": 1, "KIND_B": 2}, Filter: true},
		{Name: "create_time", Column: "create_time", Kind: Int, Sort: true, Key: func(i item) any { return i.created }},
		{Name: "parent", Column: "parent_id", Kind: String, Filter: true, Parse: func(v string) (any, error) {
			if v == "" {
				return "", nil
			}
			id, ok := strings.CutPrefix(v, "things/")
			if !ok {
				return nil, errors.New("want things/{thing}")
			}
			return id, nil
		}},
	},
	IDColumn:     "id",
	ID:           func(i item) string { return i.id },
	DefaultOrder: "create_time",
}

func TestBuildFilterAndOrder(t *testing.T) {
	p, err := schema.Build(Request{Filter: `kind = KIND_B AND display_name:"No_rth \"x\""`, OrderBy: "display_name desc, create_time"})
	if err != nil {
		t.Fatal(err)
	}
	wantWhere := `kind = ? AND LOWER(display_name) LIKE ? ESCAPE '\'`
	if p.Where != wantWhere {
		t.Errorf("Where = %q, want %q", p.Where, wantWhere)
	}
	if want := []any{int32(2), `%no\_rth "x"%`}; !reflect.DeepEqual(p.Args, want) {
		t.Errorf("Args = %#v, want %#v", p.Args, want)
	}
	if want := "display_name DESC, create_time ASC, id ASC"; p.OrderBy != want {
		t.Errorf("OrderBy = %q, want %q", p.OrderBy, want)
	}
	if p.Limit != DefaultPageSize+1 {
		t.Errorf("Limit = %d", p.Limit)
	}
}

func TestParsedFilterValue(t *testing.T) {
	p, err := schema.Build(Request{Filter: `parent = "things/a" AND parent != ""`})
	if err != nil {
		t.Fatal(err)
	}
	if want := "parent_id = ? AND parent_id <> ?"; p.Where != want {
		t.Errorf("Where = %q, want %q", p.Where, want)
	}
	if want := []any{"a", ""}; !reflect.DeepEqual(p.Args, want) {
		t.Errorf("Args = %#v, want %#v", p.Args, want)
	}
}

func TestPageTokenRoundTrip(t *testing.T) {
	req := Request{PageSize: 2, OrderBy: "display_name desc", Scope: "live"}
	p, err := schema.Build(req)
	if err != nil {
		t.Fatal(err)
	}
	rows := []item{{"a", "zed", 1, 10}, {"b", "yak", 1, 20}, {"c", "xen", 1, 30}}
	page, next := p.Page(rows)
	if len(page) != 2 || next == "" {
		t.Fatalf("Page = %v, %q", page, next)
	}
	req.PageToken = next
	p2, err := schema.Build(req)
	if err != nil {
		t.Fatal(err)
	}
	if want := "((display_name < ?) OR (display_name = ? AND id > ?))"; p2.Where != want {
		t.Errorf("Where = %q, want %q", p2.Where, want)
	}
	if want := []any{"yak", "yak", "b"}; !reflect.DeepEqual(p2.Args, want) {
		t.Errorf("Args = %#v, want %#v", p2.Args, want)
	}
	if _, last := p2.Page(rows[:1]); last != "" {
		t.Errorf("short page has a next token")
	}

	req.Scope = "with deleted"
	if _, err := schema.Build(req); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "page_token") {
		t.Errorf("token reused with another scope: %v", err)
	}
}

func TestBuildRejects(t *testing.T) {
	for _, tc := range []struct {
		req   Request
		field string
	}{
		{Request{PageSize: -1}, "page_size"},
		{Request{PageToken: "garbage!"}, "page_token"},
		{Request{PageToken: "eyJhIjpbXSwiZiI6IiJ9"}, "page_token"},
		{Request{Filter: "owner = x"}, "filter"},
		{Request{Filter: "create_time = 3"}, "filter"},
		{Request{Filter: "kind = KIND_Z"}, "filter"},
		{Request{Filter: "kind : KIND_A"}, "filter"},
		{Request{Filter: "display_name = a OR kind = KIND_A"}, "filter"},
		{Request{Filter: `display_name = "open`}, "filter"},
		{Request{Filter: "display_name ="}, "filter"},
		{Request{Filter: "(kind = KIND_A)"}, "filter"},
		{Request{Filter: "parent = teams/x"}, "filter"},
		{Request{Filter: "parent : things/x"}, "filter"},
		{Request{OrderBy: "kind"}, "order_by"},
		{Request{OrderBy: "display_name sideways"}, "order_by"},
		{Request{OrderBy: "display_name, display_name desc"}, "order_by"},
		{Request{OrderBy: "display_name,"}, "order_by"},
	} {
		_, err := schema.Build(tc.req)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("Build(%+v) = %v, want INVALID_ARGUMENT naming %s", tc.req, err, tc.field)
		}
	}
}

func TestPageSizeClamped(t *testing.T) {
	p, err := schema.Build(Request{PageSize: 5000})
	if err != nil || p.Limit != MaxPageSize+1 {
		t.Fatalf("Build = %v, %v", p, err)
	}
}

func FuzzBuild(f *testing.F) {
	f.Add("", `display_name:"x"`, "create_time desc")
	f.Add("eyJhIjpbIngiLCJ5Il0sImYiOiIxMjMifQ", "kind = KIND_A", "")
	f.Fuzz(func(t *testing.T, token, filter, orderBy string) {
		p, err := schema.Build(Request{PageToken: token, Filter: filter, OrderBy: orderBy})
		if err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("non-INVALID_ARGUMENT error %v", err)
			}
			return
		}
		if n := strings.Count(p.Where, "?"); n != len(p.Args) {
			t.Fatalf("%d placeholders, %d args for %q", n, len(p.Args), p.Where)
		}
	})
}

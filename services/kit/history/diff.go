package history

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
)

// stamped are fields every change stamps: a revision says what and who
// and when itself, so listing them as changed would only hide what the
// change did.
var stamped = []string{"name", "etag", "create_time", "update_time", "delete_time", "create_actor", "update_actor"}

// fieldsOf is m's JSON as the API writes it (proto field names), by field;
// nil for nil.
func fieldsOf(m proto.Message) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	data, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("revision as JSON: %w", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("revision as JSON: %w", err)
	}
	return fields, nil
}

// toStruct is m as a JSON object.
func toStruct(m proto.Message) (*structpb.Struct, error) {
	fields, err := fieldsOf(m)
	if err != nil {
		return nil, err
	}
	return structpb.NewStruct(fields)
}

// diff lists the fields whose values differ from before (nil: none) to
// after, in field name order, but for those every change stamps; only
// those of only, when it is not nil.
func diff(before, after proto.Message, only []string) ([]*historypb.FieldChange, error) {
	old, err := fieldsOf(before)
	if err != nil {
		return nil, err
	}
	now, err := fieldsOf(after)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, fields := range []map[string]any{old, now} {
		for name := range fields {
			if !slices.Contains(names, name) && !slices.Contains(stamped, name) && (only == nil || slices.Contains(only, name)) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	var out []*historypb.FieldChange
	for _, name := range names {
		o, hadOld := old[name]
		n, hasNew := now[name]
		if hadOld == hasNew && reflect.DeepEqual(o, n) {
			continue
		}
		c := &historypb.FieldChange{Field: name}
		if hadOld {
			if c.OldValue, err = structpb.NewValue(o); err != nil {
				return nil, err
			}
		}
		if hasNew {
			if c.NewValue, err = structpb.NewValue(n); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

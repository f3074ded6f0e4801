package resource

import (
	"slices"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// fixedFields holds, by message name, the fixed fields of each resource
// message (see fixed); read once per message.
var fixedFields sync.Map

// fixed lists the fields of the message d that the API marks OUTPUT_ONLY
// or IMMUTABLE (google.api.field_behavior): an update_mask may name them,
// and an update leaves them as they are (AIP-203) — the same rule for
// every resource, as its proto states it.
func fixed(d protoreflect.MessageDescriptor) []string {
	if cached, ok := fixedFields.Load(d.FullName()); ok {
		return cached.([]string)
	}
	var out []string
	fields := d.Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		behaviors, _ := proto.GetExtension(f.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
		if slices.Contains(behaviors, annotations.FieldBehavior_OUTPUT_ONLY) || slices.Contains(behaviors, annotations.FieldBehavior_IMMUTABLE) {
			out = append(out, string(f.Name()))
		}
	}
	fixedFields.Store(d.FullName(), out)
	return out
}

package history

import (
	"strings"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// namedMessages maps the collections of a resource name pattern (its
// literal segments: "organisations/kpis/measurements") to the one message
// whose google.api.resource declares it; nil where two do.
var namedMessages = sync.OnceValue(func() map[string]protoreflect.MessageType {
	out := map[string]protoreflect.MessageType{}
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		r, ok := proto.GetExtension(mt.Descriptor().Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
		if !ok {
			return true
		}
		for _, pattern := range r.GetPattern() {
			var literals []string
			for s := range strings.SplitSeq(pattern, "/") {
				if !strings.HasPrefix(s, "{") {
					literals = append(literals, s)
				}
			}
			key := strings.Join(literals, "/")
			if _, taken := out[key]; taken {
				out[key] = nil
			} else {
				out[key] = mt
			}
		}
		return true
	})
	return out
})

// messageNamed is the message of the resource called name, as the
// resource patterns the API declares say; nil when none or more than one
// declares its pattern.
func messageNamed(name string) protoreflect.MessageType {
	segments := strings.Split(name, "/")
	collections := make([]string, 0, len(segments)/2+1)
	for i := 0; i < len(segments); i += 2 {
		collections = append(collections, segments[i])
	}
	return namedMessages()[strings.Join(collections, "/")]
}

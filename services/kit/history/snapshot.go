package history

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// encodeSnapshot is m as a revision keeps it: its protobuf encoding
// without its name, which the revision's resource column holds already
// (decodeSnapshot puts it back) — a third of a measurement's snapshot.
func encodeSnapshot(m Resource) ([]byte, error) {
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	if fd := m.ProtoReflect().Descriptor().Fields().ByName("name"); fd != nil {
		data = withoutField(data, fd.Number())
	}
	return data, nil
}

// withoutField is data, a message's encoding, without the top-level field
// num. A deterministic encoding has it first where its number is the
// lowest (a resource's name is field 1), and then no bytes are copied.
func withoutField(data []byte, num protowire.Number) []byte {
	var out []byte
	for rest := data; len(rest) > 0; {
		n, typ, tagLen := protowire.ConsumeTag(rest)
		if tagLen < 0 {
			return data
		}
		valueLen := protowire.ConsumeFieldValue(n, typ, rest[tagLen:])
		if valueLen < 0 {
			return data
		}
		field := rest[:tagLen+valueLen]
		rest = rest[tagLen+valueLen:]
		switch {
		case n != num:
			out = append(out, field...)
		case out == nil:
			return rest // the field came first: the rest is the answer
		default:
			return append(out, rest...)
		}
	}
	return data
}

// decodeSnapshot reads the snapshot of the resource called name, of the
// message type called messageType, with its name (snapshots written
// before encodeSnapshot dropped it still hold it).
func decodeSnapshot(messageType, name string, data []byte) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(messageType))
	if err != nil {
		return nil, fmt.Errorf("revision of unknown type %s: %w", messageType, err)
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("read revision of %s: %w", messageType, err)
	}
	r := m.ProtoReflect()
	if fd := r.Descriptor().Fields().ByName("name"); fd != nil && fd.Kind() == protoreflect.StringKind && !r.Has(fd) {
		r.Set(fd, protoreflect.ValueOfString(name))
	}
	return m, nil
}

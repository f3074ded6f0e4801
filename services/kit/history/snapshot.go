package history

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// snapshot is a revision's resource as its row keeps it: the message's
// encoding without what the row holds already (its name always, its
// update_actor when actorLeftOut), with the columns that say what it was.
type snapshot struct {
	messageType, name, actor string
	actorLeftOut             bool
	data                     []byte
}

// encodeSnapshot is m, as actor's change left it, the way a revision
// keeps it: its protobuf encoding without its name, which the revision's
// resource column holds, nor its update_actor when that is actor, which
// the actor column holds (decode puts both back) — together two thirds of
// a measurement's encoding.
func encodeSnapshot(m Resource, actor string) (snapshot, error) {
	s := snapshot{messageType: string(m.ProtoReflect().Descriptor().FullName()), name: m.GetName(), actor: actor}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return s, err
	}
	fields := m.ProtoReflect().Descriptor().Fields()
	var drop []protowire.Number
	if fd := fields.ByName("name"); fd != nil {
		drop = append(drop, fd.Number())
	}
	// An empty actor stays in its snapshot: an empty update_actor read back
	// could not tell it from one left out.
	if fd := fields.ByName("update_actor"); fd != nil && fd.Kind() == protoreflect.StringKind && actor != "" && m.ProtoReflect().Get(fd).String() == actor {
		drop, s.actorLeftOut = append(drop, fd.Number()), true
	}
	s.data = withoutFields(data, drop...)
	return s, nil
}

// withoutFields is data, a message's encoding, without the top-level
// fields numbered drop; what does not parse stays as it is.
func withoutFields(data []byte, drop ...protowire.Number) []byte {
	out := make([]byte, 0, len(data))
	for rest := data; len(rest) > 0; {
		n, typ, tagLen := protowire.ConsumeTag(rest)
		if tagLen < 0 {
			return data
		}
		valueLen := protowire.ConsumeFieldValue(n, typ, rest[tagLen:])
		if valueLen < 0 {
			return data
		}
		if !slices.Contains(drop, n) {
			out = append(out, rest[:tagLen+valueLen]...)
		}
		rest = rest[tagLen+valueLen:]
	}
	return out
}

// decode reads the snapshot back as the resource it was, with its name
// (snapshots written before encodeSnapshot dropped it still hold it) and
// the update_actor it left out.
func (s snapshot) decode() (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(s.messageType))
	if err != nil {
		return nil, fmt.Errorf("revision of unknown type %s: %w", s.messageType, err)
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(s.data, m); err != nil {
		return nil, fmt.Errorf("read revision of %s: %w", s.messageType, err)
	}
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	if fd := fields.ByName("name"); fd != nil && fd.Kind() == protoreflect.StringKind && !r.Has(fd) {
		r.Set(fd, protoreflect.ValueOfString(s.name))
	}
	if fd := fields.ByName("update_actor"); s.actorLeftOut && fd != nil && fd.Kind() == protoreflect.StringKind {
		r.Set(fd, protoreflect.ValueOfString(s.actor))
	}
	return m, nil
}

package resource

import (
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The standard fields of a resource message, found by name so that one
// engine serves every resource: each message has those of them it needs
// (an API token has no etag, say).
type standardFields struct {
	etag, createTime, updateTime, deleteTime, updateActor protoreflect.FieldDescriptor
}

var fieldsByType sync.Map // protoreflect.FullName -> standardFields

func fieldsOf(m protoreflect.Message) standardFields {
	d := m.Descriptor()
	if f, ok := fieldsByType.Load(d.FullName()); ok {
		return f.(standardFields)
	}
	all := d.Fields()
	f := standardFields{etag: all.ByName("etag"), createTime: all.ByName("create_time"),
		updateTime: all.ByName("update_time"), deleteTime: all.ByName("delete_time"), updateActor: all.ByName("update_actor")}
	fieldsByType.Store(d.FullName(), f)
	return f
}

// stamp makes m the revision rev of its resource, changed at t by actor;
// a deleted revision has t as its delete time too.
func stamp(m proto.Message, rev int64, t *timestamppb.Timestamp, actor string, deleted bool) {
	r := m.ProtoReflect()
	f := fieldsOf(r)
	set(r, f.etag, protoreflect.ValueOfString(Etag(rev)))
	set(r, f.updateTime, protoreflect.ValueOfMessage(t.ProtoReflect()))
	set(r, f.updateActor, protoreflect.ValueOfString(actor))
	if f.deleteTime != nil {
		r.Clear(f.deleteTime)
		if deleted {
			r.Set(f.deleteTime, protoreflect.ValueOfMessage(proto.Clone(t).ProtoReflect()))
		}
	}
}

// stampCreated makes m the first revision of a new resource, made at t by
// actor.
func stampCreated(m proto.Message, t *timestamppb.Timestamp, actor string) {
	stamp(m, 1, t, actor, false)
	r := m.ProtoReflect()
	set(r, fieldsOf(r).createTime, protoreflect.ValueOfMessage(proto.Clone(t).ProtoReflect()))
}

func set(m protoreflect.Message, fd protoreflect.FieldDescriptor, v protoreflect.Value) {
	if fd != nil {
		m.Set(fd, v)
	}
}

// isDeleted reports whether m is a deleted revision.
func isDeleted(m proto.Message) bool {
	r := m.ProtoReflect()
	f := fieldsOf(r)
	return f.deleteTime != nil && r.Has(f.deleteTime)
}

// createdAfter reports whether m was made after t.
func createdAfter(m proto.Message, t time.Time) bool {
	r := m.ProtoReflect()
	f := fieldsOf(r)
	return f.createTime != nil && r.Get(f.createTime).Message().Interface().(*timestamppb.Timestamp).AsTime().After(t)
}

// etag is m's etag, "" for a resource without one.
func etag(m proto.Message) string {
	r := m.ProtoReflect()
	if f := fieldsOf(r); f.etag != nil {
		return r.Get(f.etag).String()
	}
	return ""
}

package resource

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// What the engine needs to know of a resource, its proto states: the
// pattern of its names (google.api.resource, AIP-123) and the behaviour
// of its fields (google.api.field_behavior, AIP-203). Declaring them
// there, once, keeps the API document, the clients generated from it and
// the services in agreement.

// shape is what a resource message's options say, read once per message.
type shape struct {
	// pattern is the first name pattern; collections are its collections
	// (see patternCollections), and singleton its last segment when that
	// is a literal: "publication" in organisations/{organisation}/publication,
	// a resource each organisation has one of (AIP-156).
	pattern     string
	collections []string
	singleton   string
	// updatable fields: neither IDENTIFIER, OUTPUT_ONLY nor IMMUTABLE,
	// nor the etag (a precondition, not a value); in API order.
	updatable []string
	// fixed fields: OUTPUT_ONLY or IMMUTABLE.
	fixed []string
}

// shapes holds each message's shape by its full name.
var shapes sync.Map

// shapeOf returns the shape of the message d.
func shapeOf(d protoreflect.MessageDescriptor) *shape {
	if cached, ok := shapes.Load(d.FullName()); ok {
		return cached.(*shape)
	}
	s := &shape{}
	if r, ok := proto.GetExtension(d.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); ok && len(r.GetPattern()) > 0 {
		s.pattern = r.GetPattern()[0]
		s.collections = patternCollections(s.pattern)
		if last := s.pattern[strings.LastIndex(s.pattern, "/")+1:]; !strings.HasPrefix(last, "{") {
			s.singleton = last
		}
	}
	fields := d.Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		behaviors, _ := proto.GetExtension(f.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
		switch {
		case slices.Contains(behaviors, annotations.FieldBehavior_OUTPUT_ONLY), slices.Contains(behaviors, annotations.FieldBehavior_IMMUTABLE):
			s.fixed = append(s.fixed, string(f.Name()))
		case slices.Contains(behaviors, annotations.FieldBehavior_IDENTIFIER), f.Name() == "etag":
		default:
			s.updatable = append(s.updatable, string(f.Name()))
		}
	}
	cached, _ := shapes.LoadOrStore(d.FullName(), s)
	return cached.(*shape)
}

// patternCollections are the collections of a name pattern, the literal
// segments before each variable: "organisations", "teams" for
// organisations/{organisation}/teams/{team}.
func patternCollections(pattern string) []string {
	var out []string
	segments := strings.Split(pattern, "/")
	for i, s := range segments {
		if i+1 < len(segments) && strings.HasPrefix(segments[i+1], "{") {
			out = append(out, s)
		}
	}
	return out
}

// name is the name of the resource with ids.
func (s *shape) name(ids ...string) string {
	name := resourcename.Format(s.collections, ids...)
	if s.singleton != "" {
		name += "/" + s.singleton
	}
	return name
}

// parse returns the ids in the name in a request's field, or
// INVALID_ARGUMENT naming field.
func (s *shape) parse(field, name string) ([]string, error) {
	if s.singleton != "" {
		parent, ok := strings.CutSuffix(name, "/"+s.singleton)
		if !ok {
			return nil, apierr.InvalidArgument(field, "must be "+s.pattern)
		}
		name = parent
	}
	return ParseName(field, name, s.collections...)
}

// NameOf is the name with ids of a resource of the message type M, in the
// first pattern its proto declares. (A Type's Name says the same; this is
// for code a Type's own declaration depends on, its scans.)
func NameOf[M proto.Message](ids ...string) string { return shapeOfMessage[M]().name(ids...) }

// ParseNameOf returns the ids in the name of a resource of the message
// type M in a request's field, or INVALID_ARGUMENT naming field. (See
// NameOf.)
func ParseNameOf[M proto.Message](field, name string) ([]string, error) {
	return shapeOfMessage[M]().parse(field, name)
}

func shapeOfMessage[M proto.Message]() *shape {
	var m M
	return shapeOf(m.ProtoReflect().Descriptor())
}

// fixed lists the fields of the message d that the API marks OUTPUT_ONLY
// or IMMUTABLE: an update_mask may name them, and an update leaves them as
// they are (AIP-203) — the same rule for every resource, as its proto
// states it.
func fixed(d protoreflect.MessageDescriptor) []string { return shapeOf(d).fixed }

// recordShapes holds the shape of each record type's message by the
// record's Go type.
var recordShapes sync.Map

// shapeOfRecord returns the shape of the message records of type R hold.
// R is a pointer to a struct embedding Stored; a new one is made once, as
// a nil R has no Stored to ask.
func shapeOfRecord[R interface {
	descriptor() protoreflect.MessageDescriptor
}]() *shape {
	t := reflect.TypeFor[R]()
	if cached, ok := recordShapes.Load(t); ok {
		return cached.(*shape)
	}
	s := shapeOf(reflect.New(t.Elem()).Interface().(R).descriptor())
	recordShapes.Store(t, s)
	return s
}

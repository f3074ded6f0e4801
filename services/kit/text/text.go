// Package text says what text the API accepts in a string field: valid
// UTF-8 without control characters, on one line unless the field is free
// text (marked multiline in its proto, see goldenthread/annotations/v1),
// where line breaks and tabs are allowed too. PostgreSQL refuses NUL in
// text and a stray control character breaks logs, CSV and terminals, so
// the services refuse them at the door, for every request, in Check.
package text

import (
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	annotationspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/annotations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// Problem describes what makes s unacceptable in a field, "" when nothing
// does. multiline allows line feeds, carriage returns and tabs.
func Problem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "must be UTF-8 text without control characters: it holds bytes that are not UTF-8"
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			if !multiline {
				return "must be one line: line breaks and tabs are not allowed"
			}
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return fmt.Sprintf("must be UTF-8 text without control characters: it holds U+%04X", r)
		}
	}
	return ""
}

// Check returns a field violation for every string field of m, at any
// depth, whose value Problem refuses, named by its path
// (requests[2].measurement.note).
func Check(m proto.Message) []apierr.FieldViolation {
	var out []apierr.FieldViolation
	check(m.ProtoReflect(), "", &out)
	return out
}

func check(m protoreflect.Message, prefix string, out *[]apierr.FieldViolation) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := prefix + string(fd.Name())
		switch {
		case fd.IsList():
			list := v.List()
			for i := range list.Len() {
				checkValue(fd, list.Get(i), path+"["+strconv.Itoa(i)+"]", out)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				at := path + "[" + strconv.Quote(k.String()) + "]"
				if fd.MapKey().Kind() == protoreflect.StringKind {
					checkValue(fd.MapKey(), k.Value(), at, out)
				}
				checkValue(fd.MapValue(), v, at, out)
				return true
			})
		default:
			checkValue(fd, v, path, out)
		}
		return true
	})
}

func checkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string, out *[]apierr.FieldViolation) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if p := Problem(v.String(), multiline(fd)); p != "" {
			*out = append(*out, apierr.FieldViolation{Field: path, Description: p})
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		check(v.Message(), path+".", out)
	}
}

// multilines caches each field's multiline option: reading an option is a
// lookup in the descriptor's options message, and Check runs on every call.
var multilines sync.Map // protoreflect.FieldDescriptor -> bool

func multiline(fd protoreflect.FieldDescriptor) bool {
	if v, ok := multilines.Load(fd); ok {
		return v.(bool)
	}
	ml := false
	if opts := fd.Options(); opts != nil {
		ml, _ = proto.GetExtension(opts, annotationspb.E_Multiline).(bool)
	}
	multilines.Store(fd, ml)
	return ml
}

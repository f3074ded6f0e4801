package grpcserver

import (
	"strings"

	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// requestCodec is gRPC's protobuf codec, except for requests whose string
// fields hold invalid UTF-8. grpc-go answers a request it cannot decode
// with INTERNAL, before any interceptor runs, and without naming the
// field; this codec decodes such a request with each invalid byte sequence
// replaced by NUL, which the Validate interceptor then refuses as
// INVALID_ARGUMENT naming the field, as it refuses a NUL sent as such.
type requestCodec struct{ encoding.CodecV2 }

func newRequestCodec() requestCodec {
	return requestCodec{encoding.GetCodecV2(protocodec.Name)}
}

// Unmarshal implements encoding.CodecV2.
func (c requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	m, ok := v.(proto.Message)
	// protobuf-go has no exported error for invalid UTF-8; its message is
	// the only sign.
	if err == nil || !ok || !strings.Contains(err.Error(), "invalid UTF-8") {
		return err
	}
	repaired, ok := replaceInvalidUTF8(data.Materialize(), m.ProtoReflect().Descriptor())
	if !ok {
		return err
	}
	return proto.Unmarshal(repaired, m)
}

// replaceInvalidUTF8 returns the wire-format message b of type md with the
// invalid UTF-8 in its string fields, at any depth, replaced by NUL; ok is
// false when b is not well-formed.
func replaceInvalidUTF8(b []byte, md protoreflect.MessageDescriptor) (out []byte, ok bool) {
	out = make([]byte, 0, len(b))
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, false
		}
		fd := md.Fields().ByNumber(num)
		if typ != protowire.BytesType || fd == nil || (fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.MessageKind) {
			m := protowire.ConsumeFieldValue(num, typ, b[n:])
			if m < 0 {
				return nil, false
			}
			out, b = append(out, b[:n+m]...), b[n+m:]
			continue
		}
		v, m := protowire.ConsumeBytes(b[n:])
		if m < 0 {
			return nil, false
		}
		if fd.Kind() == protoreflect.StringKind {
			v = []byte(strings.ToValidUTF8(string(v), "\x00"))
		} else if v, ok = replaceInvalidUTF8(v, fd.Message()); !ok {
			return nil, false
		}
		out = protowire.AppendBytes(protowire.AppendTag(out, num, typ), v)
		b = b[n+m:]
	}
	return out, true
}

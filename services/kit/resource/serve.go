package resource

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Reads are standard reads of one resource that its engine answers alone
// (AIP-131 Get, AIP-132 List), so that no handler writes them: see
// Standard. A resource whose Get or List does more than the engine's (adds
// computed fields, reads as of a time) leaves that one out and its
// handler writes it.
type Reads struct {
	// message is the resource's message, which finds the methods.
	message protoreflect.MessageDescriptor
	get     func(ctx context.Context, name string) (proto.Message, error)
	list    func(ctx context.Context, req proto.Message, resp protoreflect.Message) error
}

// Reads are the engine's Get and List.
func (e Engine[R, M]) Reads() Reads {
	r := e.Gets()
	r.list = e.Lists().list
	return r
}

// Gets is the engine's Get only.
func (e Engine[R, M]) Gets() Reads {
	var m M
	return Reads{message: m.ProtoReflect().Descriptor(), get: func(ctx context.Context, name string) (proto.Message, error) {
		got, err := e.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		return got, nil
	}}
}

// Lists is the engine's List only. A request without show_deleted lists
// every resource (see Everything).
func (e Engine[R, M]) Lists() Reads {
	var m M
	return Reads{message: m.ProtoReflect().Descriptor(), list: func(ctx context.Context, req proto.Message, resp protoreflect.Message) error {
		lr, ok := req.(ListRequest)
		if !ok {
			lr = Everything(req.(PageRequest))
		}
		page, next, err := e.List(ctx, lr, req.(interface{ GetParent() string }).GetParent(), nil)
		if err != nil {
			return err
		}
		fill(resp, page, next)
		return nil
	}}
}

// Standard is g, but for the services registered through it: their
// methods Get{Resource} and List{Resources} of the resources of reads are
// answered by the engines, through the server's interceptors as every
// method is. A read that matches no method of the service registered is a
// mistake in the service's wiring: Standard panics, at its first start.
func Standard(g grpc.ServiceRegistrar, reads ...Reads) grpc.ServiceRegistrar {
	return standard{ServiceRegistrar: g, reads: reads}
}

type standard struct {
	grpc.ServiceRegistrar
	reads []Reads
}

// RegisterService implements grpc.ServiceRegistrar.
func (s standard) RegisterService(desc *grpc.ServiceDesc, impl any) {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(desc.ServiceName))
	if err != nil {
		panic(fmt.Sprintf("resource.Standard: service %s: %v", desc.ServiceName, err))
	}
	methods := d.(protoreflect.ServiceDescriptor).Methods()
	served := *desc
	served.Methods = slices.Clone(desc.Methods)
	for _, r := range s.reads {
		want, found := r.methods(), 0
		for i, m := range served.Methods {
			if h := r.handler("/"+desc.ServiceName+"/"+m.MethodName, methods.ByName(protoreflect.Name(m.MethodName))); h != nil {
				served.Methods[i].Handler = h
				found++
			}
		}
		if found != want {
			panic(fmt.Sprintf("resource.Standard: service %s answers %d of the %d standard reads of %s", desc.ServiceName, found, want, r.message.FullName()))
		}
	}
	s.ServiceRegistrar.RegisterService(&served, impl)
}

// methods is how many methods r answers.
func (r Reads) methods() int {
	n := 0
	if r.get != nil {
		n++
	}
	if r.list != nil {
		n++
	}
	return n
}

// handler answers the method md (fullMethod) when it is one of r's: a Get
// of the resource (Get{Resource}, answering the resource) or a List of it
// (List..., answering a page of them in its first field); nil otherwise.
func (r Reads) handler(fullMethod string, md protoreflect.MethodDescriptor) grpc.MethodHandler {
	if md == nil {
		return nil
	}
	name, out := string(md.Name()), md.Output()
	switch {
	case r.get != nil && name == "Get"+string(r.message.Name()) && out.FullName() == r.message.FullName():
		return unary(fullMethod, md, func(ctx context.Context, req proto.Message) (proto.Message, error) {
			return r.get(ctx, req.(interface{ GetName() string }).GetName())
		})
	case r.list != nil && strings.HasPrefix(name, "List") && pageOf(out, r.message):
		resp, err := protoregistry.GlobalTypes.FindMessageByName(out.FullName())
		if err != nil {
			panic(fmt.Sprintf("resource.Standard: %s: %v", fullMethod, err))
		}
		return unary(fullMethod, md, func(ctx context.Context, req proto.Message) (proto.Message, error) {
			m := resp.New()
			if err := r.list(ctx, req, m); err != nil {
				return nil, err
			}
			return m.Interface(), nil
		})
	}
	return nil
}

// pageOf says whether out is a List response of message: its first field
// holds them.
func pageOf(out, message protoreflect.MessageDescriptor) bool {
	f := out.Fields().ByNumber(1)
	return f != nil && f.IsList() && f.Message() != nil && f.Message().FullName() == message.FullName() &&
		out.Fields().ByName("next_page_token") != nil
}

// unary is the gRPC handler of the method md (fullMethod) that call
// answers, as a generated one is: it decodes the request and runs the
// server's interceptors around call.
func unary(fullMethod string, md protoreflect.MethodDescriptor, call func(ctx context.Context, req proto.Message) (proto.Message, error)) grpc.MethodHandler {
	in, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	if err != nil {
		panic(fmt.Sprintf("resource.Standard: %s: %v", fullMethod, err))
	}
	return func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		req := in.New().Interface()
		if err := dec(req); err != nil {
			return nil, err
		}
		handle := func(ctx context.Context, req any) (any, error) { return call(ctx, req.(proto.Message)) }
		if interceptor == nil {
			return handle(ctx, req)
		}
		return interceptor(ctx, req, &grpc.UnaryServerInfo{Server: srv, FullMethod: fullMethod}, handle)
	}
}

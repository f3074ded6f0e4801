package resource

import (
	"context"
	"reflect"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
)

// registrar keeps what is registered with it.
type registrar struct{ desc *grpc.ServiceDesc }

func (r *registrar) RegisterService(desc *grpc.ServiceDesc, _ any) { r.desc = desc }

// method is the handler of the method called name in desc.
func method(t testing.TB, desc *grpc.ServiceDesc, name string) grpc.MethodHandler {
	t.Helper()
	for _, m := range desc.Methods {
		if m.MethodName == name {
			return m.Handler
		}
	}
	t.Fatalf("no method %s in %s", name, desc.ServiceName)
	return nil
}

func TestStandardAnswersGetAndList(t *testing.T) {
	checkIn := &planningpb.CheckIn{Name: "organisations/o/elements/e/checkIns/c"}
	var listed string
	reads := Reads{message: checkIn.ProtoReflect().Descriptor(),
		get: func(_ context.Context, name string) (proto.Message, error) {
			return &planningpb.CheckIn{Name: name}, nil
		},
		list: func(_ context.Context, req proto.Message, resp protoreflect.Message) error {
			listed = req.(*planningpb.ListCheckInsRequest).GetParent()
			fill(resp, []*planningpb.CheckIn{checkIn}, "next")
			return nil
		}}
	var r registrar
	Standard(&r, reads).RegisterService(&planningpb.CheckInsService_ServiceDesc, nil)

	var intercepted []string
	interceptor := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		intercepted = append(intercepted, info.FullMethod)
		return handler(ctx, req)
	}
	decode := func(m proto.Message) func(any) error {
		return func(v any) error { proto.Merge(v.(proto.Message), m); return nil }
	}
	ctx := context.Background()
	got, err := method(t, r.desc, "GetCheckIn")(nil, ctx, decode(&planningpb.GetCheckInRequest{Name: checkIn.Name}), interceptor)
	if err != nil || got.(*planningpb.CheckIn).GetName() != checkIn.Name {
		t.Errorf("GetCheckIn = %v, %v", got, err)
	}
	page, err := method(t, r.desc, "ListCheckIns")(nil, ctx, decode(&planningpb.ListCheckInsRequest{Parent: "organisations/o/elements/e"}), nil)
	resp, _ := page.(*planningpb.ListCheckInsResponse)
	if err != nil || len(resp.GetCheckIns()) != 1 || resp.GetNextPageToken() != "next" || listed != "organisations/o/elements/e" {
		t.Errorf("ListCheckIns = %v, %v (parent %q)", page, err, listed)
	}
	if want := []string{"/goldenthread.planning.v1.CheckInsService/GetCheckIn"}; !reflect.DeepEqual(intercepted, want) {
		t.Errorf("intercepted %v, want %v", intercepted, want)
	}
	generated := reflect.ValueOf(method(t, &planningpb.CheckInsService_ServiceDesc, "CreateCheckIn")).Pointer()
	if reflect.ValueOf(method(t, r.desc, "CreateCheckIn")).Pointer() != generated {
		t.Error("CreateCheckIn is not the generated handler")
	}
}

func TestStandardRefusesReadsTheServiceDoesNotHave(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registered a Get of check-ins on the KPI service")
		}
	}()
	reads := Reads{message: (*planningpb.CheckIn)(nil).ProtoReflect().Descriptor(),
		get: func(context.Context, string) (proto.Message, error) { return nil, nil }}
	Standard(&registrar{}, reads).RegisterService(&kpispb.KpisService_ServiceDesc, nil)
}

// checkInsServer is a hand-written GetCheckIn, for the benchmark.
type checkInsServer struct {
	planningpb.UnimplementedCheckInsServiceServer
}

func (checkInsServer) GetCheckIn(_ context.Context, req *planningpb.GetCheckInRequest) (*planningpb.CheckIn, error) {
	return &planningpb.CheckIn{Name: req.Name}, nil
}

// BenchmarkGetCheckIn compares Standard's GetCheckIn with the generated
// handler calling a hand-written method doing the same read.
func BenchmarkGetCheckIn(b *testing.B) {
	reads := Reads{message: (*planningpb.CheckIn)(nil).ProtoReflect().Descriptor(),
		get: func(_ context.Context, name string) (proto.Message, error) {
			return &planningpb.CheckIn{Name: name}, nil
		}}
	var r registrar
	Standard(&r, reads).RegisterService(&planningpb.CheckInsService_ServiceDesc, nil)
	req := &planningpb.GetCheckInRequest{Name: "organisations/o/elements/e/checkIns/c"}
	dec := func(v any) error { proto.Merge(v.(proto.Message), req); return nil }
	interceptor := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return handler(ctx, req)
	}
	for _, tc := range []struct {
		name    string
		handler grpc.MethodHandler
		srv     any
	}{
		{"generated", method(b, &planningpb.CheckInsService_ServiceDesc, "GetCheckIn"), checkInsServer{}},
		{"standard", method(b, r.desc, "GetCheckIn"), nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.handler(tc.srv, context.Background(), dec, interceptor); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

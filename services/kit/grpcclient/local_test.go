package grpcclient_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/grpcclient"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
)

// server answers Check in process, noting what the call looked like from
// the server's side.
type server struct {
	incoming, outgoing metadata.MD
	deadline           bool
	err                error
}

func (s *server) Call(ctx context.Context, method string, req proto.Message) (any, error) {
	if method != healthpb.Health_Check_FullMethodName || req.(*healthpb.HealthCheckRequest).Service != "svc" {
		return nil, errors.New("not the call sent")
	}
	s.incoming, _ = metadata.FromIncomingContext(ctx)
	s.outgoing, _ = metadata.FromOutgoingContext(ctx)
	_, s.deadline = ctx.Deadline()
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-http-code", "201"))
	_ = grpc.SetTrailer(ctx, metadata.Pairs("x-done", "yes"))
	if s.err != nil {
		return nil, s.err
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// streams stands for the network connection, which streams go over.
type streams struct{ grpc.ClientConnInterface }

var errStreamed = errors.New("streamed over the network")

func (streams) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, errStreamed
}

// TestLocal: a call in process is the call over the network, as the server
// and the caller see it: the caller's metadata (its credentials, the
// caller's kind) arrive as incoming metadata and nothing goes on as
// outgoing; a deadline is set; headers and trailers come back; an error
// arrives as a status; streams go over the network.
func TestLocal(t *testing.T) {
	s := &server{}
	conn := grpcclient.Local(s, streams{}, interceptor.CallerGateway)
	client := healthpb.NewHealthClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer t")
	var header, trailer metadata.MD
	resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "svc"}, grpc.Header(&header), grpc.Trailer(&trailer))
	if err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Check = %v, %v", resp, err)
	}
	if got := s.incoming.Get("authorization"); len(got) != 1 || got[0] != "Bearer t" {
		t.Errorf("incoming authorization = %v", got)
	}
	if got := s.incoming.Get(interceptor.CallerKey); len(got) != 1 || got[0] != interceptor.CallerGateway {
		t.Errorf("incoming caller = %v", got)
	}
	if len(s.outgoing) != 0 {
		t.Errorf("the server's outgoing metadata = %v, want none", s.outgoing)
	}
	if !s.deadline {
		t.Error("no deadline on the call")
	}
	if header.Get("x-http-code")[0] != "201" || trailer.Get("x-done")[0] != "yes" {
		t.Errorf("header %v, trailer %v", header, trailer)
	}

	s.err = status.Error(codes.NotFound, "organisations/x not found")
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "svc"}); status.Code(err) != codes.NotFound {
		t.Errorf("a status error arrives as %v", err)
	}
	s.err = errors.New("plain")
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "svc"}); status.Code(err) != codes.Unknown {
		t.Errorf("a plain error arrives as %v, want UNKNOWN as over the network", err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := client.Watch(wctx, &healthpb.HealthCheckRequest{}); !errors.Is(err, errStreamed) {
		t.Errorf("Watch = %v, want it over the network", err)
	}
}

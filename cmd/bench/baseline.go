package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
)

// bareElements is the gRPC baseline: a plain grpc-go server answering
// GetElement with a fixed element — no interceptors, credentials or
// database.
type bareElements struct {
	planningpb.UnimplementedElementsServiceServer
	el *planningpb.Element
}

func (b *bareElements) GetElement(context.Context, *planningpb.GetElementRequest) (*planningpb.Element, error) {
	return b.el, nil
}

// serveBaseline is `bench baseline`: it serves the element read from
// -element over bare gRPC and its JSON read from -json over bare net/http,
// printing "grpc <addr>" and "http <addr>", until interrupted.
func serveBaseline(args []string) error {
	fs := flag.NewFlagSet("bench baseline", flag.ContinueOnError)
	elementFile := fs.String("element", "", "the element, in protobuf binary encoding")
	jsonFile := fs.String("json", "", "the element as the gateway answers it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(*elementFile)
	if err != nil {
		return err
	}
	el := &planningpb.Element{}
	if err := proto.Unmarshal(raw, el); err != nil {
		return fmt.Errorf("element: %w", err)
	}
	body, err := os.ReadFile(*jsonFile)
	if err != nil {
		return err
	}
	grpcLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	httpLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	g := grpc.NewServer()
	planningpb.RegisterElementsServiceServer(g, &bareElements{el: el})
	go func() { _ = g.Serve(grpcLis) }()
	h := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})}
	go func() { _ = h.Serve(httpLis) }()
	fmt.Printf("grpc %s\nhttp %s\n", grpcLis.Addr(), httpLis.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	g.Stop()
	return h.Close()
}

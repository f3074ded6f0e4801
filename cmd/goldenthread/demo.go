package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/goldenthread/goldenthread/cmd/goldenthread/demo"
	"github.com/goldenthread/goldenthread/services/kit/auth"
)

// demoMarker is written to the data directory once the example is loaded:
// later starts with -demo leave the data alone, even when someone has
// changed or deleted the example since.
const demoMarker = "demo-loaded"

// loadDemo loads the example organisations on the first start with -demo,
// as the platform admin of the token file, through the gRPC port.
func loadDemo(ctx context.Context, p *process, dataDir string, logger *slog.Logger) error {
	marker := filepath.Join(dataDir, demoMarker)
	if _, err := os.Stat(marker); err == nil {
		logger.Info("the example organisations were loaded before; leaving them as they are", "marker", marker)
		return nil
	}
	token := p.adminToken
	if token == "" {
		raw, err := os.ReadFile(p.adminTokenFile)
		if err != nil {
			return fmt.Errorf("the demo loads as the platform admin of %s: %w", p.adminTokenFile, err)
		}
		token = strings.TrimSpace(string(raw))
	}
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := waitServing(ctx, conn); err != nil {
		return err
	}
	logger.Info("loading the example organisations")
	if err := demo.Load(auth.WithCredential(ctx, token), conn, time.Now()); err != nil {
		return err
	}
	return os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
}

// waitServing waits until every service reports SERVING.
func waitServing(ctx context.Context, conn *grpc.ClientConn) error {
	for {
		h, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && h.Status == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(errors.New("the services are not serving"), err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

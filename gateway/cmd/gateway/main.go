// Command gateway runs the REST front door on its own, in front of services
// deployed separately.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_ORGANISATIONS_ADDR. Run with -h for
// the list.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/goldenthread/goldenthread/gateway"
	"github.com/goldenthread/goldenthread/services/kit/config"
	"github.com/goldenthread/goldenthread/services/kit/serve"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "HTTP listen address")
	orgAddr := fs.String("organisations-addr", "127.0.0.1:9091", "gRPC address of the organisations service")
	teamsAddr := fs.String("teams-addr", "127.0.0.1:9092", "gRPC address of the teams service")
	planningAddr := fs.String("planning-addr", "127.0.0.1:9093", "gRPC address of the planning service")
	kpisAddr := fs.String("kpis-addr", "127.0.0.1:9094", "gRPC address of the KPI service")
	bodyLimit := fs.Int64("body-limit", gateway.DefaultBodyLimit, "largest request body accepted, in bytes")
	timeout := fs.Duration("timeout", gateway.DefaultTimeout, "deadline of each call to a service")
	corsOrigins := fs.String("cors-origins", "", "comma-separated origins allowed by CORS, or *; empty disables CORS")
	newLogger := serve.LogFlags(fs)
	if err := config.Parse(fs, os.Args[1:], "GT"); err != nil {
		return err
	}
	logger, err := newLogger()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	gw, err := gateway.New(ctx, gateway.Config{
		OrganisationsAddr: *orgAddr, TeamsAddr: *teamsAddr, PlanningAddr: *planningAddr, KpisAddr: *kpisAddr, BodyLimit: *bodyLimit, Timeout: *timeout,
		CORSOrigins: config.List(*corsOrigins), Logger: logger,
	})
	if err != nil {
		return err
	}
	defer gw.Close()
	lis, err := serve.Listen(*httpAddr)
	if err != nil {
		return err
	}
	logger.Info("gateway started", "http", "http://"+lis.Addr().String())
	return serve.HTTP(ctx, gw, lis)
}

package config

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestParseOrder(t *testing.T) {
	t.Setenv("GT_GRPC_ADDR", "env:1")
	t.Setenv("GT_DATA_DIR", "/env/data")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	grpcAddr := fs.String("grpc-addr", "default:1", "")
	dataDir := fs.String("data-dir", "./data", "")
	other := fs.String("other", "keep", "")
	if err := Parse(fs, []string{"-data-dir", "/flag/data"}, "GT"); err != nil {
		t.Fatal(err)
	}
	if *grpcAddr != "env:1" || *dataDir != "/flag/data" || *other != "keep" {
		t.Fatalf("got grpc-addr=%q data-dir=%q other=%q", *grpcAddr, *dataDir, *other)
	}
}

func TestParseBadEnvNamesVariable(t *testing.T) {
	t.Setenv("GT_WORKERS", "many")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Int("workers", 1, "")
	err := Parse(fs, nil, "GT")
	if err == nil || !strings.Contains(err.Error(), "GT_WORKERS") {
		t.Fatalf("want error naming GT_WORKERS, got %v", err)
	}
}

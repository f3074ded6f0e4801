// Command dockerfile runs BuildKit's Dockerfile frontend offline: the lint
// of `docker build --check` over every stage, then the conversion to a build
// graph of each target named, printing the image config it would have. Base
// images resolve to a stub config, as no registry is reached.
//
//	go run ./dockerfile ../Dockerfile organisations teams planning kpis gateway goldenthread
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
)

type stub struct{}

func (stub) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","GOPATH=/go"]}}`
	return ref, digest.FromString(cfg), []byte(cfg), nil
}

func main() {
	dt, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	src := llb.Scratch()
	sm := llb.NewSourceMap(&src, os.Args[1], "Dockerfile", dt)
	def, err := src.Marshal(ctx)
	if err != nil {
		panic(err)
	}
	sm.Definition = def
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{MetaResolver: stub{}, SourceMap: sm})
	if err != nil {
		panic(err)
	}
	bad := 0
	for _, w := range res.Warnings {
		fmt.Printf("lint %s: %s (line %d)\n", w.RuleName, w.Detail, w.Location.Ranges[0].Start.Line)
		bad++
	}
	if res.Error != nil {
		fmt.Println("lint error:", res.Error.Message)
		bad++
	}
	fmt.Printf("lint (all stages): %d warnings/errors\n", bad)
	for _, target := range os.Args[2:] {
		r, err := dockerfile2llb.Dockerfile2LLB(ctx, dt, dockerfile2llb.ConvertOpt{
			MetaResolver: stub{}, SourceMap: sm, Config: dockerui.Config{Target: target}})
		if err != nil {
			fmt.Printf("target %-14s ERROR %v\n", target, err)
			bad++
			continue
		}
		c := r.Image.Config
		fmt.Printf("target %-14s user=%s entrypoint=%v healthcheck=%v ports=%d\n", target, c.User, c.Entrypoint, c.Healthcheck.Test, len(c.ExposedPorts))
	}
	if bad > 0 {
		os.Exit(1)
	}
}

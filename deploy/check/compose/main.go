// Command compose loads a compose file the way `docker compose config` does
// (compose-go: the compose-spec JSON schema, interpolation, consistency of
// depends_on, volumes and networks), then checks that every host a GT_*
// variable names (gRPC addresses, NATS URLs, DSNs) is a service of the file.
//
//	go run ./compose ../compose.yaml
package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	opts, err := cli.NewProjectOptions(os.Args[1:], cli.WithOsEnv, cli.WithDotEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compose:", err)
		os.Exit(1)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "compose:", err)
		os.Exit(1)
	}
	os.Exit(check(project.Services))
}

func check(services types.Services) int {
	problems := 0
	names := make([]string, 0, len(services))
	for name := range services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for key, value := range services[name].Environment {
			if value == nil || !strings.HasPrefix(key, "GT_") {
				continue
			}
			for _, host := range hosts(key, *value) {
				if _, ok := services[host]; !ok {
					fmt.Printf("FAIL %s: %s names %q, which is not a service\n", name, key, host)
					problems++
				}
			}
		}
	}
	fmt.Printf("%d services (%s), %d problems\n", len(names), strings.Join(names, " "), problems)
	if problems > 0 {
		return 1
	}
	return 0
}

// hosts returns the hosts a setting points at.
func hosts(key, value string) []string {
	var out []string
	switch {
	case strings.HasSuffix(key, "_ADDR") && !strings.HasPrefix(value, "0.0.0.0:"):
		if h, _, err := net.SplitHostPort(value); err == nil {
			out = append(out, h)
		}
	case key == "GT_NATS_URL" || key == "GT_DSN":
		for _, u := range strings.Split(value, ",") {
			if parsed, err := url.Parse(strings.TrimSpace(u)); err == nil && parsed.Hostname() != "" {
				out = append(out, parsed.Hostname())
			}
		}
	}
	return out
}

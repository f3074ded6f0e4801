// Package config reads a command's settings from flags, with an environment
// variable behind every flag so that containers can be configured without a
// command line.
//
// A flag named "grpc-addr" may also be set through the variable
// PREFIX_GRPC_ADDR (for example GT_GRPC_ADDR). A flag given on the command
// line wins over the environment, which wins over the flag's default.
package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// EnvName returns the environment variable that sets the flag name.
func EnvName(prefix, name string) string {
	return prefix + "_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Parse parses args into fs, then fills every flag not given on the command
// line from its environment variable. A variable whose value the flag rejects
// is an error naming the variable.
func Parse(fs *flag.FlagSet, args []string, prefix string) error {
	fs.Usage = func() { usage(fs, prefix) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] {
			return
		}
		env := EnvName(prefix, f.Name)
		if v, ok := os.LookupEnv(env); ok {
			if setErr := fs.Set(f.Name, v); setErr != nil {
				err = fmt.Errorf("environment variable %s: %w", env, setErr)
			}
		}
	})
	return err
}

func usage(fs *flag.FlagSet, prefix string) {
	out := fs.Output()
	fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(out, "  -%s (env %s)\n    \t%s", f.Name, EnvName(prefix, f.Name), f.Usage)
		if f.DefValue != "" {
			fmt.Fprintf(out, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(out)
	})
}

// List splits a comma-separated flag value, dropping blanks.
func List(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

package host

import "flag"

// Defaults are where a service's own binary listens unless told otherwise,
// and what help texts call the service.
type Defaults struct {
	// Title names the service in help texts: "KPI service".
	Title string
	// GRPCAddr and MetricsAddr are the binary's default listen addresses.
	// The flags that point other services and the gateway at the service
	// default to its GRPCAddr, so that on one machine the defaults line up.
	GRPCAddr, MetricsAddr string
}

// Known holds the Defaults of every service, by name.
var Known = map[string]Defaults{
	"organisations": {Title: "organisations service", GRPCAddr: "127.0.0.1:9091", MetricsAddr: "127.0.0.1:9191"},
	"teams":         {Title: "teams service", GRPCAddr: "127.0.0.1:9092", MetricsAddr: "127.0.0.1:9192"},
	"planning":      {Title: "planning service", GRPCAddr: "127.0.0.1:9093", MetricsAddr: "127.0.0.1:9193"},
	"kpis":          {Title: "KPI service", GRPCAddr: "127.0.0.1:9094", MetricsAddr: "127.0.0.1:9194"},
}

// AddrFlag defines the flag -<name>-addr (GT_<NAME>_ADDR through
// config.Parse): the gRPC address at which to call the service called
// name, by default where its binary listens.
func AddrFlag(fs *flag.FlagSet, name string) *string {
	return fs.String(name+"-addr", Known[name].GRPCAddr, "gRPC address of the "+Known[name].Title)
}

// AllAt gives every service the address addr, for Settings.Addrs: in one
// process they share one listener.
func AllAt(addr string) map[string]string {
	addrs := make(map[string]string, len(Known))
	for name := range Known {
		addrs[name] = addr
	}
	return addrs
}

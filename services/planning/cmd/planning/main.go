// Command planning runs the planning service on its own, the way operators
// deploy it: its own listen address, database and NATS, and the addresses
// of the organisations service (who callers are) and the teams service
// (owner teams).
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_TEAMS_ADDR. Run with -h for the list.
package main

import (
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/planning"
)

func main() {
	host.Binary[*host.Base]{Spec: planning.Spec, Open: planning.Open}.Main()
}

// Command kpis runs the KPI service on its own, the way operators deploy
// it: its own listen address, database and NATS, and the addresses of the
// organisations (callers), teams (owner teams) and planning (elements)
// services.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_PLANNING_ADDR. Run with -h for the
// list.
package main

import (
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kpis"
)

func main() {
	host.Binary[*host.Base]{Spec: kpis.Spec, Open: kpis.Open}.Main()
}

// Command teams runs the teams service on its own, the way operators deploy
// it: its own listen address, database and NATS, and the address of the
// organisations service it checks organisations and people with.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_ORGANISATIONS_ADDR. Run with -h for
// the list.
package main

import (
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/teams"
)

func main() {
	host.Binary[*host.Base]{Spec: teams.Spec, Open: teams.Open}.Main()
}

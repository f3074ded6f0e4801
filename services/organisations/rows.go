package organisations

import (
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The stores read their rows through resource.Table; what is left here is
// what the service's own tables share beyond that.

// forShare is the clause that keeps a row read in a transaction from
// changing until the transaction ends. SQLite runs one write transaction at
// a time and needs none.
func forShare(q sqldb.Querier) string {
	if q.Dialect() == sqldb.Postgres {
		return " FOR SHARE"
	}
	return ""
}

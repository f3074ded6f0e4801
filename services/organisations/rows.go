package organisations

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
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

// timed is a resource with the times every resource lists by.
type timed interface {
	GetCreateTime() *timestamppb.Timestamp
	GetUpdateTime() *timestamppb.Timestamp
}

// timeFields are the create_time and update_time fields of a List schema,
// stored in the columns of the same names as microseconds.
func timeFields[R any](msg func(R) timed) []listing.Field[R] {
	return []listing.Field[R]{
		{Name: "create_time", Column: "create_time", Kind: listing.Int, Sort: true,
			Key: func(r R) any { return resource.Micros(msg(r).GetCreateTime()) }},
		{Name: "update_time", Column: "update_time", Kind: listing.Int, Sort: true,
			Key: func(r R) any { return resource.Micros(msg(r).GetUpdateTime()) }},
	}
}

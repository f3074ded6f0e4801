package idempotency_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// request stands in for a create request: any message with a request_id.
type request struct {
	*structpb.Struct
	requestID string
}

func (r request) GetRequestId() string { return r.requestID }

func newRequest(requestID, title string) request {
	s, _ := structpb.NewStruct(map[string]any{"title": title})
	return request{Struct: s, requestID: requestID}
}

func TestKeys(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := sqldbtest.Open(t, dsn)
		if err := db.Migrate(ctx, "idempotency", idempotency.Migrations); err != nil {
			t.Fatal(err)
		}
		claim := func(k idempotency.Key, id string) error {
			return db.InTx(ctx, func(tx *sqldb.Tx) error { return k.Claim(ctx, tx, id) })
		}
		earlier := func(k idempotency.Key) (string, bool, error) { return k.Earlier(ctx, db) }

		a := idempotency.For("organisations/a/teams", newRequest("key", "x"))
		if id, found, err := earlier(a); found || err != nil {
			t.Fatalf("before any claim: %q, %v, %v", id, found, err)
		}
		if err := claim(a, "team-1"); err != nil {
			t.Fatal(err)
		}
		if id, found, err := earlier(idempotency.For("organisations/a/teams", newRequest("key", "x"))); id != "team-1" || !found || err != nil {
			t.Errorf("same request again: %q, %v, %v; want team-1", id, found, err)
		}
		// Another organisation's collection never sees the key.
		b := idempotency.For("organisations/b/teams", newRequest("key", "x"))
		if id, found, err := earlier(b); found || err != nil {
			t.Errorf("the key in another organisation: %q, %v, %v; want none", id, found, err)
		}
		if err := claim(b, "team-1"); err != nil {
			t.Errorf("another organisation claims the same key: %v", err)
		}
		// The same key with another request is refused.
		if _, _, err := earlier(idempotency.For("organisations/a/teams", newRequest("key", "y"))); !errors.Is(err, idempotency.ErrReused) {
			t.Errorf("the key with another request: %v, want ErrReused", err)
		}
		// Two requests racing for one key: the second claim fails as a
		// unique violation, which the services retry.
		if err := claim(a, "team-2"); !sqldb.IsUniqueViolation(err) {
			t.Errorf("second claim of a key: %v, want a unique violation", err)
		}
		// No request_id: nothing found, nothing claimed.
		none := idempotency.For("organisations/a/teams", newRequest("", "x"))
		if _, found, err := earlier(none); found || err != nil {
			t.Errorf("no request_id: %v, %v", found, err)
		}
		if err := claim(none, "team-3"); err != nil {
			t.Errorf("no request_id: claim %v", err)
		}
	})
}

// Package idempotency keeps the request_id keys of creates (AIP-155) in a
// table of the service's own database, written in the transaction that made
// the resource.
//
// A key is scoped to the collection the resource is created in, never
// looked up across it: the same request_id sent by two organisations, or
// under two parents, names two requests. And a key is bound to its request:
// sent again with a different request, it is refused instead of answered
// with the first request's resource.
package idempotency

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations creates the request_ids table; apply it with
// db.Migrate(ctx, "idempotency", idempotency.Migrations) before the
// service's own migrations, which may carry older keys over into it.
var Migrations, _ = fs.Sub(migrations, "migrations")

// ErrReused is what Earlier returns for a key that an earlier, different
// request used.
var ErrReused = errors.New("was used for a different request")

// Request is a create request with an optional idempotency key.
type Request interface {
	proto.Message
	GetRequestId() string
}

// Key is the idempotency key of one create request. The zero Key (a
// request without request_id) finds nothing and claims nothing.
type Key struct {
	scope, requestID, fingerprint string
}

// For returns the key of req, a create in the collection named scope
// (organisations/acme/teams). The request's own name for its parent is part
// of the fingerprint, but scope is what the key is looked up under, so pass
// the collection the handler has checked, not a field read from req.
func For(scope string, req Request) Key {
	if req.GetRequestId() == "" {
		return Key{}
	}
	return Key{scope: scope, requestID: req.GetRequestId(), fingerprint: fingerprint(req)}
}

// fingerprint hashes the request without its request_id. Deterministic
// marshalling gives the same bytes for the same request within a build,
// whichever interface (gRPC or REST) it came through.
func fingerprint(req Request) string {
	m := proto.Clone(req)
	r := m.ProtoReflect()
	if fd := r.Descriptor().Fields().ByName(protoreflect.Name("request_id")); fd != nil {
		r.Clear(fd)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		// The request was unmarshalled from the wire moments ago; it
		// marshals. Should it not, no key can match it.
		return "unmarshallable:" + err.Error()
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Name is the key's scope and request_id, without its fingerprint: two
// requests with the same name claim the same key.
func (k Key) Name() string { return k.scope + " " + k.requestID }

// Earlier returns the id of the resource an earlier request with this key
// made, if there was one; ErrReused when that request was a different one.
func (k Key) Earlier(ctx context.Context, q sqldb.Querier) (id string, found bool, err error) {
	if k.requestID == "" {
		return "", false, nil
	}
	var fp string
	err = q.QueryRowContext(ctx, "SELECT fingerprint, resource_id FROM request_ids WHERE scope = ? AND request_id = ?",
		k.scope, k.requestID).Scan(&fp, &id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("read request_id: %w", err)
	case fp != "" && fp != k.fingerprint:
		return "", false, ErrReused
	}
	return id, true, nil
}

// Claim records, in the transaction that made it, that the resource id was
// made by this key's request. A concurrent request with the same key that
// claimed it first fails the transaction with a unique violation (see
// sqldb.IsUniqueViolation); run again, Earlier finds that request's claim.
func (k Key) Claim(ctx context.Context, tx *sqldb.Tx, id string) error {
	if k.requestID == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time) VALUES (?, ?, ?, ?, ?)",
		k.scope, k.requestID, k.fingerprint, id, time.Now().UnixMicro())
	if err != nil {
		return fmt.Errorf("claim request_id: %w", err)
	}
	return nil
}

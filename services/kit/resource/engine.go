package resource

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Message is an AIP resource message. The engine finds its standard fields
// by name (see fields.go): etag, create_time, update_time, delete_time and
// update_actor, each where the message has it.
type Message interface {
	proto.Message
	GetName() string
}

// Record is a resource as a service stores it: its API message, and the
// revision that makes the etag and guards each write. Message returns the
// record's own message, which the engine stamps in place.
type Record[M Message] interface {
	Message() M
	Revision() *int64
}

// Events writes a resource's change events to the outbox, in the change's
// transaction.
type Events[M Message] interface {
	Created(ctx context.Context, tx *sqldb.Tx, m M) error
	Updated(ctx context.Context, tx *sqldb.Tx, m M, paths []string) error
	Deleted(ctx context.Context, tx *sqldb.Tx, m M) error
	Undeleted(ctx context.Context, tx *sqldb.Tx, m M) error
}

// Row reads and writes the row of one resource.
type Row[R any] struct {
	// Get reads the row, ErrNotFound when there is none.
	Get func(ctx context.Context, q sqldb.Querier) (R, error)
	// Save writes r over the row at the revision before r's, reporting false
	// when the row has moved on meanwhile.
	Save func(ctx context.Context, tx *sqldb.Tx, r R) (bool, error)
}

// Engine carries out the standard methods (AIP-131 to 135, 154, 155, 164)
// of one resource type, R stored, M its API message, the same way for every
// resource of every service: ids and request_ids, update masks, etags and
// no-op detection, soft delete, the outbox event of each change and its
// actor. What differs between resources comes in as hooks.
type Engine[R Record[M], M Message] struct {
	DB *sqldb.DB
	// Service names the service in the actor of changes made without a
	// caller (system:{Service}).
	Service string
	// Field is the request field that holds the resource in Create and
	// Update ("team"); it starts the paths of field violations found once
	// an update's mask is applied.
	Field  string
	Events Events[M]
	// DeletedHint is what an Update of a deleted resource is told, after
	// its name; "is deleted; undelete it before updating" when empty.
	DeletedHint string
}

// Get answers a Get: the resource, live or deleted, or NOT_FOUND naming it.
func (e Engine[R, M]) Get(ctx context.Context, name string, row Row[R]) (M, error) {
	r, err := Lookup(ctx, e.DB, name, row.Get)
	if err != nil {
		var none M
		return none, err
	}
	return r.Message(), nil
}

// Creation is one Create call.
type Creation[R any] struct {
	// Record is the new resource, whose id in its collection is ID; Create
	// stamps its first revision.
	Record R
	ID     string
	// Row is the row of the resource with an id in the collection.
	Row func(id string) Row[R]
	// Key, when the call has a request_id, makes a retry answer with the
	// resource the first call made.
	Key idempotency.Key
	// Lock, when set, is taken first (a tree or plan lock).
	Lock func(ctx context.Context, tx *sqldb.Tx) error
	// Check, when set, enforces the resource's rules against the database.
	Check  func(ctx context.Context, tx *sqldb.Tx) error
	Insert func(ctx context.Context, tx *sqldb.Tx, r R) error
	// After, when set, runs after the created event, in the transaction
	// (roll-ups, further events).
	After func(ctx context.Context, tx *sqldb.Tx, r R) error
}

// Create stores a new resource with its created event, or answers a retry
// of an earlier call with the same request_id. A create that loses a race
// on a unique index runs once more, so that it answers as if it had come
// second: ALREADY_EXISTS, or the first call's resource.
func (e Engine[R, M]) Create(ctx context.Context, c Creation[R]) (M, error) {
	m := c.Record.Message()
	Begin(c.Record, e.actor(ctx))
	result := c.Record
	err := InTx(ctx, e.DB, func(tx *sqldb.Tx) error {
		if c.Lock != nil {
			if err := c.Lock(ctx, tx); err != nil {
				return err
			}
		}
		prior, retried, err := checkNew(ctx, tx, c.Key, c.ID,
			func(id string) (R, error) { return c.Row(id).Get(ctx, tx) }, m.GetName())
		if err != nil || retried {
			result = prior
			return err
		}
		if c.Check != nil {
			if err := c.Check(ctx, tx); err != nil {
				return err
			}
		}
		if err := c.Insert(ctx, tx, c.Record); err != nil {
			return err
		}
		if err := c.Key.Claim(ctx, tx, c.ID); err != nil {
			return err
		}
		result = c.Record
		if err := e.Events.Created(ctx, tx, m); err != nil {
			return err
		}
		if c.After != nil {
			return c.After(ctx, tx, c.Record)
		}
		return nil
	})
	if err != nil {
		var none M
		return none, err
	}
	return result.Message(), nil
}

// Change is one change to an existing resource: an Update, or a Delete or
// Undelete.
type Change[R any] struct {
	// Name and Etag are the resource's name and the caller's etag ("" for
	// any revision).
	Name, Etag string
	Row        Row[R]
	// Lock, when set, is taken before the row is read.
	Lock func(ctx context.Context, tx *sqldb.Tx) error
	// Check, when set, enforces the resource's own rules on the change
	// from current to next, against the database; next is already valid
	// by its proto rules and differs from current.
	Check func(ctx context.Context, tx *sqldb.Tx, current, next R) error
	// Edit, when set, changes what a Delete or Undelete stores besides the
	// deletion itself (a membership's end date), before it is stamped.
	Edit func(r R)
	// After, when set, runs after the change's event, in the transaction.
	After func(ctx context.Context, tx *sqldb.Tx, current, next R) error
}

// Update changes a live resource (AIP-134): next returns a copy of
// current with the update applied (paths are its mask, already checked
// with MaskPaths). The result must be valid by its proto rules; when it
// changes nothing, nothing is written and no event is sent, whatever the
// resource.
func (e Engine[R, M]) Update(ctx context.Context, c Change[R], paths []string, next func(current R) (R, error)) (M, error) {
	apply := func(ctx context.Context, tx *sqldb.Tx, current R) (R, bool, error) {
		if isDeleted(current.Message()) {
			return current, false, apierr.FailedPrecondition(c.Name, cmp.Or(e.DeletedHint, "is deleted; undelete it before updating"))
		}
		n, err := next(current)
		if err != nil {
			return current, false, err
		}
		if err := protovalidate.Validate(n.Message()); err != nil {
			return current, false, interceptor.ValidationStatus(err, e.Field+".")
		}
		if proto.Equal(current.Message(), n.Message()) {
			return current, false, nil
		}
		if c.Check != nil {
			if err := c.Check(ctx, tx, current, n); err != nil {
				return current, false, err
			}
		}
		e.revise(ctx, n, false)
		return n, true, nil
	}
	emit := func(ctx context.Context, tx *sqldb.Tx, m M) error { return e.Events.Updated(ctx, tx, m, paths) }
	return e.modify(ctx, c, apply, emit)
}

// SetDeleted soft-deletes a live resource or restores a deleted one
// (AIP-164); c.Check decides whether it may move (no live children, a live
// parent).
func (e Engine[R, M]) SetDeleted(ctx context.Context, c Change[R], deleted bool) (M, error) {
	apply := func(ctx context.Context, tx *sqldb.Tx, r R) (R, bool, error) {
		if err := CheckDeleteTransition(c.Name, isDeleted(r.Message()), deleted); err != nil {
			return r, false, err
		}
		if c.Check != nil {
			if err := c.Check(ctx, tx, r, r); err != nil {
				return r, false, err
			}
		}
		if c.Edit != nil {
			c.Edit(r)
		}
		e.revise(ctx, r, deleted)
		return r, true, nil
	}
	emit := e.Events.Undeleted
	if deleted {
		emit = e.Events.Deleted
	}
	return e.modify(ctx, c, apply, emit)
}

// modify runs one change to an existing resource in a transaction: it
// reads the row, checks the caller's etag, lets apply make the next
// revision (or report that nothing changes), stores it and emits its
// event. The write is guarded by the revision that was read, so that a
// concurrent change in between is an etag mismatch, not a lost update.
func (e Engine[R, M]) modify(ctx context.Context, c Change[R],
	apply func(ctx context.Context, tx *sqldb.Tx, current R) (next R, changed bool, err error),
	emit func(ctx context.Context, tx *sqldb.Tx, m M) error) (M, error) {
	var result R
	err := InTx(ctx, e.DB, func(tx *sqldb.Tx) error {
		if c.Lock != nil {
			if err := c.Lock(ctx, tx); err != nil {
				return err
			}
		}
		current, err := Lookup(ctx, tx, c.Name, c.Row.Get)
		if err != nil {
			return err
		}
		if err := CheckEtag(c.Name, c.Etag, etag(current.Message())); err != nil {
			return err
		}
		next, changed, err := apply(ctx, tx, current)
		if err != nil || !changed {
			result = current
			return err
		}
		saved, err := c.Row.Save(ctx, tx, next)
		if err != nil {
			return err
		}
		if !saved {
			return apierr.EtagMismatch(c.Name)
		}
		result = next
		if err := emit(ctx, tx, next.Message()); err != nil {
			return err
		}
		if c.After != nil {
			return c.After(ctx, tx, current, next)
		}
		return nil
	})
	if err != nil {
		var none M
		return none, err
	}
	return result.Message(), nil
}

// revise moves r to its next revision, made now by the caller of ctx.
func (e Engine[R, M]) revise(ctx context.Context, r R, deleted bool) {
	Revise(r, e.actor(ctx), deleted)
}

// Begin makes r the first revision of a new resource, made now by actor.
// Create begins every resource it makes; a service calls it for resources
// it makes many at a time (a batch of measurements).
func Begin[M Message](r Record[M], actor string) {
	*r.Revision() = 1
	stampCreated(r.Message(), Now(), actor)
}

// Revise moves r to its next revision, made now by actor; a deleted
// revision has now as its delete time too. The engine revises every change
// it makes; a service calls it for the changes it makes itself in reaction
// to events (an organisation's deletion deleting its teams).
func Revise[M Message](r Record[M], actor string, deleted bool) {
	*r.Revision()++
	stamp(r.Message(), *r.Revision(), Now(), actor, deleted)
}

// actor is who makes a change: the caller, or the service itself.
func (e Engine[R, M]) actor(ctx context.Context) string { return auth.Actor(ctx, e.Service) }

// Lookup reads a resource's row, NOT_FOUND naming it when there is none.
func Lookup[R any](ctx context.Context, q sqldb.Querier, name string, get func(context.Context, sqldb.Querier) (R, error)) (R, error) {
	r, err := get(ctx, q)
	if errors.Is(err, ErrNotFound) {
		return r, apierr.NotFound(name)
	}
	if err != nil {
		return r, fmt.Errorf("read %s: %w", name, err)
	}
	return r, nil
}

// InTx runs fn in a write transaction and, when it lost a race on a unique
// index to a concurrent change, once more: fn's own checks then see the
// row that won and answer as they would have had it come first.
func InTx(ctx context.Context, db *sqldb.DB, fn func(tx *sqldb.Tx) error) error {
	err := db.InTx(ctx, fn)
	if sqldb.IsUniqueViolation(err) {
		err = db.InTx(ctx, fn)
	}
	return err
}

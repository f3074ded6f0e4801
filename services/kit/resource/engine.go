package resource

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/listing"
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
// record's own message, which the engine stamps in place. A record type
// embeds Stored, which implements it.
type Record[M Message] interface {
	Message() M
	typed
}

// Stored is what every record holds, for a service's record type to
// embed beside the ids of its name and what only storage keeps: the API
// message and the revision it is stored at. It implements Record.
type Stored[M Message] struct {
	// Msg is the API resource.
	Msg M
	// Rev is the stored revision: 1 when created, one more each change.
	Rev int64
}

// Hold is the Stored part of a record holding m at revision 0: a new
// record, or one a scan is about to fill in.
func Hold[M Message](m M) Stored[M] { return Stored[M]{Msg: m} }

// Message implements Record.
func (s *Stored[M]) Message() M { return s.Msg }

// Revision implements Record.
func (s *Stored[M]) Revision() *int64 { return &s.Rev }

func (s *Stored[M]) stored() *Stored[M] { return s }

// descriptor is the descriptor of the API message (any M, nil included,
// answers it).
func (s *Stored[M]) descriptor() protoreflect.MessageDescriptor {
	var m M
	return m.ProtoReflect().Descriptor()
}

// With returns a copy of the record r holding m instead, with r's ids and
// revision: the next version of r, to save over it.
func With[R any, P interface {
	*R
	stored() *Stored[M]
}, M Message](r P, m M) P {
	next := *r
	P(&next).stored().Msg = m
	return &next
}

// Events writes a resource's change events to the outbox, in the change's
// transaction.
type Events[M Message] interface {
	Created(ctx context.Context, tx *sqldb.Tx, m M) error
	Updated(ctx context.Context, tx *sqldb.Tx, m M, paths []string) error
	// Deleted and Undeleted name the cause of a change the service made in
	// reaction to another (the deleted organisation, see Engine.Cascade);
	// cause is "" for a caller's own.
	Deleted(ctx context.Context, tx *sqldb.Tx, m M, cause string) error
	Undeleted(ctx context.Context, tx *sqldb.Tx, m M, cause string) error
}

// Engine carries out the standard methods (AIP-131 to 135, 154, 155, 164)
// of one resource type, R stored, M its API message, the same way for every
// resource of every service: names, ids and request_ids, update masks, etags
// and no-op detection, soft delete, the outbox event of each change and its
// actor. What differs between resources comes in as hooks.
type Engine[R Record[M], M Message] struct {
	DB *sqldb.DB
	// Service names the service in the actor of changes made without a
	// caller (system:{Service}).
	Service string
	// Field is the request field that holds the resource in Create and
	// Update ("team"); it starts the paths of field violations found once
	// an update's mask is applied.
	Field string
	// Type is the resource's names, rows and updatable fields.
	Type   Type[R]
	Events Events[M]
	// DeletedHint is what an Update of a deleted resource is told, after
	// its name; "is deleted; undelete it before updating" when empty.
	DeletedHint string
}

// Get answers a Get request for name: the resource, live or deleted,
// NOT_FOUND naming it, or INVALID_ARGUMENT naming the request's name when
// name is not one of the resource's.
func (e Engine[R, M]) Get(ctx context.Context, name string) (M, error) {
	var none M
	ids, err := e.Type.Parse("name", name)
	if err != nil {
		return none, err
	}
	r, err := e.Type.Lookup(ctx, e.DB, ids...)
	if err != nil {
		return none, err
	}
	return r.Message(), nil
}

// GetAt answers a Get request for name as the resource stood at at (nil:
// now), from its history: NOT_FOUND when it did not exist then. A resource
// made before the history began stands, from its creation on, as it is.
func (e Engine[R, M]) GetAt(ctx context.Context, name string, at *timestamppb.Timestamp) (M, error) {
	var none M
	current, err := e.Get(ctx, name)
	if err != nil || at == nil {
		return current, err
	}
	m, ok, err := history.OneAsOf(ctx, e.DB, name, at.AsTime())
	if err != nil {
		return none, err
	}
	if ok {
		return m.(M), nil
	}
	recorded, err := history.Recorded(ctx, e.DB, name)
	if err != nil {
		return none, err
	}
	if recorded || createdAfter(current, at.AsTime()) {
		return none, apierr.NotFound(name)
	}
	return current, nil
}

// ListAt answers a List request for the resources under parent, an
// organisation, as they stood at at, from their history: in name order,
// the page after the token's name, deleted ones only with show_deleted.
// filtered says the request has a filter or an order, which such a list
// does not take (INVALID_ARGUMENT naming as_of). A resource made before
// the history began stands, from its creation on, as it is.
func (e Engine[R, M]) ListAt(ctx context.Context, req ListRequest, parent string, at *timestamppb.Timestamp, filtered bool) ([]M, string, error) {
	ids, err := e.Type.ParseParent("parent", parent)
	if err != nil {
		return nil, "", err
	}
	if filtered {
		return nil, "", apierr.InvalidArgument("as_of", "lists in name order, without a filter or an order_by")
	}
	after := ""
	if t := req.GetPageToken(); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil {
			return nil, "", apierr.InvalidArgument("page_token", "is not a token this list returned")
		}
		after = string(raw)
	}
	all, err := e.StoodAt(ctx, ids[0], at.AsTime())
	if err != nil {
		return nil, "", err
	}
	out := slices.DeleteFunc(all, func(m M) bool { return m.GetName() <= after || (isDeleted(m) && !req.GetShowDeleted()) })
	next := ""
	if size := listing.PageSize(req.GetPageSize()); len(out) > size {
		out = out[:size]
		next = base64.RawURLEncoding.EncodeToString([]byte(out[size-1].GetName()))
	}
	return out, next, nil
}

// StoodAt returns the resources of the organisation orgID as they stood
// at at, from their history, in name order: those deleted then too (by
// their delete_time). A resource made before the history began stands,
// from its creation on, as it is.
func (e Engine[R, M]) StoodAt(ctx context.Context, orgID string, at time.Time) ([]M, error) {
	typ := e.Type.collection()
	stood, err := history.AsOf(ctx, e.DB, orgID, typ, at)
	if err != nil {
		return nil, err
	}
	recorded, err := history.RecordedOf(ctx, e.DB, orgID, typ)
	if err != nil {
		return nil, err
	}
	older, err := e.Type.Table.All(ctx, e.DB, "organisation_id = ? AND create_time <= ?", orgID, at.UnixMicro())
	if err != nil {
		return nil, err
	}
	if e.Type.Complete != nil {
		if err := e.Type.Complete(ctx, e.DB, older); err != nil {
			return nil, err
		}
	}
	out := make([]M, 0, len(stood)+len(older))
	for _, m := range stood {
		out = append(out, m.(M))
	}
	for _, r := range older {
		if m := r.Message(); !recorded[m.GetName()] {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b M) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out, nil
}

// List answers a List request for the resources under parent (the
// request's "parent"): one page by Type.List, and the token of the next.
// page, when set, reads the page of the parent with ids instead of
// Type.Page (a parent that must exist, more to read with each row).
func (e Engine[R, M]) List(ctx context.Context, req ListRequest, parent string,
	page func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[R], ids []string) ([]R, error)) ([]M, string, error) {
	ids, err := e.Type.ParseParent("parent", parent)
	if err != nil {
		return nil, "", err
	}
	return List(ctx, e.DB, e.Type.List, req, parent, func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[R]) ([]R, error) {
		if page != nil {
			return page(ctx, q, plan, ids)
		}
		return e.Type.Page(ctx, q, plan, req.GetShowDeleted(), ids...)
	})
}

// Creation is one Create call (AIP-133): the request, and what the
// resource adds to the engine's handling of it.
type Creation[R any] struct {
	// Request, when it has a request_id, makes a retry answer with the
	// resource the first call made (the key is scoped to the collection of
	// the new resource's name).
	Request idempotency.Request
	// Parent and ID are the request's parent (none for a top-level
	// collection) and the id the caller chose ("" for a new one).
	Parent, ID string
	// New makes the new resource, named with ids (those of Parent, then
	// its own), from the request: checked by the resource's rules and by
	// what other services say of it, before any transaction begins. Create
	// stamps its first revision.
	New func(ids []string) (R, error)
	// Lock, when set, is taken first (a tree or plan lock); ids are those
	// of the new resource's name.
	Lock func(ctx context.Context, tx *sqldb.Tx, ids []string) error
	// Check, when set, enforces the resource's rules on r against the
	// database.
	Check func(ctx context.Context, tx *sqldb.Tx, r R) error
	// After, when set, runs after the created event, in the transaction
	// (roll-ups, further events).
	After func(ctx context.Context, tx *sqldb.Tx, r R) error
}

// Create answers a Create request: the ids of the new resource's name
// (INVALID_ARGUMENT naming the request's parent when it is not the
// resource's), the resource c.New makes of them, stored with its created
// event; or a retry of an earlier call with the same request_id answered
// with that call's resource. A create that loses a race on a unique index
// runs once more, so that it answers as if it had come second:
// ALREADY_EXISTS, or the first call's resource.
func (e Engine[R, M]) Create(ctx context.Context, c Creation[R]) (M, error) {
	var none M
	ids, err := e.Type.newIDs(c.Parent, c.ID)
	if err != nil {
		return none, err
	}
	r, err := c.New(ids)
	if err != nil {
		return none, err
	}
	m := r.Message()
	id, parent := ids[len(ids)-1], ids[:len(ids)-1:len(ids)-1]
	var key idempotency.Key
	if c.Request != nil {
		key = idempotency.For(strings.TrimSuffix(m.GetName(), "/"+id), c.Request)
	}
	Begin(r, e.actor(ctx))
	result := r
	err = InTx(ctx, e.DB, func(tx *sqldb.Tx) error {
		if c.Lock != nil {
			if err := c.Lock(ctx, tx, ids); err != nil {
				return err
			}
		}
		prior, retried, err := checkNew(ctx, tx, key, id,
			func(id string) (R, error) { return e.Type.read(ctx, tx, append(parent, id)) }, m.GetName())
		if err != nil || retried {
			result = prior
			return err
		}
		if c.Check != nil {
			if err := c.Check(ctx, tx, r); err != nil {
				return err
			}
		}
		if err := e.Type.insert(ctx, tx, r); err != nil {
			return err
		}
		if err := key.Claim(ctx, tx, id); err != nil {
			return err
		}
		if err := history.Record(ctx, tx, m, historypb.Action_ACTION_CREATED, e.actor(ctx)); err != nil {
			return err
		}
		result = r
		if err := e.Events.Created(ctx, tx, m); err != nil {
			return err
		}
		if c.After != nil {
			return c.After(ctx, tx, r)
		}
		return nil
	})
	if err != nil {
		return none, err
	}
	return result.Message(), nil
}

// Change is one change to an existing resource: an Update, or a Delete or
// Undelete. Named and Patch read it from the request; the handler adds
// the resource's hooks.
type Change[R any] struct {
	// Name and Etag are the resource's name and the caller's etag ("" for
	// any revision); IDs are the ids in Name.
	Name, Etag string
	IDs        []string
	// Paths are an Update's fields to change: its update_mask, checked.
	Paths []string
	Hooks[R]
}

// Hooks are what a resource adds to the engine's handling of a change.
type Hooks[R any] struct {
	// Lock, when set, is taken before the row is read; ids are those of
	// the resource's name.
	Lock func(ctx context.Context, tx *sqldb.Tx, ids []string) error
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

// Delete answers a Delete request (AIP-135, AIP-164) for name with the
// caller's etag: Named, then SetDeleted with hooks.
func (e Engine[R, M]) Delete(ctx context.Context, name, etag string, hooks Hooks[R]) (M, error) {
	return e.setDeletedNamed(ctx, name, etag, hooks, true)
}

// Undelete answers an Undelete request (AIP-164) for name with the
// caller's etag: Named, then SetDeleted with hooks.
func (e Engine[R, M]) Undelete(ctx context.Context, name, etag string, hooks Hooks[R]) (M, error) {
	return e.setDeletedNamed(ctx, name, etag, hooks, false)
}

func (e Engine[R, M]) setDeletedNamed(ctx context.Context, name, etag string, hooks Hooks[R], deleted bool) (M, error) {
	c, err := e.Named(name, etag)
	if err != nil {
		var none M
		return none, err
	}
	c.Hooks = hooks
	return e.SetDeleted(ctx, c, deleted)
}

// Named reads a Delete or Undelete request: the change to the resource
// name with the caller's etag, or INVALID_ARGUMENT naming the request's
// name when name is not one of the resource's.
func (e Engine[R, M]) Named(name, etag string) (Change[R], error) {
	ids, err := e.Type.Parse("name", name)
	if err != nil {
		return Change[R]{}, err
	}
	return Change[R]{Name: name, Etag: etag, IDs: ids}, nil
}

// Patch reads an Update request whose resource is m and update_mask's
// paths mask: INVALID_ARGUMENT naming Field when there is no resource, its
// name when that is not one of the resource's, or update_mask when it
// names a field an update may not change (see MaskPaths).
func (e Engine[R, M]) Patch(m M, mask []string) (Change[R], error) {
	if !m.ProtoReflect().IsValid() {
		return Change[R]{}, apierr.InvalidArgument(e.Field, "is required")
	}
	ids, err := e.Type.Parse(e.Field+".name", m.GetName())
	if err != nil {
		return Change[R]{}, err
	}
	paths, err := MaskPaths(mask, e.Type.Updatable(), fixed(m.ProtoReflect().Descriptor()))
	if err != nil {
		return Change[R]{}, err
	}
	return Change[R]{Name: m.GetName(), Etag: etag(m), IDs: ids, Paths: paths}, nil
}

// Update changes a live resource (AIP-134): next returns a copy of
// current with the update applied (c.Paths are its mask, from Patch). The
// result must be valid by its proto rules; when it changes nothing,
// nothing is written and no event is sent, whatever the resource.
func (e Engine[R, M]) Update(ctx context.Context, c Change[R], next func(current R) (R, error)) (M, error) {
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
	emit := func(ctx context.Context, tx *sqldb.Tx, m M) error { return e.Events.Updated(ctx, tx, m, c.Paths) }
	return e.modify(ctx, c, historypb.Action_ACTION_UPDATED, apply, emit)
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
	return e.modify(ctx, c, deletion(deleted), apply, func(ctx context.Context, tx *sqldb.Tx, m M) error { return e.emitDeleted(ctx, tx, m, deleted, "") })
}

// deletion is the action of a deletion (deleted) or undeletion.
func deletion(deleted bool) historypb.Action {
	if deleted {
		return historypb.Action_ACTION_DELETED
	}
	return historypb.Action_ACTION_UNDELETED
}

// emitDeleted writes the event of a deletion (deleted) or undeletion.
func (e Engine[R, M]) emitDeleted(ctx context.Context, tx *sqldb.Tx, m M, deleted bool, cause string) error {
	if deleted {
		return e.Events.Deleted(ctx, tx, m, cause)
	}
	return e.Events.Undeleted(ctx, tx, m, cause)
}

// Recompute changes what the service computes of each of recs (a flag it
// keeps, not the caller's content: neither revision nor etag moves) with
// set, stores it with write, announces the record as updated in paths and
// records the change in its history.
func (e Engine[R, M]) Recompute(ctx context.Context, tx *sqldb.Tx, recs []R, set func(R),
	write func(ctx context.Context, tx *sqldb.Tx, r R) error, paths ...string) error {
	for _, r := range recs {
		set(r)
		if err := write(ctx, tx, r); err != nil {
			return err
		}
		if err := e.Events.Updated(ctx, tx, r.Message(), paths); err != nil {
			return err
		}
		if err := history.Record(ctx, tx, r.Message(), historypb.Action_ACTION_COMPUTED, e.actor(ctx), paths...); err != nil {
			return err
		}
	}
	return nil
}

// Cascaded is a record that a cascade deletes and restores: it remembers
// whether a cascade deleted it, so that the cause's undeletion restores
// exactly those and no record a caller deleted.
type Cascaded interface {
	SetCascaded(deleted bool)
}

// OrganisationCascade is the Apply of the events.Cascade of an
// organisation's deletion and undeletion (ids are the organisation's): it
// deletes the organisation's live resources of this type, or restores
// those its deletion deleted and no others, with the organisation's name
// as cause. The type's table has the columns organisation_id and
// deleted_with_organisation (what Cascaded records), and its records are
// Cascaded.
func (e Engine[R, M]) OrganisationCascade(ctx context.Context, tx *sqldb.Tx, ids []string, cause string, deleted bool) error {
	which := "delete_time IS NULL"
	if !deleted {
		which = "deleted_with_organisation = 1"
	}
	recs, err := e.Type.Table.All(ctx, tx, "organisation_id = ? AND "+which+" ORDER BY "+strings.Join(e.Type.Table.keyColumns(), ", "), ids[0])
	if err != nil {
		return err
	}
	if e.Type.Complete != nil {
		if err := e.Type.Complete(ctx, tx, recs); err != nil {
			return err
		}
	}
	return e.Cascade(ctx, tx, recs, deleted, cause)
}

// Cascade deletes (deleted) or restores recs in tx, in reaction to the
// deletion or undeletion of what cause names (an organisation, a person):
// each is revised by the service itself, marked as cascaded when it is
// Cascaded, saved — ABORTED when it changed since it was read, so that the
// reaction is redelivered — and announced with cause.
func (e Engine[R, M]) Cascade(ctx context.Context, tx *sqldb.Tx, recs []R, deleted bool, cause string) error {
	for _, r := range recs {
		e.revise(ctx, r, deleted)
		if c, ok := any(r).(Cascaded); ok {
			c.SetCascaded(deleted)
		}
		saved, err := e.Type.save(ctx, tx, r)
		if err := Saved(r.Message().GetName(), saved, err); err != nil {
			return err
		}
		if err := e.emitDeleted(ctx, tx, r.Message(), deleted, cause); err != nil {
			return err
		}
		if err := history.Record(ctx, tx, r.Message(), deletion(deleted), e.actor(ctx)); err != nil {
			return err
		}
	}
	return nil
}

// modify runs one change to an existing resource in a transaction: it
// reads the row, checks the caller's etag, lets apply make the next
// revision (or report that nothing changes), stores it, records it in the
// resource's history as action (of the fields in c.Paths) and emits its
// event. The write is guarded by the revision that was read, so that a
// concurrent change in between is an etag mismatch, not a lost update.
func (e Engine[R, M]) modify(ctx context.Context, c Change[R], action historypb.Action,
	apply func(ctx context.Context, tx *sqldb.Tx, current R) (next R, changed bool, err error),
	emit func(ctx context.Context, tx *sqldb.Tx, m M) error) (M, error) {
	var result R
	err := InTx(ctx, e.DB, func(tx *sqldb.Tx) error {
		if c.Lock != nil {
			if err := c.Lock(ctx, tx, c.IDs); err != nil {
				return err
			}
		}
		current, err := e.Type.Lookup(ctx, tx, c.IDs...)
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
		// A caller's change makes the record the caller's: a cascade's
		// undoing no longer restores it.
		if c, ok := any(next).(Cascaded); ok {
			c.SetCascaded(false)
		}
		saved, err := e.Type.save(ctx, tx, next)
		if err := Saved(c.Name, saved, err); err != nil {
			return err
		}
		result = next
		if err := history.Record(ctx, tx, next.Message(), action, e.actor(ctx), c.Paths...); err != nil {
			return err
		}
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

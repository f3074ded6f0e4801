package organisations

import (
	"context"
	"errors"
	"strconv"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The service's resources follow the same AIP rules for Get, List, Create,
// Update, Delete and Undelete; lifecycle carries them out once, and each
// resource's handler adds only what is its own (parents, owners, unique
// fields).

// stored is a resource's stored record as lifecycle sees it.
type stored interface {
	envelope() envelope
}

// record is a stored record of a resource whose API message is M.
type record[M named] interface {
	stored
	resource() M
}

// envelope points into a record at the fields that every resource of the
// service holds the same way, so that one piece of code can read and stamp
// any resource's revisions.
type envelope struct {
	name                               string
	revision                           *int64
	etag                               *string
	createTime, updateTime, deleteTime **timestamppb.Timestamp
	updateActor                        *string
}

func (e envelope) deleted() bool { return *e.deleteTime != nil }

// revise moves the record to its next revision, made at t by the caller of
// ctx; a deleted revision has t as its delete time too.
func (e envelope) revise(ctx context.Context, t *timestamppb.Timestamp, deleted bool) {
	*e.revision++
	*e.etag = resource.Etag(*e.revision)
	*e.updateTime = t
	*e.updateActor = auth.Actor(ctx, "organisations")
	*e.deleteTime = nil
	if deleted {
		*e.deleteTime = t
	}
}

// rowOps read and write one resource's row; they close over its ids.
type rowOps[R stored] struct {
	get func(ctx context.Context, q sqldb.Querier) (R, error)
	// save writes r over the row at the revision before r's, reporting
	// false when the row has moved on meanwhile.
	save func(ctx context.Context, tx *sqldb.Tx, r R) (bool, error)
}

// lifecycle carries out the standard methods for one resource type: R is its
// stored record, M its API message.
type lifecycle[R record[M], M named] struct {
	db     *sqldb.DB
	events changeEvents[M]
	schema *listing.Schema[R]
	// field is the request field holding the resource in Create and Update
	// ("person"); it starts the paths of the field violations found once an
	// update's mask is applied.
	field string
}

// get answers a Get: the resource, live or deleted, or NOT_FOUND.
func (l lifecycle[R, M]) get(ctx context.Context, name string, ops rowOps[R]) (M, error) {
	r, err := lookup(ctx, l.db, name, ops.get)
	if err != nil {
		var none M
		return none, err
	}
	return r.resource(), nil
}

// listRequest is what the service's List requests share (AIP-132, AIP-164).
type listRequest interface {
	GetPageSize() int32
	GetPageToken() string
	GetFilter() string
	GetOrderBy() string
	GetShowDeleted() bool
}

// list answers a List with one page of the rows query selects and the token
// of the next page. parent, when set, is part of what a page token is bound
// to.
func (l lifecycle[R, M]) list(ctx context.Context, req listRequest, parent string,
	query func(context.Context, sqldb.Querier, *listing.Plan[R]) ([]R, error)) ([]M, string, error) {
	scope := "show_deleted=" + strconv.FormatBool(req.GetShowDeleted())
	if parent != "" {
		scope += " parent=" + parent
	}
	plan, err := l.schema.Build(listing.Request{
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken(), Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		Scope: scope,
	})
	if err != nil {
		return nil, "", err
	}
	rows, err := query(ctx, l.db, plan)
	if err != nil {
		return nil, "", err
	}
	rows, next := plan.Page(rows)
	out := make([]M, len(rows))
	for i, r := range rows {
		out[i] = r.resource()
	}
	return out, next, nil
}

// creation is one Create call (AIP-133).
type creation[R stored] struct {
	// record is the new resource, with id in its collection; create stamps
	// its first revision.
	record R
	id     string
	// row reads and writes the row of the resource with an id in the
	// collection.
	row func(id string) rowOps[R]
	// key, when the call has a request_id, makes a retry answer with the
	// resource the first call created (AIP-155).
	key idempotency.Key
	// check enforces the resource's own rules against the database.
	check  func(ctx context.Context, tx *sqldb.Tx) error
	insert func(ctx context.Context, tx *sqldb.Tx) error
}

// create stores a new resource with its created event, or answers a retry.
func (l lifecycle[R, M]) create(ctx context.Context, c creation[R]) (M, error) {
	e := c.record.envelope()
	*e.createTime = resource.Now()
	e.revise(ctx, *e.createTime, false)

	result := c.record
	err := inTx(ctx, l.db, func(tx *sqldb.Tx) error {
		prior, retried, err := resource.CheckNew(ctx, tx, c.key, c.id,
			func(id string) (R, error) { return c.row(id).get(ctx, tx) }, e.name)
		if err != nil || retried {
			result = prior
			return err
		}
		if err := c.check(ctx, tx); err != nil {
			return err
		}
		if err := c.insert(ctx, tx); err != nil {
			return err
		}
		if err := c.key.Claim(ctx, tx, c.id); err != nil {
			return err
		}
		result = c.record
		return l.events.created(ctx, tx, c.record.resource())
	})
	if err != nil {
		var none M
		return none, err
	}
	return result.resource(), nil
}

// updater is what an Update (AIP-134) of one resource type adds to the
// shared rules.
type updater[R stored] struct {
	// next returns current with the update's mask applied, at current's
	// revision.
	next func(current R) R
	// check, when set, enforces the resource's own rules on a changed next.
	check func(ctx context.Context, tx *sqldb.Tx, next R) error
}

// update changes a live resource: the masked result must be valid, and
// when it changes nothing, nothing is written and no event is sent.
func (l lifecycle[R, M]) update(ctx context.Context, name, etag string, ops rowOps[R], paths []string, u updater[R]) (M, error) {
	apply := func(ctx context.Context, tx *sqldb.Tx, current R) (R, bool, error) {
		if current.envelope().deleted() {
			return current, false, apierr.FailedPrecondition(name, "is deleted; undelete it before updating")
		}
		next := u.next(current)
		if err := protovalidate.Validate(next.resource()); err != nil {
			return current, false, interceptor.ValidationStatus(err, l.field+".")
		}
		if proto.Equal(current.resource(), next.resource()) {
			return current, false, nil
		}
		if u.check != nil {
			if err := u.check(ctx, tx, next); err != nil {
				return current, false, err
			}
		}
		next.envelope().revise(ctx, resource.Now(), false)
		return next, true, nil
	}
	return l.modify(ctx, name, etag, ops, apply, func(ctx context.Context, tx *sqldb.Tx, m M) error {
		return l.events.updated(ctx, tx, m, paths)
	})
}

// setDeleted soft-deletes or restores a resource (AIP-164). restorable,
// when set, says whether a deleted resource may come back as it is.
func (l lifecycle[R, M]) setDeleted(ctx context.Context, name, etag string, deleted bool, ops rowOps[R],
	restorable func(ctx context.Context, tx *sqldb.Tx, r R) error) (M, error) {
	apply := func(ctx context.Context, tx *sqldb.Tx, r R) (R, bool, error) {
		if err := resource.CheckDeleteTransition(name, r.envelope().deleted(), deleted); err != nil {
			return r, false, err
		}
		if !deleted && restorable != nil {
			if err := restorable(ctx, tx, r); err != nil {
				return r, false, err
			}
		}
		r.envelope().revise(ctx, resource.Now(), deleted)
		return r, true, nil
	}
	emit := l.events.undeleted
	if deleted {
		emit = l.events.deleted
	}
	return l.modify(ctx, name, etag, ops, apply, emit)
}

// modify runs one change to an existing resource in a transaction: it reads
// the row, checks the caller's etag, lets apply make the next revision (or
// report that nothing changes), stores it and emits its event. The write is
// guarded by the revision that was read, so that a concurrent change in
// between is an etag mismatch rather than a lost update.
func (l lifecycle[R, M]) modify(ctx context.Context, name, etag string, ops rowOps[R],
	apply func(ctx context.Context, tx *sqldb.Tx, current R) (next R, changed bool, err error),
	emit func(ctx context.Context, tx *sqldb.Tx, m M) error) (M, error) {
	var result R
	err := inTx(ctx, l.db, func(tx *sqldb.Tx) error {
		current, err := lookup(ctx, tx, name, ops.get)
		if err != nil {
			return err
		}
		if err := resource.CheckEtag(name, etag, *current.envelope().etag); err != nil {
			return err
		}
		next, changed, err := apply(ctx, tx, current)
		if err != nil || !changed {
			result = current
			return err
		}
		saved, err := ops.save(ctx, tx, next)
		if err != nil {
			return err
		}
		if !saved {
			return apierr.EtagMismatch(name)
		}
		result = next
		return emit(ctx, tx, next.resource())
	})
	if err != nil {
		var none M
		return none, err
	}
	return result.resource(), nil
}

// lookup reads a resource's row, NOT_FOUND naming it when there is none.
func lookup[R any](ctx context.Context, q sqldb.Querier, name string, get func(context.Context, sqldb.Querier) (R, error)) (R, error) {
	r, err := get(ctx, q)
	if errors.Is(err, errNotFound) {
		return r, apierr.NotFound(name)
	}
	return r, err
}

// inTx runs fn in a write transaction and, when it lost a race on a unique
// index to a concurrent change, once more: fn's own checks then see the row
// that won and answer as they would have had it come first (ALREADY_EXISTS
// naming the field, or the first call's result for a retried request_id).
func inTx(ctx context.Context, db *sqldb.DB, fn func(tx *sqldb.Tx) error) error {
	err := db.InTx(ctx, fn)
	if sqldb.IsUniqueViolation(err) {
		err = db.InTx(ctx, fn)
	}
	return err
}

// applyMask returns a copy of current with the fields in paths taken from
// change. paths name top-level fields, already checked against the
// resource's updatable ones by resource.MaskPaths.
func applyMask[M proto.Message](current, change M, paths []string) M {
	next := proto.CloneOf(current)
	dst, src := next.ProtoReflect(), proto.CloneOf(change).ProtoReflect()
	fields := dst.Descriptor().Fields()
	for _, p := range paths {
		fd := fields.ByName(protoreflect.Name(p))
		if src.Has(fd) {
			dst.Set(fd, src.Get(fd))
		} else {
			dst.Clear(fd)
		}
	}
	return next
}

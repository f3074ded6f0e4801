// Package resource holds the rules every AIP resource of the services
// shares: etags (AIP-154), update masks (AIP-134), soft delete (AIP-164) and
// the storage form of timestamps.
package resource

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// Etag is the opaque version tag of a resource's revision.
func Etag(revision int64) string { return strconv.FormatInt(revision, 10) }

// CheckEtag returns ABORTED when the caller sent an etag that is not the
// current one; an empty etag means "whatever the current version is".
func CheckEtag(name, sent, current string) error {
	if sent != "" && sent != current {
		return apierr.EtagMismatch(name)
	}
	return nil
}

// Saved is the error of a guarded write of the resource called name: err,
// or ABORTED when the row moved on since it was read (saved is false), so
// that a reaction is redelivered and handled afresh.
func Saved(name string, saved bool, err error) error {
	if err != nil {
		return err
	}
	if !saved {
		return apierr.EtagMismatch(name)
	}
	return nil
}

// ignoredInMask are fields an update_mask may name but an update never
// changes: the identity, the etag (a precondition, not a value) and the
// output-only times (AIP-203). REST clients meet them because grpc-gateway
// derives the mask of a PATCH from the fields present in its body.
var ignoredInMask = []string{"name", "etag", "create_time", "update_time", "delete_time", "create_actor", "update_actor"}

// MaskPaths checks an update_mask against the resource's updatable fields
// and returns the fields to change: all of them for an empty mask or "*".
// outputOnly lists further fields of the resource the mask may name and
// that are ignored.
func MaskPaths(paths, updatable, outputOnly []string) ([]string, error) {
	if len(paths) == 0 || (len(paths) == 1 && paths[0] == "*") {
		return updatable, nil
	}
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		switch {
		case slices.Contains(updatable, p):
			out = append(out, p)
		case slices.Contains(ignoredInMask, p), slices.Contains(outputOnly, p):
		default:
			return nil, apierr.InvalidArgument("update_mask",
				fmt.Sprintf("cannot update %q; updatable fields: %s", p, strings.Join(updatable, ", ")))
		}
	}
	return out, nil
}

// CheckDeleteTransition says whether a resource may move to the wanted
// deleted state: deleting a deleted resource is NOT_FOUND and undeleting a
// live one is ALREADY_EXISTS (AIP-164).
func CheckDeleteTransition(name string, isDeleted, wantDeleted bool) error {
	switch {
	case wantDeleted && isDeleted:
		return apierr.NotFound(name)
	case !wantDeleted && !isDeleted:
		return apierr.AlreadyExists(name)
	}
	return nil
}

// Now is the time a change is recorded at, at the storage's precision.
func Now() *timestamppb.Timestamp {
	return timestamppb.New(time.Now().UTC().Truncate(time.Microsecond))
}

// Micros is a timestamp's storage form: microseconds since the Unix epoch.
func Micros(ts *timestamppb.Timestamp) int64 { return ts.AsTime().UnixMicro() }

// NullMicros is Micros for an optional timestamp: nil stores NULL.
func NullMicros(ts *timestamppb.Timestamp) any {
	if ts == nil {
		return nil
	}
	return Micros(ts)
}

// Time turns stored microseconds back into a timestamp.
func Time(micros int64) *timestamppb.Timestamp { return timestamppb.New(time.UnixMicro(micros)) }

// NullTime turns an optional stored time back into a timestamp or nil.
func NullTime(micros sql.NullInt64) *timestamppb.Timestamp {
	if !micros.Valid {
		return nil
	}
	return Time(micros.Int64)
}

// Stamps are a row's create_time, update_time and delete_time columns as
// a store's Scan reads them: microseconds (see Micros), the last NULL for
// a live resource.
type Stamps struct {
	Create, Update int64
	Delete         sql.NullInt64
}

// Times are the resource's create, update and delete times (nil while it
// is live).
func (s *Stamps) Times() (create, update, deleted *timestamppb.Timestamp) {
	return Time(s.Create), Time(s.Update), NullTime(s.Delete)
}

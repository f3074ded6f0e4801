// Package lookup holds what every question to another service shares: its
// deadline and the error when that service cannot answer. The questions
// themselves live with the service they ask (e.g. teams/teamsclient), so
// that the kit knows no service's API.
package lookup

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// Timeout bounds each question to another service.
const Timeout = 5 * time.Second

// Failed is the error of a lookup of name that service could not answer:
// UNAVAILABLE when the service is down or slow, so that the caller may
// retry; otherwise err with context.
func Failed(service, name string, err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return apierr.Unavailable(service + ", needed to check " + name + ",")
	}
	return fmt.Errorf("look up %s: %w", name, err)
}

// All gathers every page of a List that service answers about name: page
// asks for the page at token and returns its items and the next page's
// token ("" after the last). A failure is Failed's.
func All[T any](service, name string, page func(token string) ([]T, string, error)) ([]T, error) {
	var out []T
	for token := ""; ; {
		items, next, err := page(token)
		if err != nil {
			return nil, Failed(service, name, err)
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		token = next
	}
}

// Live is a resource that may be soft-deleted.
type Live interface {
	GetDeleteTime() *timestamppb.Timestamp
}

// RequireLive fails unless the resource called name, which get reads from
// service, exists and is live: INVALID_ARGUMENT naming field ("no such
// kind") when there is none, FAILED_PRECONDITION naming field when it is
// deleted, UNAVAILABLE when service does not answer in time.
func RequireLive[M Live](ctx context.Context, service, field, kind, name string, get func(ctx context.Context) (M, error)) error {
	_, err := GetLive(ctx, service, field, kind, name, get)
	return err
}

// GetLive is RequireLive that returns the live resource.
func GetLive[M Live](ctx context.Context, service, field, kind, name string, get func(ctx context.Context) (M, error)) (M, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var none M
	m, err := get(ctx)
	if status.Code(err) == codes.NotFound {
		return none, apierr.InvalidArgument(field, "no such "+kind+": "+name)
	}
	if err != nil {
		return none, Failed(service, name, err)
	}
	if m.GetDeleteTime() != nil {
		return none, apierr.FailedPrecondition(field, name+" is deleted")
	}
	return m, nil
}

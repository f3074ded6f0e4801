// Package lookup holds what every question to another service shares: its
// deadline and the error when that service cannot answer. The questions
// themselves live with the service they ask (e.g. teams/teamsclient), so
// that the kit knows no service's API.
package lookup

import (
	"fmt"
	"time"

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

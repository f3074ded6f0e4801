// Package apitest holds assertions and helpers the services' API tests share.
package apitest

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// WantCode fails the test unless err has code and, when field is set, both
// names field in its message and carries a field violation (BadRequest), a
// precondition violation (PreconditionFailure) or a ResourceInfo for it.
func WantCode(t testing.TB, err error, code codes.Code, field string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != code {
		t.Fatalf("code = %v (%v), want %v", st.Code(), err, code)
	}
	if field == "" {
		return
	}
	if !strings.Contains(st.Message(), field) {
		t.Errorf("message %q does not name %s", st.Message(), field)
	}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.FieldViolations {
				if v.Field == field {
					return
				}
			}
		case *errdetails.ResourceInfo:
			if d.ResourceName == field {
				return
			}
		case *errdetails.PreconditionFailure:
			for _, v := range d.Violations {
				if v.Subject == field {
					return
				}
			}
		}
	}
	t.Errorf("no violation for %s in %v", field, st.Details())
}

// Eventually polls cond until it holds or d passes, then fails the test
// with what.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// handedOut are the addresses FreeAddr returned in this process.
var handedOut sync.Map

// FreeAddr returns a loopback address with a port free at the time of the
// call, for a server the test starts in another process. It never returns
// an address it returned before: the kernel may offer a port just closed
// again, and two servers of one test were once given the same.
func FreeAddr(t testing.TB) string {
	t.Helper()
	for {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := lis.Addr().String()
		lis.Close()
		if _, taken := handedOut.LoadOrStore(addr, true); !taken {
			return addr
		}
	}
}

// Package apierr builds the gRPC errors the services return: a
// google.rpc.Status with an ErrorInfo naming the reason and, for bad input,
// BadRequest field violations naming each offending field (AIP-193).
//
// Handlers return these for anything the caller can act on. Any other error
// reaching the edge is logged and replaced by a bare INTERNAL (see
// interceptor.Sanitize), so SQL text and stack traces never reach a caller.
package apierr

import (
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

// Domain is the ErrorInfo domain of every error the services return.
const Domain = "goldenthread"

// Reasons carried in ErrorInfo, stable for clients to switch on.
const (
	ReasonInvalidArgument    = "INVALID_ARGUMENT"
	ReasonNotFound           = "NOT_FOUND"
	ReasonAlreadyExists      = "ALREADY_EXISTS"
	ReasonEtagMismatch       = "ETAG_MISMATCH"
	ReasonFailedPrecondition = "FAILED_PRECONDITION"
	ReasonUnavailable        = "UNAVAILABLE"
	ReasonPermissionDenied   = "PERMISSION_DENIED"
)

// FieldViolation is one bad field: its path in the request (e.g.
// "organisation.display_name") and what is wrong with it.
type FieldViolation struct {
	Field       string
	Description string
}

// InvalidArgument reports one bad field.
func InvalidArgument(field, description string) error {
	return InvalidArguments([]FieldViolation{{Field: field, Description: description}})
}

// InvalidArguments reports every bad field at once. The message names them
// all, so a caller reading only the message still learns which fields to fix.
func InvalidArguments(violations []FieldViolation) error {
	msg := "invalid argument"
	br := &errdetails.BadRequest{}
	for i, v := range violations {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		msg += sep + v.Field + ": " + v.Description
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Description: v.Description,
		})
	}
	return build(codes.InvalidArgument, msg, ReasonInvalidArgument, nil, br)
}

// NotFound reports that the named resource does not exist.
func NotFound(name string) error {
	return build(codes.NotFound, fmt.Sprintf("%s not found", name), ReasonNotFound,
		map[string]string{"name": name}, &errdetails.ResourceInfo{ResourceName: name})
}

// AlreadyExists reports that a resource with this name exists already.
func AlreadyExists(name string) error {
	return build(codes.AlreadyExists, fmt.Sprintf("%s already exists", name), ReasonAlreadyExists,
		map[string]string{"name": name}, &errdetails.ResourceInfo{ResourceName: name})
}

// EtagMismatch reports that the caller's etag is stale: someone else changed
// the resource since the caller read it.
func EtagMismatch(name string) error {
	return build(codes.Aborted,
		fmt.Sprintf("etag: %s changed since it was read; get it again and retry", name),
		ReasonEtagMismatch, map[string]string{"name": name}, &errdetails.ResourceInfo{ResourceName: name})
}

// FailedPrecondition reports a request that is well formed but not allowed
// in the resource's current state.
func FailedPrecondition(subject, description string) error {
	msg := subject + ": " + description
	pf := &errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{
		{Type: ReasonFailedPrecondition, Subject: subject, Description: description},
	}}
	return build(codes.FailedPrecondition, msg, ReasonFailedPrecondition, nil, pf)
}

// PermissionDenied reports a caller who may see the resource but not make
// this change; description says what would be needed.
func PermissionDenied(description string) error {
	return build(codes.PermissionDenied, description, ReasonPermissionDenied, nil, nil)
}

// Unavailable reports that something the call needs cannot be reached; the
// caller may retry later.
func Unavailable(what string) error {
	return build(codes.Unavailable, what+" is unavailable; retry later", ReasonUnavailable, nil, nil)
}

func build(code codes.Code, msg, reason string, meta map[string]string, detail protoadapt.MessageV1) error {
	st := status.New(code, msg)
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: reason, Domain: Domain, Metadata: meta}}
	if detail != nil {
		details = append(details, detail)
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

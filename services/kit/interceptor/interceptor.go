// Package interceptor holds the gRPC interceptors every service runs, in
// this order (outermost first): Logging, Metrics, Sanitize, Recovery, then
// authentication, Validate and authorisation (package auth). grpcserver.New
// chains them.
package interceptor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/text"
)

// Logging logs every call once it finishes: method, code, duration and
// peer; server faults at error level, client mistakes at info.
func Logging(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, logger, info.FullMethod, start, err)
		return resp, err
	}
}

// StreamLogging is Logging for streaming calls.
func StreamLogging(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		logCall(ss.Context(), logger, info.FullMethod, start, err)
		return err
	}
}

func logCall(ctx context.Context, logger *slog.Logger, method string, start time.Time, err error) {
	st := status.Convert(err)
	level := slog.LevelInfo
	switch st.Code() {
	case codes.OK:
		// Probes call health every few seconds; keep them out of the log.
		if strings.HasPrefix(method, "/grpc.health.v1.Health/") {
			level = slog.LevelDebug
		}
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		level = slog.LevelError
	case codes.Unavailable, codes.DeadlineExceeded:
		level = slog.LevelWarn
	}
	if !logger.Enabled(ctx, level) {
		return // before formatting anything: this runs on every call
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("code", st.Code().String()),
		slog.Duration("duration", time.Since(start)),
	}
	if p, ok := peer.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("peer", p.Addr.String()))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", st.Message()))
	}
	logger.LogAttrs(ctx, level, "grpc call", attrs...)
}

// Sanitize makes sure callers only ever see deliberate errors: a handler
// error that is not a gRPC status (an SQL error, say) is logged and replaced
// by a bare INTERNAL; context errors become CANCELLED or DEADLINE_EXCEEDED.
func Sanitize(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err == nil {
			return resp, nil
		}
		if _, ok := status.FromError(err); ok {
			return resp, err
		}
		switch {
		case errors.Is(err, context.Canceled):
			return nil, status.Error(codes.Canceled, "the call was cancelled")
		case errors.Is(err, context.DeadlineExceeded):
			return nil, status.Error(codes.DeadlineExceeded, "the call's deadline passed")
		}
		logger.ErrorContext(ctx, "internal error", "method", info.FullMethod, "err", err)
		return nil, status.Error(codes.Internal, "internal error")
	}
}

// Recovery turns a panicking handler into INTERNAL, logging the panic with
// its stack, so that one bad request cannot take the process down.
func Recovery(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.ErrorContext(ctx, "panic in handler", "method", info.FullMethod,
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}

// StreamRecovery is Recovery for streaming calls.
func StreamRecovery(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.ErrorContext(ss.Context(), "panic in handler", "method", info.FullMethod,
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(srv, ss)
	}
}

// Validate checks each request's text (package text: UTF-8 without control
// characters, in every string field) and then the protovalidate rules in
// its proto, and answers INVALID_ARGUMENT, with a field violation per
// broken rule, before the handler runs.
func Validate(v protovalidate.Validator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		msg, ok := req.(proto.Message)
		if !ok {
			return handler(ctx, req)
		}
		if bad := text.Check(msg); len(bad) > 0 {
			return nil, apierr.InvalidArguments(bad)
		}
		if err := v.Validate(msg); err != nil {
			return nil, ValidationStatus(err, "")
		}
		return handler(ctx, req)
	}
}

// ValidationStatus converts a protovalidate error into INVALID_ARGUMENT with
// a field violation per broken rule, each field path starting with prefix.
// Handlers use it when they validate a message themselves (an update's
// resource after its mask is applied, with prefix "organisation." say). An
// error that is not a validation error is returned as it is.
func ValidationStatus(err error, prefix string) error {
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	violations := make([]apierr.FieldViolation, 0, len(ve.Violations))
	for _, v := range ve.Violations {
		violations = append(violations, apierr.FieldViolation{
			Field:       prefix + protovalidate.FieldPathString(v.Proto.GetField()),
			Description: v.Proto.GetMessage(),
		})
	}
	return apierr.InvalidArguments(violations)
}

// Package interceptor holds the gRPC interceptors every service runs, in
// this order (outermost first): Logging, Metrics, Sanitize, Recovery, then
// authentication, Validate and authorisation (package auth). grpcserver.New
// chains them. Logging, Metrics, Recovery and authentication are
// go-grpc-middleware's (with its Prometheus provider); Sanitize and
// Validate are the product's own, for the reasons their doc comments give.
package interceptor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"buf.build/go/protovalidate"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/text"
)

// Logging logs every call once it finishes, through go-grpc-middleware's
// logging interceptor: method, code, duration and peer; server faults at
// error level, unavailable dependencies and deadlines at warning, the rest
// at info. Health checks, which probes make every few seconds, are not
// logged (the metrics count them).
func Logging(logger *slog.Logger) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	log := logging.LoggerFunc(func(ctx context.Context, level logging.Level, msg string, fields ...any) {
		logger.Log(ctx, slog.Level(level), msg, fields...)
	})
	opts := []logging.Option{
		logging.WithLogOnEvents(logging.FinishCall),
		logging.WithLevels(callLevel),
		logging.WithDurationField(func(d time.Duration) logging.Fields { return logging.Fields{"duration", d} }),
	}
	notHealth := selector.MatchFunc(func(_ context.Context, c interceptors.CallMeta) bool {
		return c.Service != healthpb.Health_ServiceDesc.ServiceName
	})
	return selector.UnaryServerInterceptor(logging.UnaryServerInterceptor(log, opts...), notHealth),
		selector.StreamServerInterceptor(logging.StreamServerInterceptor(log, opts...), notHealth)
}

// callLevel is the level a finished call is logged at, by its code.
func callLevel(code codes.Code) logging.Level {
	switch code {
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		return logging.LevelError
	case codes.Unavailable, codes.DeadlineExceeded:
		return logging.LevelWarn
	}
	return logging.LevelInfo
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
// its stack, so that one bad request cannot take the process down: it is
// go-grpc-middleware's recovery interceptor, unary and streaming.
func Recovery(logger *slog.Logger) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	handle := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		method, _ := grpc.Method(ctx)
		logger.ErrorContext(ctx, "panic in handler", "method", method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return status.Error(codes.Internal, "internal error")
	})
	return recovery.UnaryServerInterceptor(handle), recovery.StreamServerInterceptor(handle)
}

// Validate checks each request's text (package text: UTF-8 without control
// characters, in every string field) and then the protovalidate rules in
// its proto, and answers INVALID_ARGUMENT, with a field violation per
// broken rule, before the handler runs. go-grpc-middleware's protovalidate
// interceptor is not used: it reports protovalidate's own Violations detail
// under a message joining them, where the API's errors are
// google.rpc.BadRequest field violations (AIP-193), which the gateway turns
// into a 400 naming each field; and the text check comes first.
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

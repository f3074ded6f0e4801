package grpcserver

import (
	"flag"
	"math"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Limits bound what one client connection may hold of the server, so that
// a caller cannot keep connections (or a connection's streams) open for
// nothing.
type Limits struct {
	// HandshakeTimeout closes a connection that has not finished its
	// HTTP/2 handshake (the preface and settings) by then.
	HandshakeTimeout time.Duration
	// IdleTimeout closes, gracefully, a connection that has had no call for
	// this long; clients reconnect when they next call.
	IdleTimeout time.Duration
	// MaxStreams is the most calls one connection may have in flight.
	MaxStreams int
}

// DefaultLimits are the limits of a server whose flags are left alone.
var DefaultLimits = Limits{HandshakeTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxStreams: 1000}

// LimitFlags defines the flags that set the limits, with the defaults.
func LimitFlags(fs *flag.FlagSet) *Limits {
	l := DefaultLimits
	fs.DurationVar(&l.HandshakeTimeout, "grpc-handshake-timeout", l.HandshakeTimeout, "close a gRPC connection that has not finished its HTTP/2 handshake by then")
	fs.DurationVar(&l.IdleTimeout, "grpc-idle-timeout", l.IdleTimeout, "close a gRPC connection with no call for this long (clients reconnect when they next call)")
	fs.IntVar(&l.MaxStreams, "grpc-max-streams", l.MaxStreams, "most calls one gRPC connection may have in flight")
	return &l
}

// options are the server options that enforce l; a zero field takes its
// default.
func (l Limits) options() []grpc.ServerOption {
	if l.HandshakeTimeout <= 0 {
		l.HandshakeTimeout = DefaultLimits.HandshakeTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultLimits.IdleTimeout
	}
	if l.MaxStreams <= 0 || l.MaxStreams > math.MaxUint32 {
		l.MaxStreams = DefaultLimits.MaxStreams
	}
	return []grpc.ServerOption{
		grpc.ConnectionTimeout(l.HandshakeTimeout),
		grpc.MaxConcurrentStreams(uint32(l.MaxStreams)),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			MaxConnectionIdle:     l.IdleTimeout,
			MaxConnectionAge:      MaxConnectionAge,
			MaxConnectionAgeGrace: 30 * time.Second,
			// Ping a connection quiet for a minute, and drop it when the
			// ping is not answered: the peer is gone.
			Time:    time.Minute,
			Timeout: 20 * time.Second,
		}),
		// A client may ping at most every 10 seconds, and only while it has
		// calls in flight; one that pings more is told to go away.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second}),
	}
}

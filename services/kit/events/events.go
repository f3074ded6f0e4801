// Package events holds what producers and consumers of change events share:
// the CloudEvents 1.0 binary-mode mapping onto NATS headers, stream setup,
// and a durable, idempotent JetStream consumer (see Consume).
//
// The mapping is the CloudEvents NATS protocol binding's binary content
// mode (cloudevents/spec, cloudevents/bindings/nats-protocol-binding.md,
// section 3.1): each attribute is a header named ce-<attribute>, the
// datacontenttype attribute included (ce-datacontenttype), each value
// percent-encoded; the payload is the message body. Events written by
// other binding implementations, such as the CloudEvents Go SDK's
// JetStream sender, read the same.
package events

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// CloudEvents binary-mode headers: the binding names each attribute's
// header ce-<attribute>.
const (
	HeaderSpecVersion     = "ce-specversion"
	HeaderID              = "ce-id"
	HeaderSource          = "ce-source"
	HeaderType            = "ce-type"
	HeaderSubject         = "ce-subject"
	HeaderTime            = "ce-time"
	HeaderDataContentType = "ce-datacontenttype"
	// HeaderContentType is where releases before the binding's header
	// carried datacontenttype. Msg writes it beside HeaderDataContentType,
	// so that consumers of those releases, which read only this one, keep
	// reading newer producers' events during a rolling upgrade; it can go
	// once no such consumer runs. FromMsg reads either. (Its value is no
	// application/cloudevents type, so the binding still reads the message
	// as binary mode.)
	HeaderContentType = "content-type"
	// HeaderTraceParent and HeaderTraceState carry the CloudEvents
	// distributed-tracing extension: the W3C trace context of the change
	// the event records, which consumers continue (see Trace).
	HeaderTraceParent = "ce-traceparent"
	HeaderTraceState  = "ce-tracestate"
)

// The CloudEvents version every event has, and the content type of every
// payload.
const (
	SpecVersion         = "1.0"
	ContentTypeProtobuf = "application/protobuf"
)

// contentTypeStructured starts the content type of a structured-mode
// message, whose body is the whole event in an event format.
const contentTypeStructured = "application/cloudevents"

// DuplicateWindow is how long JetStream remembers a Nats-Msg-Id, so that a
// relay retrying an unacknowledged publish stores the event only once.
const DuplicateWindow = 10 * time.Minute

// Event is one change event.
type Event struct {
	// ID is unique per event; it is also the Nats-Msg-Id.
	ID string
	// Source names the producing service, e.g. //goldenthread/organisations.
	Source string
	// Type is the payload's full protobuf message name.
	Type string
	// Subject is the name of the resource that changed.
	Subject string
	// Time is when the change committed.
	Time time.Time
	// Data is the payload in protobuf binary encoding.
	Data []byte
	// NATSSubject is the subject the event is published on.
	NATSSubject string
	// TraceParent and TraceState are the W3C trace context the event
	// continues (the distributed-tracing extension); empty when the change
	// was not traced.
	TraceParent, TraceState string
}

// Msg encodes e as a NATS message in CloudEvents binary mode.
func (e Event) Msg() *nats.Msg {
	m := nats.NewMsg(e.NATSSubject)
	set := func(name, value string) { m.Header.Set(name, encodeHeaderValue(value)) }
	set(HeaderSpecVersion, SpecVersion)
	set(HeaderID, e.ID)
	set(HeaderSource, e.Source)
	set(HeaderType, e.Type)
	set(HeaderSubject, e.Subject)
	set(HeaderTime, e.Time.UTC().Format(time.RFC3339Nano))
	set(HeaderDataContentType, ContentTypeProtobuf)
	if e.TraceParent != "" {
		set(HeaderTraceParent, e.TraceParent)
		if e.TraceState != "" {
			set(HeaderTraceState, e.TraceState)
		}
	}
	m.Header.Set(HeaderContentType, ContentTypeProtobuf)
	m.Header.Set(nats.MsgIdHdr, e.ID)
	m.Data = e.Data
	return m
}

// FromMsg decodes a CloudEvents binary-mode NATS message: the binding's
// headers (whatever the case of their names, values percent-encoded or
// not), with datacontenttype in ce-datacontenttype or, as earlier releases
// wrote it, content-type.
func FromMsg(subject string, h nats.Header, data []byte) (Event, error) {
	if ct := header(h, HeaderContentType); strings.HasPrefix(strings.ToLower(ct), contentTypeStructured) {
		return Event{}, fmt.Errorf("event on %s: structured content mode (%s %q); only binary mode is read", subject, HeaderContentType, ct)
	}
	var firstErr error
	attr := func(name string) string {
		v, err := decodeHeaderValue(header(h, name))
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("event on %s: %s: %w", subject, name, err)
		}
		return v
	}
	version := attr(HeaderSpecVersion)
	e := Event{
		ID:          attr(HeaderID),
		Source:      attr(HeaderSource),
		Type:        attr(HeaderType),
		Subject:     attr(HeaderSubject),
		Data:        data,
		NATSSubject: subject,
	}
	e.TraceParent, e.TraceState = attr(HeaderTraceParent), attr(HeaderTraceState)
	contentType, when := attr(HeaderDataContentType), attr(HeaderTime)
	if contentType == "" {
		contentType = attr(HeaderContentType)
	}
	if firstErr != nil {
		return Event{}, firstErr
	}
	if version != SpecVersion {
		return Event{}, fmt.Errorf("event on %s: %s is %q, want %q", subject, HeaderSpecVersion, version, SpecVersion)
	}
	if e.ID == "" || e.Source == "" || e.Type == "" {
		return Event{}, fmt.Errorf("event on %s: missing ce-id, ce-source or ce-type", subject)
	}
	if contentType != ContentTypeProtobuf {
		return Event{}, fmt.Errorf("event %s: datacontenttype (%s or %s) %q, want %q", e.ID, HeaderDataContentType, HeaderContentType, contentType, ContentTypeProtobuf)
	}
	t, err := time.Parse(time.RFC3339Nano, when)
	if err != nil {
		return Event{}, fmt.Errorf("event %s: ce-time: %w", e.ID, err)
	}
	e.Time = t
	return e, nil
}

// NewID returns a UUIDv7: unique, and ordered by creation time, which keeps
// ids of one producer roughly in commit order.
func NewID() string {
	var u [16]byte
	_, _ = rand.Read(u[6:]) // crypto/rand.Read never fails (Go 1.24+).
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(time.Now().UnixMilli()))
	copy(u[:6], ms[2:])
	u[6] = 0x70 | u[6]&0x0f
	u[8] = 0x80 | u[8]&0x3f
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// The limits EnsureStream gives a stream whose StreamSpec leaves them 0.
//
// A stream is how events reach consumers, not their record (each service's
// database and history are), and consumers keep up within seconds; its
// limits only say how far back a consumer that was stopped, or a new one,
// can still read. Past either limit JetStream drops the oldest events.
const (
	// DefaultStreamMaxAge keeps an event a year: a consumer may be down,
	// or a service not deployed yet, for months and still catch up.
	DefaultStreamMaxAge = 365 * 24 * time.Hour
	// DefaultStreamMaxBytes bounds a stream at 512 MiB, some 350,000
	// events of 1.5 KiB (headers and a resource), more than a year of
	// changes for most organisations. Not more, because JetStream
	// reserves a stream's MaxBytes in full, as it is created, on every
	// server holding it, and refuses a stream it has no room for: the four
	// services' streams reserve 2 GiB, half of the store the cluster in
	// deploy/nats/nats.conf allows each node (max_file_store 4GB), and an
	// embedded server, whose store is 75% of the free disk, needs under
	// 3 GiB free.
	DefaultStreamMaxBytes int64 = 512 << 20
	// NoLimit, as StreamSpec.MaxAge or MaxBytes, lifts that limit.
	NoLimit = -1
)

// StreamSpec describes a producer's stream.
type StreamSpec struct {
	Name     string
	Subjects []string
	// Replicas is how many servers keep the stream (1 for a single server,
	// 3 in a cluster).
	Replicas int
	// MaxAge is how long the stream keeps an event: 0 means
	// DefaultStreamMaxAge, NoLimit keeps every event. Consumers prune
	// their inbox, and their dead letters, past the same age (see Consume).
	MaxAge time.Duration
	// MaxBytes is the most the stream stores, past which its oldest events
	// go: 0 means DefaultStreamMaxBytes, NoLimit lets it grow as long as
	// the server has room. JetStream reserves the whole amount as the
	// stream is created (see DefaultStreamMaxBytes).
	MaxBytes int64
}

// limits are the MaxAge and MaxBytes of the stream's JetStream
// configuration, where 0 and -1 respectively mean no limit.
func (s StreamSpec) limits() (maxAge time.Duration, maxBytes int64) {
	switch {
	case s.MaxAge == 0:
		maxAge = DefaultStreamMaxAge
	case s.MaxAge > 0:
		maxAge = s.MaxAge
	}
	switch {
	case s.MaxBytes == 0:
		maxBytes = DefaultStreamMaxBytes
	case s.MaxBytes > 0:
		maxBytes = s.MaxBytes
	default:
		maxBytes = -1
	}
	return maxAge, maxBytes
}

// ServiceStream is the stream a service publishes to: for prefix
// "goldenthread" and service "teams", GOLDENTHREAD_TEAMS holding
// goldenthread.teams.>, keeping events for maxAge (see StreamSpec.MaxAge)
// and DefaultStreamMaxBytes; set MaxBytes on the result for another size.
func ServiceStream(prefix, service string, replicas int, maxAge time.Duration) StreamSpec {
	return StreamSpec{
		Name:     strings.ToUpper(prefix + "_" + service),
		Subjects: []string{prefix + "." + service + ".>"},
		Replicas: replicas,
		MaxAge:   maxAge,
	}
}

// ServiceConsumer reads, as durable, the version 1 events of service's
// stream (see ServiceStream).
func ServiceConsumer(prefix, service, durable string) ConsumerSpec {
	return ConsumerSpec{
		Stream:        strings.ToUpper(prefix + "_" + service),
		Durable:       durable,
		FilterSubject: prefix + "." + service + "." + Version + ".>",
		SubjectPrefix: prefix,
	}
}

// ServiceSource is the ce-source of service's events, e.g.
// //goldenthread/teams.
func ServiceSource(service string) string { return "//goldenthread/" + service }

// checkProducer reports an error unless e claims to come from the service
// its NATS subject names (see Subject). NATS lets only that service's user
// publish on it (deploy/nats/nats.conf, broker.Server); so an event whose ce-source
// is not ServiceSource(service), or whose type is not a message of the
// service's own API (goldenthread.{service}.{version}.*), was made by
// someone else: another service speaking for it (the teams user may
// publish on teams subjects, but not an OrganisationDeleted), or a client
// that reached the stream some other way.
func checkProducer(prefix string, e Event) error {
	s, err := ParseSubject(prefix, e.NATSSubject)
	if err != nil {
		return fmt.Errorf("no producer: %w", err)
	}
	if want := ServiceSource(s.Service); e.Source != want {
		return fmt.Errorf("%s is %q on a subject of %s, want %q", HeaderSource, e.Source, s.Service, want)
	}
	if pkg := "goldenthread." + s.Service + "." + s.Version + "."; !strings.HasPrefix(e.Type, pkg) {
		return fmt.Errorf("%s %q on a subject of %s is not a message of %s*", HeaderType, e.Type, s.Service, pkg)
	}
	return nil
}

// Decode unmarshals e's payload into m. A payload that does not decode never
// will: the error is Permanent.
func Decode(e Event, m proto.Message) error {
	if err := proto.Unmarshal(e.Data, m); err != nil {
		return Permanent(fmt.Errorf("decode %s: %w", e.Type, err))
	}
	return nil
}

// EnsureStream creates the stream or brings its configuration up to date,
// its limits included: a stream made before a limit was set, or with
// another, gets the spec's.
func EnsureStream(ctx context.Context, js jetstream.JetStream, spec StreamSpec) error {
	maxAge, maxBytes := spec.limits()
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       spec.Name,
		Subjects:   spec.Subjects,
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Duplicates: duplicateWindow(maxAge),
		Replicas:   max(spec.Replicas, 1),
		MaxAge:     maxAge,
		MaxBytes:   maxBytes,
		// At a limit the oldest events go rather than new ones being
		// refused: refusing would stall the relay, and every reaction to
		// the service's changes, to keep events consumers handled long ago.
		Discard: jetstream.DiscardOld,
		// JetStream compresses each block of the stream once it is full
		// (8 MiB here; the block being written stays as it is): events
		// repeat their CloudEvents headers, subjects and names, so a full
		// block shrinks to under a third (make bench, the stream row).
		// A stream made without it compresses the blocks its server fills
		// after the server next starts.
		Compression: jetstream.S2Compression,
	})
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStorageResourcesExceeded {
		return fmt.Errorf("ensure stream %s: the server has no room to reserve its max bytes (%d; JetStream reserves them in full): give the server more store, or the stream a lower limit: %w", spec.Name, maxBytes, err)
	}
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", spec.Name, err)
	}
	return nil
}

// errCodeStorageResourcesExceeded is the JetStream error of a stream whose
// MaxBytes the server (or the account) cannot reserve; nats.go names no
// constant for it.
const errCodeStorageResourcesExceeded jetstream.ErrorCode = 10047

// duplicateWindow is DuplicateWindow, or maxAge when that is shorter:
// JetStream refuses a window longer than the stream keeps its events.
func duplicateWindow(maxAge time.Duration) time.Duration {
	if maxAge > 0 {
		return min(DuplicateWindow, maxAge)
	}
	return DuplicateWindow
}

// ErrPermanent marks a handler error that retrying cannot fix (a payload
// that does not decode, say): the event is terminated instead of redelivered.
var ErrPermanent = errors.New("permanent")

// Permanent wraps err so that Consume terminates the event.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

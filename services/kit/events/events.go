// Package events holds what producers and consumers of change events share:
// the CloudEvents 1.0 binary-mode mapping onto NATS headers, stream setup,
// and a durable, idempotent JetStream consumer (see Consume).
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

// CloudEvents binary-mode headers and the content type of every payload.
const (
	HeaderSpecVersion = "ce-specversion"
	HeaderID          = "ce-id"
	HeaderSource      = "ce-source"
	HeaderType        = "ce-type"
	HeaderSubject     = "ce-subject"
	HeaderTime        = "ce-time"
	HeaderContentType = "content-type"

	SpecVersion         = "1.0"
	ContentTypeProtobuf = "application/protobuf"
)

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
}

// Msg encodes e as a NATS message in CloudEvents binary mode.
func (e Event) Msg() *nats.Msg {
	m := nats.NewMsg(e.NATSSubject)
	m.Header.Set(HeaderSpecVersion, SpecVersion)
	m.Header.Set(HeaderID, e.ID)
	m.Header.Set(HeaderSource, e.Source)
	m.Header.Set(HeaderType, e.Type)
	m.Header.Set(HeaderSubject, e.Subject)
	m.Header.Set(HeaderTime, e.Time.UTC().Format(time.RFC3339Nano))
	m.Header.Set(HeaderContentType, ContentTypeProtobuf)
	m.Header.Set(nats.MsgIdHdr, e.ID)
	m.Data = e.Data
	return m
}

// FromMsg decodes a CloudEvents binary-mode NATS message.
func FromMsg(subject string, h nats.Header, data []byte) (Event, error) {
	if v := h.Get(HeaderSpecVersion); v != SpecVersion {
		return Event{}, fmt.Errorf("event on %s: %s is %q, want %q", subject, HeaderSpecVersion, v, SpecVersion)
	}
	e := Event{
		ID:          h.Get(HeaderID),
		Source:      h.Get(HeaderSource),
		Type:        h.Get(HeaderType),
		Subject:     h.Get(HeaderSubject),
		Data:        data,
		NATSSubject: subject,
	}
	if e.ID == "" || e.Source == "" || e.Type == "" {
		return Event{}, fmt.Errorf("event on %s: missing ce-id, ce-source or ce-type", subject)
	}
	if ct := h.Get(HeaderContentType); ct != ContentTypeProtobuf {
		return Event{}, fmt.Errorf("event %s: content-type %q, want %q", e.ID, ct, ContentTypeProtobuf)
	}
	t, err := time.Parse(time.RFC3339Nano, h.Get(HeaderTime))
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

// StreamSpec describes a producer's stream.
type StreamSpec struct {
	Name     string
	Subjects []string
	// Replicas is how many servers keep the stream (1 for a single server,
	// 3 in a cluster).
	Replicas int
	// MaxAge is how long the stream keeps an event; 0 keeps every event.
	// Consumers prune their inbox past the same age (see Consume).
	MaxAge time.Duration
}

// ServiceStream is the stream a service publishes to: for prefix
// "goldenthread" and service "teams", GOLDENTHREAD_TEAMS holding
// goldenthread.teams.>.
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

// EnsureStream creates the stream or brings its configuration up to date.
func EnsureStream(ctx context.Context, js jetstream.JetStream, spec StreamSpec) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       spec.Name,
		Subjects:   spec.Subjects,
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Duplicates: duplicateWindow(spec.MaxAge),
		Replicas:   max(spec.Replicas, 1),
		MaxAge:     spec.MaxAge,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", spec.Name, err)
	}
	return nil
}

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

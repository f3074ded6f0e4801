package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/events"
)

// ack is a consumer's acknowledgement of a stream message, seen in passing.
type ack struct {
	stream, consumer string
	seq              uint64
	at               time.Time
}

// watchAcks follows every JetStream acknowledgement on the server: a
// consumer acks by publishing to the message's $JS.ACK reply subject, which
// names the stream, the consumer and the stream sequence. Watching them
// measures when any consumer — one inside the all-in-one too — finished
// with a message, the same way for ours and the baseline.
func watchAcks(nc *nats.Conn) (<-chan ack, func(), error) {
	ch := make(chan ack, 4096)
	sub, err := nc.Subscribe("$JS.ACK.>", func(m *nats.Msg) {
		a, ok := parseAck(m.Subject)
		if !ok {
			return
		}
		a.at = time.Now()
		select {
		case ch <- a:
		default:
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return ch, func() { _ = sub.Unsubscribe() }, nil
}

// parseAck reads the stream, consumer and stream sequence of an ack
// subject, in either of the forms the server uses.
func parseAck(subject string) (ack, bool) {
	t := strings.Split(subject, ".")
	var a ack
	var seq string
	switch {
	case len(t) == 9: // $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<time>.<pending>
		a.stream, a.consumer, seq = t[2], t[3], t[5]
	case len(t) >= 12: // with <domain>.<account hash> before the stream, and a token after
		a.stream, a.consumer, seq = t[4], t[5], t[7]
	default:
		return ack{}, false
	}
	var err error
	a.seq, err = strconv.ParseUint(seq, 10, 64)
	return a, err == nil && t[0] == "$JS" && t[1] == "ACK"
}

// awaitAcks waits until consumer has acked every sequence in (after, upTo]
// of stream and returns when the last of them was seen.
func awaitAcks(acks <-chan ack, stream, consumer string, after, upTo uint64, timeout time.Duration) (time.Time, error) {
	deadline := time.After(timeout)
	seen := map[uint64]bool{}
	var last time.Time
	for uint64(len(seen)) < upTo-after {
		select {
		case a := <-acks:
			if a.stream == stream && a.consumer == consumer && a.seq > after && a.seq <= upTo {
				seen[a.seq] = true
				last = a.at
			}
		case <-deadline:
			return time.Time{}, fmt.Errorf("%s on %s acked %d of sequences %d..%d within %s", consumer, stream, len(seen), after+1, upTo, timeout)
		}
	}
	return last, nil
}

func drain(acks <-chan ack) {
	for {
		select {
		case <-acks:
		default:
			return
		}
	}
}

func lastSeq(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.LastSeq, nil
}

// createdAt reads the ce-time of the event at seq in stream.
func createdAt(ctx context.Context, js jetstream.JetStream, stream string, seq uint64) (time.Time, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return time.Time{}, err
	}
	m, err := s.GetMsg(ctx, seq)
	if err != nil {
		return time.Time{}, fmt.Errorf("event %d of %s: %w", seq, stream, err)
	}
	return time.Parse(time.RFC3339Nano, m.Header.Get(events.HeaderTime))
}

// commitToPlanning returns a sampler that records a value flipping a KPI's
// status and times it from the events' creation in the recording's
// transaction (their ce-time, set just before the commit) to the planning
// service's consumer acknowledging the last event that commit produced —
// after it rolled the status up the thread. (Timing from the call's return
// would miss the acks that come before the client has read the answer.)
func commitToPlanning(ctx context.Context, js jetstream.JetStream, acks <-chan ack, rec *recorder, kpi, stream, consumer string) (func() (time.Duration, error), error) {
	flip := func(i int) float64 { return []float64{60, 100}[i%2] } // red, then green
	// Learn how many events one recording makes (the measurement's, the
	// KPI's, its status change) from a few that flip the status too.
	var perCommit uint64
	i := 0
	for ; i < 3; i++ {
		before, err := lastSeq(ctx, js, stream)
		if err != nil {
			return nil, err
		}
		if err := rec.one(ctx, kpi, flip(i)); err != nil {
			return nil, err
		}
		time.Sleep(time.Second)
		after, err := lastSeq(ctx, js, stream)
		if err != nil {
			return nil, err
		}
		perCommit = after - before
	}
	if perCommit == 0 {
		return nil, fmt.Errorf("recording a value put no event on %s", stream)
	}
	return func() (time.Duration, error) {
		i++
		before, err := lastSeq(ctx, js, stream)
		if err != nil {
			return 0, err
		}
		drain(acks)
		if err := rec.one(ctx, kpi, flip(i)); err != nil {
			return 0, err
		}
		t1, err := awaitAcks(acks, stream, consumer, before, before+perCommit, 10*time.Second)
		if err != nil {
			return 0, err
		}
		if got, err := lastSeq(ctx, js, stream); err != nil || got != before+perCommit {
			return 0, fmt.Errorf("a recording put %d events on %s, not %d as before (%v)", got-before, stream, perCommit, err)
		}
		t0, err := createdAt(ctx, js, stream, before+perCommit)
		if err != nil {
			return 0, err
		}
		return t1.Sub(t0), nil
	}, nil
}

// bareJetStream returns a sampler that publishes an event of the same
// shape as the services' on a stream of its own and times it from the
// event's creation (just before the publish) to a plain consumer's ack, and
// the function that stops the consumer.
func bareJetStream(ctx context.Context, js jetstream.JetStream, acks <-chan ack, size int) (func() (time.Duration, error), func(), error) {
	const stream, consumer = "BENCH_BASELINE", "baseline"
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{"bench.baseline.>"},
		Storage: jetstream.FileStorage, Duplicates: events.DuplicateWindow}); err != nil {
		return nil, nil, err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: consumer, AckPolicy: jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy, FilterSubject: "bench.baseline.>", AckWait: 30 * time.Second, MaxAckPending: 256})
	if err != nil {
		return nil, nil, err
	}
	cc, err := cons.Consume(func(m jetstream.Msg) { _ = m.Ack() })
	if err != nil {
		return nil, nil, err
	}
	i := 0
	sample := func() (time.Duration, error) {
		i++
		drain(acks)
		t0 := time.Now()
		msg := events.Event{ID: fmt.Sprintf("baseline-%d", i), Source: "//goldenthread/bench", Type: "goldenthread.bench.v1.Changed",
			Subject: benchOrg, Time: t0, Data: make([]byte, size), NATSSubject: "bench.baseline.changed"}.Msg()
		pa, err := js.PublishMsg(ctx, msg)
		if err != nil {
			return 0, err
		}
		t1, err := awaitAcks(acks, stream, consumer, pa.Sequence-1, pa.Sequence, 10*time.Second)
		if err != nil {
			return 0, err
		}
		return t1.Sub(t0), nil
	}
	for range 20 { // warm up
		if _, err := sample(); err != nil {
			cc.Stop()
			return nil, nil, err
		}
	}
	return sample, cc.Stop, nil
}

// pairedSamples takes n samples of each, alternating, so that other work
// on the machine falls on both alike, and returns each sorted.
func pairedSamples(n int, ours, base func() (time.Duration, error)) ([]time.Duration, []time.Duration, error) {
	o, b := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
	for range n {
		d, err := ours()
		if err != nil {
			return nil, nil, err
		}
		o = append(o, d)
		if d, err = base(); err != nil {
			return nil, nil, fmt.Errorf("baseline: %w", err)
		}
		b = append(b, d)
	}
	slices.Sort(o)
	slices.Sort(b)
	return o, b, nil
}

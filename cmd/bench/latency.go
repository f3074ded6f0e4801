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
		at := time.Now()
		t := strings.Split(m.Subject, ".")
		var a ack
		switch {
		case len(t) == 9: // $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<time>.<pending>
			a = ack{stream: t[2], consumer: t[3]}
			a.seq, _ = strconv.ParseUint(t[5], 10, 64)
		case len(t) >= 12: // with <domain>.<account hash> before the stream, and a token after
			a = ack{stream: t[4], consumer: t[5]}
			a.seq, _ = strconv.ParseUint(t[7], 10, 64)
		default:
			return
		}
		a.at = at
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

// commitToPlanning records n values that flip a KPI's status, each after
// the last was handled, and times each from the recording call's return
// (its commit) to the planning service's consumer acknowledging the last
// event that commit produced — after it rolled the status up the thread.
func commitToPlanning(ctx context.Context, js jetstream.JetStream, acks <-chan ack, rec *recorder, kpi, stream, consumer string, n int) ([]time.Duration, error) {
	flip := func(i int) float64 { return []float64{60, 100}[i%2] } // red, then green
	// Learn how many events one recording makes (the measurement's, the
	// KPI's, its status change) from a few that flip the status too.
	var perCommit uint64
	for i := range 3 {
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
	out := make([]time.Duration, 0, n)
	for i := range n {
		before, err := lastSeq(ctx, js, stream)
		if err != nil {
			return nil, err
		}
		drain(acks)
		if err := rec.one(ctx, kpi, flip(i+1)); err != nil {
			return nil, err
		}
		t0 := time.Now()
		t1, err := awaitAcks(acks, stream, consumer, before, before+perCommit, 10*time.Second)
		if err != nil {
			return nil, err
		}
		out = append(out, max(0, t1.Sub(t0)))
		if got, err := lastSeq(ctx, js, stream); err != nil || got != before+perCommit {
			return nil, fmt.Errorf("a recording put %d events on %s, not %d as before (%v)", got-before, stream, perCommit, err)
		}
	}
	slices.Sort(out)
	return out, nil
}

// bareJetStream publishes n events of the same shape as the services' on a
// stream of its own, each after the last was consumed, and times each from
// the publish's acknowledgement (stored) to a plain consumer's ack.
func bareJetStream(ctx context.Context, js jetstream.JetStream, acks <-chan ack, n, size int) ([]time.Duration, error) {
	const stream, consumer = "BENCH_BASELINE", "baseline"
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{"bench.baseline.>"},
		Storage: jetstream.FileStorage, Duplicates: events.DuplicateWindow}); err != nil {
		return nil, err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: consumer, AckPolicy: jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy, FilterSubject: "bench.baseline.>", AckWait: 30 * time.Second, MaxAckPending: 256})
	if err != nil {
		return nil, err
	}
	cc, err := cons.Consume(func(m jetstream.Msg) { _ = m.Ack() })
	if err != nil {
		return nil, err
	}
	defer cc.Stop()
	publish := func(i int) (uint64, error) {
		msg := events.Event{ID: fmt.Sprintf("baseline-%d", i), Source: "//goldenthread/bench", Type: "goldenthread.bench.v1.Changed",
			Subject: benchOrg, Time: time.Now(), Data: make([]byte, size), NATSSubject: "bench.baseline.changed"}.Msg()
		pa, err := js.PublishMsg(ctx, msg)
		if err != nil {
			return 0, err
		}
		return pa.Sequence, nil
	}
	for i := range 20 { // warm up
		seq, err := publish(-i - 1)
		if err != nil {
			return nil, err
		}
		if _, err := awaitAcks(acks, stream, consumer, seq-1, seq, 10*time.Second); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, 0, n)
	for i := range n {
		drain(acks)
		seq, err := publish(i)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		t1, err := awaitAcks(acks, stream, consumer, seq-1, seq, 10*time.Second)
		if err != nil {
			return nil, err
		}
		out = append(out, max(0, t1.Sub(t0)))
	}
	slices.Sort(out)
	return out, nil
}

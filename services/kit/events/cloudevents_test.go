package events_test

import (
	"context"
	"testing"
	"time"

	cejetstream "github.com/cloudevents/sdk-go/protocol/nats_jetstream/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// An event that the CloudEvents Go SDK's JetStream sender writes onto a
// stream, in the binding's binary mode, is consumed like one of ours: the
// same handler gets the same event.
func TestConsumerReadsEventsOfTheCloudEventsSDK(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
		got := make(chan events.Event, 2)
		c := events.Consume(context.Background(), f.js, f.db,
			events.ConsumerSpec{Stream: f.stream, Durable: "test", SubjectPrefix: f.prefix}, brokertest.Logger(),
			events.Handlers{thingType: func(_ context.Context, _ *sqldb.Tx, e events.Event) error { got <- e; return nil }})
		defer c.Stop()

		natsSubject := f.prefix + ".test.v1.org.thing.created"
		when := time.Now().UTC()
		data := []byte{0x0a, 0x03, 'a', 'b', 'c'} // a protobuf payload
		ours := events.Event{ID: "ours", Source: "//goldenthread/test", Type: thingType, Subject: "things/x",
			Time: when, Data: data, NATSSubject: natsSubject}
		if _, err := f.js.PublishMsg(context.Background(), ours.Msg()); err != nil {
			t.Fatal(err)
		}

		sender, err := cejetstream.NewSenderFromConn(b.Conn, f.stream, natsSubject, nil)
		if err != nil {
			t.Fatal(err)
		}
		ce := event.New(event.CloudEventsVersionV1)
		ce.SetID("sdk")
		ce.SetSource(ours.Source)
		ce.SetType(ours.Type)
		ce.SetSubject(ours.Subject)
		ce.SetTime(when)
		if err := ce.SetData(events.ContentTypeProtobuf, data); err != nil {
			t.Fatal(err)
		}
		if err := sender.Send(context.Background(), binding.ToMessage(&ce)); err != nil {
			t.Fatal(err)
		}

		byID := map[string]events.Event{}
		for range 2 {
			select {
			case e := <-got:
				byID[e.ID] = e
			case <-time.After(15 * time.Second):
				t.Fatalf("handled %d events of 2", len(byID))
			}
		}
		sdk, mine := byID["sdk"], byID["ours"]
		if sdk.Source != mine.Source || sdk.Type != mine.Type || sdk.Subject != mine.Subject || !sdk.Time.Equal(mine.Time) ||
			string(sdk.Data) != string(mine.Data) || sdk.NATSSubject != mine.NATSSubject || mine.ID != "ours" {
			t.Errorf("the SDK's event was handled as\n%+v\nours as\n%+v", sdk, mine)
		}
		if !mine.Time.Equal(when) || string(mine.Data) != string(data) {
			t.Errorf("our event was handled as %+v", mine)
		}

		// What the SDK wrote is the binding's form, not the one earlier
		// releases read.
		stream, err := f.js.Stream(context.Background(), f.stream)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := stream.GetLastMsgForSubject(context.Background(), natsSubject)
		if err != nil {
			t.Fatal(err)
		}
		if raw.Header.Get("ce-id") != "sdk" || raw.Header.Get("ce-datacontenttype") != events.ContentTypeProtobuf ||
			raw.Header.Get("content-type") != "" {
			t.Errorf("the SDK wrote the headers %v", raw.Header)
		}
	})
}

// The other way round: the SDK's binding reads the events we write.
func TestCloudEventsSDKReadsOurEvents(t *testing.T) {
	when := time.Date(2026, 3, 4, 5, 6, 7, 890000000, time.UTC)
	ours := events.Event{ID: events.NewID(), Source: "//goldenthread/teams", Type: "goldenthread.teams.v1.TeamCreated",
		Subject: "organisations/north/teams/ops", Time: when, Data: []byte{1, 2, 3}, NATSSubject: "goldenthread.teams.v1.north.team.created"}
	m := cejetstream.NewMessage(ours.Msg())
	if enc := m.ReadEncoding(); enc != binding.EncodingBinary {
		t.Fatalf("the SDK reads our message as %s, want binary mode", enc)
	}
	ce, err := binding.ToEvent(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if ce.ID() != ours.ID || ce.Source() != ours.Source || ce.Type() != ours.Type || ce.Subject() != ours.Subject ||
		!ce.Time().Equal(when) || ce.DataContentType() != events.ContentTypeProtobuf || string(ce.Data()) != string(ours.Data) ||
		ce.SpecVersion() != events.SpecVersion {
		t.Errorf("the SDK reads our event as %s", ce)
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/events"
)

// streamEvents is how many events the stream row stores: enough to fill
// several of the stream's 8 MiB blocks, which JetStream compresses as each
// fills, the last one staying as written.
const streamEvents = 100_000

// streamRow is what service's stream keeps on disk per event once it is
// long: the events of the disk rows' load (from the all-in-one's stream,
// through js; what names them), published again — each with an id of its
// own — until there are streamEvents, into the stream events.EnsureStream
// makes and into the same stream without compression, both on a NATS
// server of the driver's own. ratio is the first's size over the second's.
func streamRow(ctx context.Context, js jetstream.JetStream, service, what string) (r row, ratio float64, err error) {
	spec := events.ServiceStream("goldenthread", service, 1, 0)
	name := spec.Name
	msgs, err := readStream(ctx, js, name)
	if err != nil {
		return row{}, 0, err
	}
	if len(msgs) == 0 {
		return row{}, 0, fmt.Errorf("stream %s is empty", name)
	}
	dir, err := os.MkdirTemp("", "goldenthread-bench-stream-")
	if err != nil {
		return row{}, 0, err
	}
	defer os.RemoveAll(dir)
	srv, err := server.NewServer(&server.Options{JetStream: true, StoreDir: dir, Port: server.RANDOM_PORT, NoSigs: true})
	if err != nil {
		return row{}, 0, err
	}
	go srv.Start()
	defer srv.Shutdown()
	if !srv.ReadyForConnections(10 * time.Second) {
		return row{}, 0, errors.New("stream row: the NATS server did not start")
	}
	nc, err := nats.Connect(srv.ClientURL(), nats.Name("bench stream"))
	if err != nil {
		return row{}, 0, err
	}
	defer nc.Close()
	local, err := jetstream.New(nc)
	if err != nil {
		return row{}, 0, err
	}
	if err := events.EnsureStream(ctx, local, spec); err != nil {
		return row{}, 0, err
	}
	ours, err := local.Stream(ctx, name)
	if err != nil {
		return row{}, 0, err
	}
	// The same stream, without compression, on subjects of the same length.
	bare := ours.CachedInfo().Config
	bare.Name, bare.Subjects, bare.Compression = "UNCOMPRESSED_"+name, []string{"uncompressed." + service + ".>"}, jetstream.NoCompression
	if _, err := local.CreateStream(ctx, bare); err != nil {
		return row{}, 0, err
	}
	for _, prefix := range []string{"goldenthread.", "uncompressed."} {
		if err := republish(ctx, local, msgs, prefix); err != nil {
			return row{}, 0, err
		}
	}
	// A block is compressed as it fills, on a goroutine of its own.
	time.Sleep(2 * time.Second)
	oursSize, err := streamSize(dir, name)
	if err != nil {
		return row{}, 0, err
	}
	bareSize, err := streamSize(dir, bare.Name)
	if err != nil {
		return row{}, 0, err
	}
	perEvent, barePerEvent := float64(oursSize)/streamEvents, float64(bareSize)/streamEvents
	return row{
		what: fmt.Sprintf("The %s stream on disk after %s events (the disk rows' %s, each published again with an id of its own; "+
			"8 MiB blocks, the last one not full)", service, count(streamEvents), what),
		baseline: "the same stream without compression",
		ours:     fmt.Sprintf("%s bytes per event", count(perEvent)),
		base:     fmt.Sprintf("%s bytes per event", count(barePerEvent)),
		ratio:    fmt.Sprintf("%.2f", perEvent/barePerEvent), goal: "reported", met: "—",
	}, perEvent / barePerEvent, nil
}

// readStream reads every event the stream called name holds.
func readStream(ctx context.Context, js jetstream.JetStream, name string) ([]*nats.Msg, error) {
	stream, err := js.Stream(ctx, name)
	if err != nil {
		return nil, err
	}
	total := stream.CachedInfo().State.Msgs
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	var msgs []*nats.Msg
	for uint64(len(msgs)) < total {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, err
		}
		n := len(msgs)
		for m := range batch.Messages() {
			msgs = append(msgs, &nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
		}
		if err := batch.Error(); err != nil {
			return nil, err
		}
		if len(msgs) == n {
			return nil, fmt.Errorf("stream %s: %d of its %d events read, then none", name, n, total)
		}
	}
	return msgs, nil
}

// republish publishes msgs over and over until streamEvents are stored, on
// their subjects with prefix instead of their first token, each with a new
// event id (the stream keeps one event per id).
func republish(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg, prefix string) error {
	for i := range streamEvents {
		m := msgs[i%len(msgs)]
		_, rest, _ := strings.Cut(m.Subject, ".")
		out := &nats.Msg{Subject: prefix + rest, Header: nats.Header{}, Data: m.Data}
		for k, v := range m.Header {
			out.Header[k] = v
		}
		id := uuid.NewString()
		out.Header.Set(events.HeaderID, id)
		out.Header.Set(nats.MsgIdHdr, id)
		if _, err := js.PublishMsgAsync(out); err != nil {
			return err
		}
		if i%1000 == 999 {
			select {
			case <-js.PublishAsyncComplete():
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// streamSize adds up the files of the stream called name under a NATS
// server's store directory.
func streamSize(storeDir, name string) (int64, error) {
	var size int64
	found := false
	err := filepath.WalkDir(storeDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(path, string(filepath.Separator)+name+string(filepath.Separator)) {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		size += info.Size()
		found = true
		return nil
	})
	if err == nil && !found {
		err = fmt.Errorf("no files of stream %s under %s", name, storeDir)
	}
	return size, err
}

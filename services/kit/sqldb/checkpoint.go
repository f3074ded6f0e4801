package sqldb

import (
	"context"
	"log/slog"
	"time"
)

// checkpointDelay is how long the checkpointer lets commits gather after
// the first one before it copies the WAL into the database file. A page
// committed many times meanwhile is copied once.
const checkpointDelay = 200 * time.Millisecond

// checkpointer copies a SQLite database's write-ahead log into the database
// file in the background. SQLite would otherwise do it inside whichever
// commit pushed the log past 1,000 pages: that commit then wrote and
// flushed a thousand pages more, which made the slowest 1% of writes (and
// of the events that follow them) several times slower than the rest.
type checkpointer struct {
	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}
}

// startCheckpointer runs checkpoints on db's read pool (a checkpoint
// changes no data, and runs beside the writer) until stopped.
func (db *DB) startCheckpointer() {
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{wake: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	db.checkpoints = c
	go func() {
		defer close(c.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.wake:
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(checkpointDelay):
			}
			// PASSIVE neither waits for nor blocks readers and the writer;
			// what it cannot copy yet, the next round does.
			if _, err := db.read.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil && ctx.Err() == nil {
				slog.Warn("sqlite checkpoint failed; will retry after the next commit", "err", err)
			}
		}
	}()
}

// committed tells the checkpointer the writer committed.
func (c *checkpointer) committed() {
	if c == nil {
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close stops the checkpointer; closing the last connection checkpoints
// what is left.
func (c *checkpointer) close() {
	if c == nil {
		return
	}
	c.stop()
	<-c.done
}

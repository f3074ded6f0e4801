package sqldb

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// When the checkpointer copies the write-ahead log into the database file:
// once commits pause for checkpointQuiet, and while they do not, at the
// latest checkpointMaxDelay after the first commit not yet copied. A page
// committed many times meanwhile is copied once.
const (
	checkpointQuiet    = 50 * time.Millisecond
	checkpointMaxDelay = time.Second
)

// walLimit bounds the write-ahead log file, in bytes. SQLite keeps the file
// at its largest size once a checkpoint has copied it (a log of 450 MB was
// seen after a long run), and under writes that never pause it may never
// start the log over, however often passive checkpoints copy it: the log
// grew past 90 MB in a benchmark. So the writer, after a commit that left
// the file past half the limit, truncates it (see group.boundLog), between
// two commits where none competes; that waits for the readers of older
// snapshots and holds writes back for as long (milliseconds). When SQLite
// starts the log over by itself, journal_size_limit cuts the file to a
// quarter of the limit, below the mark that makes the writer truncate it.
var walLimit int64 = 64 << 20

// checkpointer copies a SQLite database's write-ahead log into the database
// file in the background. SQLite would otherwise do it inside whichever
// commit pushed the log past 1,000 pages: that commit then wrote and
// flushed a thousand pages more, which made the slowest 1% of writes (and
// of the events that follow them) several times slower than the rest. In
// the background, it runs when writes pause, so that it competes with them
// least.
type checkpointer struct {
	wake       chan struct{}
	lastCommit atomic.Int64 // Unix nanoseconds
	stop       context.CancelFunc
	done       chan struct{}
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
			if !c.awaitPause(ctx) {
				return
			}
			// PASSIVE neither waits for nor blocks readers and the writer;
			// what it cannot copy yet, the next round does.
			_, err := db.read.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			if err != nil && ctx.Err() == nil {
				slog.Warn("sqlite checkpoint failed; will retry after the next commit", "err", err)
			}
		}
	}()
}

// awaitPause returns when commits have paused for checkpointQuiet or
// checkpointMaxDelay has passed, false if ctx ended first. Commits after
// it returns wake the checkpointer again.
func (c *checkpointer) awaitPause(ctx context.Context) bool {
	first := time.Now()
	wait := checkpointQuiet
	for {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		select {
		case <-c.wake:
		default:
		}
		quiet := time.Since(time.Unix(0, c.lastCommit.Load()))
		if quiet >= checkpointQuiet || time.Since(first) >= checkpointMaxDelay {
			return true
		}
		wait = checkpointQuiet - quiet
	}
}

// committed tells the checkpointer the writer committed.
func (c *checkpointer) committed() {
	if c == nil {
		return
	}
	c.lastCommit.Store(time.Now().UnixNano())
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

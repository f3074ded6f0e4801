package sqldb

// SetWALLimit sets walLimit for a test, restoring it when the test ends.
func SetWALLimit(cleanup func(func()), bytes int64) {
	before := walLimit
	walLimit = bytes
	cleanup(func() { walLimit = before })
}

// Commits counts the commits of a SQLite DB's group of write transactions.
func Commits(db *DB) uint64 { return db.group.commits.Load() }

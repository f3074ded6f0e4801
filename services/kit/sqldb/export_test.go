package sqldb

// SetWALLimit sets walLimit for a test, restoring it when the test ends.
func SetWALLimit(cleanup func(func()), bytes int64) {
	before := walLimit
	walLimit = bytes
	cleanup(func() { walLimit = before })
}

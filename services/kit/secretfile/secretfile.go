// Package secretfile writes the secrets a process leaves for others on the
// same machine (an admin token, a broker password).
package secretfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write saves secret at path for its owner only (0600), in a folder only
// the owner may enter when it has to make one, and atomically, so that a
// process reading it meanwhile (a service started at the same time,
// waiting for its password) never sees half of it.
func Write(path, secret string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // WriteFile would keep the mode of a leftover
	if err := os.WriteFile(tmp, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

package broker

import (
	"errors"
	"flag"
	"os"
	"strings"

	"github.com/nats-io/nats.go"
)

// Credentials say who a process is to an external NATS that requires
// authentication: a user and its password (given, or read from a file), or
// a .creds file (a user JWT and its nkey seed, for servers in operator
// mode). The zero value sends none, for a server that asks for none.
type Credentials struct {
	// User and Password, or User and PasswordFile.
	User, Password, PasswordFile string
	// CredsFile is a NATS .creds file.
	CredsFile string
}

// CredentialFlags defines on fs the flags every binary takes to reach a
// secured NATS: -nats-user, -nats-password, -nats-password-file and
// -nats-creds (each also a GT_* variable, see package config). The
// Credentials are filled in when fs is parsed.
func CredentialFlags(fs *flag.FlagSet) *Credentials {
	c := &Credentials{}
	fs.StringVar(&c.User, "nats-user", "", "user name on an external NATS that requires one (with -nats-password or -nats-password-file)")
	fs.StringVar(&c.Password, "nats-password", "", "password of -nats-user; give it as the environment variable, not on a command line other users can see")
	fs.StringVar(&c.PasswordFile, "nats-password-file", "", "file holding the password of -nats-user, read at each connection attempt (a rotated password is picked up)")
	fs.StringVar(&c.CredsFile, "nats-creds", "", "NATS .creds file (user JWT and nkey seed) for an external NATS in operator mode")
	return c
}

func (c Credentials) empty() bool { return c == Credentials{} }

// options turn the credentials into connection options, refusing
// combinations that leave it unclear what is sent.
func (c Credentials) options() ([]nats.Option, error) {
	switch {
	case c.empty():
		return nil, nil
	case c.CredsFile != "":
		if c.User != "" || c.Password != "" || c.PasswordFile != "" {
			return nil, errors.New("nats credentials: -nats-creds, or -nats-user with a password, not both")
		}
		return []nats.Option{nats.UserCredentials(c.CredsFile)}, nil
	case c.User == "":
		return nil, errors.New("nats credentials: a password needs -nats-user")
	case c.Password != "" && c.PasswordFile != "":
		return nil, errors.New("nats credentials: -nats-password or -nats-password-file, not both")
	case c.Password != "":
		return []nats.Option{nats.UserInfo(c.User, c.Password)}, nil
	case c.PasswordFile != "":
		// Read at every attempt: the file may appear after this process
		// starts (written by the process whose embedded server it joins),
		// or be rotated (a Kubernetes Secret). Until it is readable the
		// server refuses the connection, and the client tries again.
		user, file := c.User, c.PasswordFile
		return []nats.Option{nats.UserInfoHandler(func() (string, string) {
			raw, _ := os.ReadFile(file)
			return user, strings.TrimSpace(string(raw))
		})}, nil
	default:
		return nil, errors.New("nats credentials: -nats-user needs -nats-password or -nats-password-file")
	}
}

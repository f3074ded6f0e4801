// Package egress is how services call URLs their users give them (webhook
// receivers): only http(s) URLs without user information, to public
// addresses unless the operator allows private ones, with a deadline and
// no redirects. The address is checked when the connection is made, not
// only when the URL is given, so a name that later resolves to a private
// address (DNS rebinding) is refused too.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Policy says what a URL may reach.
type Policy struct {
	// AllowPrivate allows private, loopback, link-local and other
	// non-public addresses: for receivers inside the deployment.
	AllowPrivate bool
	// AllowHTTP allows plain http URLs beside https ones.
	AllowHTTP bool
}

// ErrRefused is the error of a URL or address the policy refuses.
var ErrRefused = errors.New("refused")

// CheckURL says why raw is not a URL the policy lets a user give: its
// scheme, its user information, or a host that names (or resolves to) a
// refused address. It resolves the host with ctx's deadline.
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("%w: must be an absolute URL, e.g. https://example.com/hooks", ErrRefused)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	case u.Scheme == "http":
		return fmt.Errorf("%w: must be https (this deployment does not allow http)", ErrRefused)
	default:
		return fmt.Errorf("%w: must be an https URL", ErrRefused)
	}
	if u.User != nil {
		return fmt.Errorf("%w: must not hold a user name or password", ErrRefused)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%w: must not have a fragment", ErrRefused)
	}
	if p.AllowPrivate {
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("%w: its host %s does not resolve", ErrRefused, u.Hostname())
	}
	for _, a := range addrs {
		if err := p.checkAddr(a); err != nil {
			return err
		}
	}
	return nil
}

// checkAddr refuses an address that is not public, unless allowed.
func (p Policy) checkAddr(a netip.Addr) error {
	a = a.Unmap()
	if p.AllowPrivate || public(a) {
		return nil
	}
	return fmt.Errorf("%w: %s is a private, loopback or link-local address (the operator may allow them with -webhooks-allow-private)", ErrRefused, a)
}

// public says whether a is an address on the public internet.
func public(a netip.Addr) bool {
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsMulticast() || a.IsUnspecified() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// nonPublic are further ranges no receiver on the internet has: shared
// address space (carrier-grade NAT), benchmarking, documentation, the
// "this network" block, IPv4-translated and discard prefixes, and the
// reserved space above 240.0.0.0.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Client is an HTTP client that keeps to the policy on every connection,
// times each request out after timeout, and follows no redirect (a
// receiver's 3xx is its answer).
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrRefused, address)
		}
		return p.checkAddr(ap.Addr())
	}}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       time.Minute,
		// A proxy from the environment would be the one to connect, past
		// the checks.
		Proxy: nil,
	}
	return &http.Client{Timeout: timeout, Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

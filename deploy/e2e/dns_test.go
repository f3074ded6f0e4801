package e2e

import (
	"errors"
	"net"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// replicaDomain ends the names replicaDNS answers.
const replicaDomain = ".gt-e2e."

// replicaIPs are the loopback addresses of a service's two replicas: each
// listens on its own, on the same port, so that one name and port reach
// both, as a headless Kubernetes Service's name does.
var replicaIPs = [2]string{"127.0.0.1", "127.0.0.2"}

// replicaDNS is a DNS server on loopback that answers every name ending in
// replicaDomain with replicaIPs. The gateway and the services are given
// their upstreams as dns://<this server>/<service>.gt-e2e.:<port>: gRPC's
// DNS resolver asks it, gets both replicas, and its round-robin balancer
// (services/kit/grpcclient) spreads calls over them, the way it does in a
// deployment, with no flag the product would not otherwise have.
type replicaDNS struct {
	conn net.PacketConn
}

func startReplicaDNS(t *testing.T) *replicaDNS {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &replicaDNS{conn: conn}
	go d.serve()
	t.Cleanup(func() { conn.Close() })
	return d
}

// target is the gRPC target of service's replicas, listening on port.
func (d *replicaDNS) target(service, port string) string {
	return "dns://" + d.conn.LocalAddr().String() + "/" + service + replicaDomain + ":" + port
}

func (d *replicaDNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if answer, err := d.answer(buf[:n]); err == nil {
			_, _ = d.conn.WriteTo(answer, from)
		}
	}
}

// answer is the response to one query: both replicas' addresses for an A
// query of a name of replicaDomain, no address (but the name exists) for
// another type, and NXDOMAIN for any other name.
func (d *replicaDNS) answer(query []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	ours := strings.HasSuffix(strings.ToLower(q.Name.String()), replicaDomain)
	rcode := dnsmessage.RCodeSuccess
	if !ours {
		rcode = dnsmessage.RCodeNameError
	}
	// Authoritative and recursion available: Go's resolver takes an
	// answer without records that is neither for a lame referral.
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true,
		RecursionDesired: h.RecursionDesired, RecursionAvailable: true, RCode: rcode})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if ours && q.Type == dnsmessage.TypeA {
		for _, ip := range replicaIPs {
			var a dnsmessage.AResource
			copy(a.A[:], net.ParseIP(ip).To4())
			if err := b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, a); err != nil {
				return nil, err
			}
		}
	}
	return b.Finish()
}

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

// natsNode is one nats-server process of the test's JetStream cluster.
type natsNode struct {
	name    string // its server_name, which stream infos name leaders by
	client  string // host:port of its client listener
	monitor string // host:port of its monitoring endpoint (/healthz)
	proc    *process
}

// natsCluster is a three-node JetStream cluster on loopback, each node a
// nats-server process the test can kill with SIGKILL and restart on the
// same store, as a crashed machine comes back.
type natsCluster struct {
	nodes []*natsNode
}

// startNATSCluster builds nats-server from the module the product already
// requires (the embedded broker's), so that no binary need be installed,
// and starts three nodes routed to each other. It skips the test when the
// build fails: the cluster is what the test runs the services on.
//
// The nodes do not advertise each other to clients (no_advertise): a
// service learns only the URLs it is given, its proxies, so the test can
// still cut a service off NATS (see proxy).
func startNATSCluster(t *testing.T, logDir string) *natsCluster {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nats-server")
	build := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2")
	build.Dir = filepath.Join("..", "..") // the root module, which requires it
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("the multi-process test runs the services on a 3-node JetStream cluster of nats-server processes, "+
			"and the nats-server module does not build here: %v\n%s", err, out)
	}
	store := t.TempDir()
	c := &natsCluster{}
	routes := make([]string, 3)
	for i := range routes {
		c.nodes = append(c.nodes, &natsNode{name: fmt.Sprintf("n%d", i+1), client: apitest.FreeAddr(t), monitor: apitest.FreeAddr(t)})
		routes[i] = apitest.FreeAddr(t)
	}
	for i, n := range c.nodes {
		var others []string
		for j, r := range routes {
			if j != i {
				others = append(others, "nats-route://"+r)
			}
		}
		// max_file_store: each service's stream reserves its max bytes
		// (512 MiB by default) on every node holding a replica.
		conf := fmt.Sprintf(`server_name: %s
listen: %s
http: %s
jetstream {
  store_dir: %q
  max_memory_store: 256MB
  max_file_store: 4GB
}
cluster {
  name: gt-e2e
  listen: %s
  routes: [%s]
  no_advertise: true
}
`, n.name, n.client, n.monitor, filepath.Join(store, n.name), routes[i], strings.Join(others, ", "))
		path := filepath.Join(store, n.name+".conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		n.proc = startProcess(t, logDir, "nats-"+n.name, bin, "", "-c", path)
	}
	for _, n := range c.nodes {
		apitest.Eventually(t, 60*time.Second, "NATS node "+n.name+" is not healthy", n.healthy)
	}
	return c
}

// urls are the nodes' client URLs, comma-separated as NATS clients take
// them.
func (c *natsCluster) urls() string {
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, "nats://"+n.client)
	}
	return strings.Join(urls, ",")
}

// node is the node named name, nil if none is.
func (c *natsCluster) node(name string) *natsNode {
	for _, n := range c.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

// healthy reports whether the node's /healthz answers 200: JetStream is
// up, in contact with the cluster's meta leader, and every stream and
// consumer replica it holds has caught up.
func (n *natsNode) healthy() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+n.monitor+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

package testutil

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// FreePorts reserves n distinct free loopback TCP ports (closed again before
// returning, so a small race with other processes remains).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testutil: free port: %v", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// Cluster is an in-process JetStream cluster of embedded servers joined by
// routes on free loopback ports.
type Cluster struct {
	Servers []*server.Server
}

// URLs is a comma-separated client URL list of every server.
func (c *Cluster) URLs() string {
	var u []string
	for _, s := range c.Servers {
		u = append(u, s.ClientURL())
	}
	return strings.Join(u, ",")
}

// NATSCluster starts n embedded JetStream servers clustered with each other.
// It returns as soon as every server accepts clients: whether the cluster
// has a meta leader yet is left to the caller (the point of boot tests).
func NATSCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	SkipShort(t, "a JetStream cluster")
	ports := FreePorts(t, 2*n)
	name := RandomName("hbc")
	var routes []*url.URL
	for i := range n {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", ports[n+i])})
	}
	c := &Cluster{}
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("%s-%d", name, i),
			Host:       "127.0.0.1",
			Port:       ports[i],
			JetStream:  true,
			StoreDir:   t.TempDir(),
			NoLog:      true,
			NoSigs:     true,
			MaxPayload: 8 << 20,
			Cluster: server.ClusterOpts{
				Name: name,
				Host: "127.0.0.1",
				Port: ports[n+i],
			},
			Routes: routes,
		}
		srv, err := server.NewServer(opts)
		if err != nil {
			t.Fatalf("testutil: cluster server %d: %v", i, err)
		}
		go srv.Start()
		c.Servers = append(c.Servers, srv)
		t.Cleanup(srv.Shutdown)
	}
	for i, s := range c.Servers {
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatalf("testutil: cluster server %d not ready", i)
		}
	}
	return c
}

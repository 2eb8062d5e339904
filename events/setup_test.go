package events_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestConcurrentSetupOnFreshCluster starts five "processes" (own
// connections) against a 3-node cluster that has just come up, at the same
// instant, each creating the R3 streams and a consumer, as a compose file
// with every service starting together does. All must succeed.
func TestConcurrentSetupOnFreshCluster(t *testing.T) {
	cl := testutil.NATSCluster(t, 3)
	const procs = 5
	var jss []jetstream.JetStream
	for i := range procs {
		// Each process talks to one server of the cluster, like services
		// that were given different seeds.
		nc, err := nats.Connect(cl.Servers[i%len(cl.Servers)].ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		jss = append(jss, js)
	}
	start := make(chan struct{})
	errs := make([]error, procs)
	var wg sync.WaitGroup
	for i, js := range jss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			<-start
			if err := events.EnsureStreams(ctx, js, events.StreamConfig{Replicas: 3}); err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = events.EnsureConsumer(ctx, js, events.RoleMail, events.Policies[events.RoleMail])
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
	t.Logf("5 concurrent setups on a fresh 3-node cluster took %s", time.Since(t0).Round(time.Millisecond))
	si, err := jss[0].Stream(context.Background(), events.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	info, err := si.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 {
		t.Fatalf("CMD replicas %d, want 3", info.Config.Replicas)
	}
}

// TestSetupUpdatesExisting: a stream made with other limits is updated, not
// refused, and a consumer with another AckWait is updated too.
func TestSetupUpdatesExisting(t *testing.T) {
	nc := testutil.NATSConn(t, testutil.NATS(t))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := events.EnsureStreams(ctx, js, events.StreamConfig{CommandsMaxMsgs: 10}); err != nil {
		t.Fatal(err)
	}
	if err := events.EnsureStreams(ctx, js, events.StreamConfig{CommandsMaxMsgs: 20}); err != nil {
		t.Fatal(err)
	}
	s, _ := js.Stream(ctx, events.StreamCommands)
	if info, _ := s.Info(ctx); info.Config.MaxMsgs != 20 {
		t.Fatalf("MaxMsgs %d, want 20", info.Config.MaxMsgs)
	}
	p := events.Policies[events.RoleCode]
	if _, err := events.EnsureConsumer(ctx, js, events.RoleCode, p); err != nil {
		t.Fatal(err)
	}
	p.AckWait = 7 * time.Second
	c, err := events.EnsureConsumer(ctx, js, events.RoleCode, p)
	if err != nil {
		t.Fatal(err)
	}
	if ci, _ := c.Info(ctx); ci.Config.AckWait != 7*time.Second {
		t.Fatalf("AckWait %s, want 7s", ci.Config.AckWait)
	}
}

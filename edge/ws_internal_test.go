package edge

import "testing"

// TestWSClientQueueBound: pushes wait in the queue while writes are held
// (greeting and replay); one more than the buffer disconnects the client,
// which catches up by replay, instead of stalling the fan-in.
func TestWSClientQueueBound(t *testing.T) {
	c := &wsClient{done: make(chan struct{}), writing: true}
	for i := range wsSendBuffer {
		c.enqueue(&Push{Seq: uint64(i + 1)})
	}
	select {
	case <-c.done:
		t.Fatal("closed before the queue overflowed")
	default:
	}
	c.enqueue(&Push{Seq: wsSendBuffer + 1})
	select {
	case <-c.done:
	default:
		t.Fatal("an overflowing queue did not close the connection")
	}
	c.stop()
	c.enqueue(&Push{Seq: wsSendBuffer + 2}) // after stop: dropped, no writer started
	if n := len(c.queue); n != wsSendBuffer {
		t.Fatalf("queue %d, want %d", n, wsSendBuffer)
	}
}

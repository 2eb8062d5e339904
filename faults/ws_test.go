package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
)

// wsWatcher is a browser's WebSocket: connected to one edge, it reconnects
// to the other with last_seq when its edge dies, and records every
// op.completed push it receives.
type wsWatcher struct {
	h       *Harness
	token   string
	mu      sync.Mutex
	done    map[string]int // op id → op.completed pushes received
	lastSeq uint64
	resumes int
	stop    chan struct{}
	stopped chan struct{}
}

func (h *Harness) watchWS(token string) *wsWatcher {
	w := &wsWatcher{h: h, token: token, done: map[string]int{}, stop: make(chan struct{}), stopped: make(chan struct{})}
	go w.run()
	return w
}

func (w *wsWatcher) run() {
	defer close(w.stopped)
	for i := 0; ; i++ {
		select {
		case <-w.stop:
			return
		default:
		}
		e := w.h.Edges[i%len(w.h.Edges)]
		url := "ws" + strings.TrimPrefix(e.URL, "http") + "/ws"
		w.mu.Lock()
		if i > 0 {
			url += fmt.Sprintf("?last_seq=%d", w.lastSeq)
			w.resumes++
		}
		w.mu.Unlock()
		d := websocket.Dialer{Subprotocols: []string{"hirebus.v1", "bearer." + w.token}, HandshakeTimeout: 5 * time.Second}
		c, _, err := d.Dial(url, nil)
		if err != nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		go func() {
			select {
			case <-w.stop:
			case <-w.stopped:
			}
			c.Close()
		}()
		for {
			var m struct {
				Seq  uint64          `json:"seq"`
				Type string          `json:"type"`
				OpID string          `json:"op_id"`
				Data json.RawMessage `json:"data"`
			}
			if err := c.ReadJSON(&m); err != nil {
				break
			}
			w.mu.Lock()
			if m.Seq > w.lastSeq {
				w.lastSeq = m.Seq
			}
			if m.Type == "op.completed" {
				w.done[m.OpID]++
			}
			w.mu.Unlock()
		}
		c.Close()
	}
}

// gaps returns the ops whose op.completed never arrived or arrived twice.
func (w *wsWatcher) gaps(ops []string, timeout time.Duration) (missing, twice, resumes int) {
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		missing, twice = 0, 0
		for _, id := range ops {
			switch n := w.done[id]; {
			case n == 0:
				missing++
			case n > 1:
				twice++
			}
		}
		resumes = w.resumes
		w.mu.Unlock()
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(w.stop)
	<-w.stopped
	return missing, twice, resumes
}

// executes sends code executes for token every interval until ctx ends.
func (h *Harness) executes(ctx context.Context, token string, first int, every time.Duration) []string {
	var ids []string
	for n := first; ctx.Err() == nil; n++ {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		c, err := h.Execute(cctx, token, n)
		cancel()
		if err == nil {
			ids = append(ids, c.OpID)
		}
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
	}
	return ids
}

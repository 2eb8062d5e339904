package edge

import (
	"encoding/json"
	"sync"

	"github.com/hirebus/hirebus/events"
)

// opFilterSize bounds how many operations an edge remembers for filtering;
// the oldest are forgotten first (an operation lives seconds to minutes).
const opFilterSize = 1 << 16

// opFilter keeps the order of one operation's pushes sound at the edge,
// whatever the bus did (a redelivered command, an outbox relay retry across
// a NATS failover): a progress push whose sequence was already delivered is
// dropped, and nothing of an operation is delivered after its terminal
// op.completed (nor a second op.completed).
type opFilter struct {
	mu    sync.Mutex
	ops   map[string]*opState
	order []string // ring of remembered op ids, oldest at next
	next  int
	size  int
}

type opState struct {
	done bool
	seen map[uint64]struct{}
}

func newOpFilter(size int) *opFilter {
	return &opFilter{ops: map[string]*opState{}, order: make([]string, size), size: size}
}

// progressTypes are the pushes that belong to a running operation (their
// envelope's correlation id is the operation id).
var progressTypes = map[string]bool{
	events.EvtCodeTest:           true,
	events.EvtOpProgress:         true,
	events.EvtFaceEnrollProgress: true,
}

// admit reports whether a push of type typ may go to clients.
func (f *opFilter) admit(typ string, env events.Envelope) bool {
	opID := env.CorrelationID
	if opID == "" || (typ != events.EvtOpCompleted && !progressTypes[typ]) {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.ops[opID]
	if st == nil {
		st = &opState{}
		f.remember(opID, st)
	}
	if st.done {
		return false
	}
	if typ == events.EvtOpCompleted {
		st.done, st.seen = true, nil
		return true
	}
	var p struct {
		Seq uint64 `json:"seq"`
	}
	if json.Unmarshal(env.Payload, &p) != nil || p.Seq == 0 {
		return true // an unsequenced push cannot be told apart from a new one
	}
	if _, dup := st.seen[p.Seq]; dup {
		return false
	}
	if st.seen == nil {
		st.seen = map[uint64]struct{}{}
	}
	st.seen[p.Seq] = struct{}{}
	return true
}

func (f *opFilter) remember(opID string, st *opState) {
	if old := f.order[f.next]; old != "" {
		delete(f.ops, old)
	}
	f.order[f.next] = opID
	f.next = (f.next + 1) % f.size
	f.ops[opID] = st
}

package nn

// Workspace recycles the intermediate tensors of repeated forward passes.
// The face networks run on fixed input sizes, so after the first pass every
// layer finds a buffer of the right size: no allocation, no zeroing. Take
// one Next tensor per layer output and hand it to the layer's Into method;
// Reset before the next pass. A Workspace is not safe for concurrent use:
// keep one per goroutine, e.g. in a sync.Pool.
type Workspace struct {
	slots []*Tensor
	next  int
}

// Reset makes every tensor available again; tensors handed out before are
// overwritten by later passes.
func (ws *Workspace) Reset() { ws.next = 0 }

// Next returns an h×w×c tensor with unspecified contents, distinct from
// every other tensor handed out since the last Reset.
func (ws *Workspace) Next(h, w, c int) *Tensor {
	n := h * w * c
	if ws.next == len(ws.slots) {
		ws.slots = append(ws.slots, NewTensor(h, w, c))
	}
	t := ws.slots[ws.next]
	if cap(t.Data) >= n {
		t.H, t.W, t.C, t.Data = h, w, c, t.Data[:n]
	} else {
		t = NewTensor(h, w, c)
		ws.slots[ws.next] = t
	}
	ws.next++
	return t
}

// OutSize is the output length along one axis of a window op (conv or pool)
// with window k and the given stride and padding; 0 when the input is
// shorter than a Valid window.
func OutSize(in, k, stride int, pad Padding) int {
	if k <= 0 || stride <= 0 {
		return 0
	}
	out, _ := outGeometry(in, k, stride, pad)
	return out
}

package edge

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// wsConn is the server side of one /ws connection on the raw net.Conn that
// fasthttp hands over after the upgrade. It holds no buffers: a frame is
// read header first, then exactly its payload (so nothing of the next frame
// is ever read ahead and the poller sees it), and a frame is written as
// header + payload in one writev. Frames are parsed and checked with
// gobwas/ws; control frames are answered here.
type wsConn struct {
	conn  net.Conn
	limit int64 // largest data message accepted (64 KiB on /ws)

	wmu       sync.Mutex  // one writer at a time: flusher, ping, pong, close
	closeSent bool        // under wmu: nothing is written after a close frame
	closing   atomic.Bool // the connection is being torn down

	// A fragmented data message being assembled (rare: browsers send
	// whole frames); only the reader touches these.
	fragOp ws.OpCode
	frag   []byte
}

var (
	errWSClosed    = errors.New("websocket: closed")
	errWSReadLimit = errors.New("websocket: message larger than the read limit")
)

// wsControlTimeout bounds writing a pong or a close frame, like the
// WebSocket library's control frames.
const wsControlTimeout = time.Second

// readFrame reads one frame. Control frames are answered (ping: pong;
// close: close) and give no message; a data frame gives its message when
// it ends one. A protocol violation answers with a close frame and an
// error; after any error the connection is done.
func (w *wsConn) readFrame() ([]byte, error) {
	h, err := ws.ReadHeader(w.conn)
	if err != nil {
		return nil, err
	}
	state := ws.StateServerSide
	if w.fragOp != 0 {
		state = state.Set(ws.StateFragmented)
	}
	if err := ws.CheckHeader(h, state); err != nil {
		w.fail(ws.StatusProtocolError)
		return nil, fmt.Errorf("websocket: read: %w", err)
	}
	if h.OpCode.IsControl() {
		var buf [ws.MaxControlFramePayloadSize]byte
		p := buf[:h.Length]
		if _, err := io.ReadFull(w.conn, p); err != nil {
			return nil, err
		}
		ws.Cipher(p, h.Mask, 0)
		switch h.OpCode {
		case ws.OpPing:
			if err := w.writeFrame(ws.OpPong, p, wsControlTimeout); err != nil {
				return nil, err
			}
		case ws.OpClose:
			// Echo the peer's status code, as the WebSocket library did.
			var body []byte
			if len(p) >= 2 {
				body = ws.NewCloseFrameBody(ws.StatusCode(binary.BigEndian.Uint16(p)), "")
			}
			_ = w.writeClose(body)
			return nil, errWSClosed
		}
		return nil, nil
	}
	if h.Length > w.limit || int64(len(w.frag))+h.Length > w.limit {
		w.fail(ws.StatusMessageTooBig)
		return nil, errWSReadLimit
	}
	p := make([]byte, len(w.frag)+int(h.Length))
	copy(p, w.frag)
	if _, err := io.ReadFull(w.conn, p[len(w.frag):]); err != nil {
		return nil, err
	}
	ws.Cipher(p[len(w.frag):], h.Mask, 0)
	if !h.Fin {
		if h.OpCode != ws.OpContinuation {
			w.fragOp = h.OpCode
		}
		w.frag = p
		return nil, nil
	}
	w.fragOp, w.frag = 0, nil
	return p, nil
}

// readMessage reads frames until a data message is complete.
func (w *wsConn) readMessage() ([]byte, error) {
	for {
		msg, err := w.readFrame()
		if err != nil || msg != nil {
			return msg, err
		}
	}
}

// fail ends the connection for a protocol error: a close frame with code.
func (w *wsConn) fail(code ws.StatusCode) {
	_ = w.writeClose(ws.NewCloseFrameBody(code, ""))
}

// writeFrame writes one whole frame; it fails once a close frame was sent.
func (w *wsConn) writeFrame(op ws.OpCode, p []byte, timeout time.Duration) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.closeSent {
		return errWSClosed
	}
	return w.writeLocked(op, p, timeout)
}

// writeClose sends a close frame (once).
func (w *wsConn) writeClose(body []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.closeSent {
		return nil
	}
	w.closeSent = true
	return w.writeLocked(ws.OpClose, body, wsControlTimeout)
}

// closeGracefully sends a close frame (once) before the connection is
// closed. A write in progress (a slow consumer's push) is given up to
// wsControlTimeout to finish first, and no data frame starts after this.
func (w *wsConn) closeGracefully(body []byte) {
	w.closing.Store(true)
	_ = w.conn.SetWriteDeadline(time.Now().Add(wsControlTimeout))
	_ = w.writeClose(body)
}

func (w *wsConn) writeLocked(op ws.OpCode, p []byte, timeout time.Duration) error {
	if op != ws.OpClose && w.closing.Load() {
		return errWSClosed
	}
	var hb headerBuf
	if err := ws.WriteHeader(&hb, ws.Header{Fin: true, OpCode: op, Length: int64(len(p))}); err != nil {
		return err
	}
	_ = w.conn.SetWriteDeadline(time.Now().Add(timeout))
	bufs := net.Buffers{hb.b[:hb.n], p}
	_, err := bufs.WriteTo(w.conn)
	return err
}

// headerBuf receives an encoded frame header.
type headerBuf struct {
	b [ws.MaxHeaderSize]byte
	n int
}

func (h *headerBuf) Write(p []byte) (int, error) {
	h.n += copy(h.b[h.n:], p)
	return len(p), nil
}

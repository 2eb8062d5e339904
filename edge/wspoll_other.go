//go:build !(linux && (amd64 || arm64))

package edge

import "errors"

// wsPoller is the epoll poller of wspoll_linux.go; elsewhere there is none
// and each /ws connection is read by its own goroutine.
type wsPoller struct{}

func newWSPoller(func(*wsClient) bool) (*wsPoller, error) {
	return nil, errors.New("edge: no websocket poller on this platform")
}

func (p *wsPoller) watch(*wsClient) error { return errors.New("edge: no websocket poller") }
func (p *wsPoller) rearm(*wsClient) error { return errors.New("edge: no websocket poller") }
func (p *wsPoller) forget(*wsClient)      {}
func (p *wsPoller) close()                {}

package docker

import (
	"context"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/hirebus/hirebus/sandbox"
)

// poolProgCapacity is the /prog tmpfs size of pooled containers; programs
// larger than this take the cold path.
const poolProgCapacity = 64 << 20

// pool keeps started containers of one language whose sbxinit waits for a
// request. Each is handed out once; the caller removes it after the run.
type pool struct {
	r    *Runner
	lang sandbox.Language
	size int
	// lim is what pooled containers are created with; a run can use one
	// when its tmpfs size matches (memory and pids are updated per run).
	lim sandbox.Limits

	mu     sync.Mutex
	idle   []string
	refill chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup
}

func newPool(r *Runner, lang sandbox.Language, size int) *pool {
	p := &pool{
		r:      r,
		lang:   lang,
		size:   size,
		lim:    sandbox.Limits{}.WithDefaults(sandbox.DefaultLimits()),
		refill: make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	p.wg.Add(1)
	go p.loop()
	p.kick()
	return p
}

func (p *pool) kick() {
	select {
	case p.refill <- struct{}{}:
	default:
	}
}

// loop tops the pool up whenever it is kicked. Failures (missing image,
// daemon down) back off; the cold path reports the real error to callers.
func (p *pool) loop() {
	defer p.wg.Done()
	backoff := time.Second
	for {
		select {
		case <-p.done:
			return
		case <-p.refill:
		}
		for {
			p.mu.Lock()
			n := len(p.idle)
			p.mu.Unlock()
			if n >= p.size {
				break
			}
			id, err := p.start()
			if err != nil {
				select {
				case <-p.done:
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, time.Minute)
				continue
			}
			backoff = time.Second
			p.mu.Lock()
			p.idle = append(p.idle, id)
			p.mu.Unlock()
		}
	}
}

func (p *pool) start() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.r.cfg.CleanupTimeout)
	defer cancel()
	cfg, host := p.r.containerConfig(p.lang, p.lim, poolProgCapacity-(1<<20))
	cfg.Labels[LabelPool] = "1"
	created, err := p.r.cli.ContainerCreate(ctx, cfg, host, nil, nil, "")
	if err != nil {
		return "", err
	}
	if err := p.r.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		_ = p.r.remove(ctx, created.ID)
		return "", err
	}
	return created.ID, nil
}

// take hands out an idle container prepared for lim, or "" to go cold.
func (p *pool) take(ctx context.Context, lim sandbox.Limits, progBytes int64) string {
	if lim.WorkDirBytes != p.lim.WorkDirBytes || progBytes+(1<<20) > poolProgCapacity {
		return ""
	}
	p.mu.Lock()
	if len(p.idle) == 0 {
		p.mu.Unlock()
		p.kick()
		return ""
	}
	id := p.idle[0]
	p.idle = p.idle[1:]
	p.mu.Unlock()
	p.kick()
	// From here on the container is the caller's: Leftovers reports it
	// until execute has removed it.
	p.r.mu.Lock()
	p.r.taken[id] = true
	p.r.mu.Unlock()

	pids := int64(lim.Processes) + 4
	mem := lim.MemoryBytes + supervisorMemory + progBytes
	_, err := p.r.cli.ContainerUpdate(ctx, id, container.UpdateConfig{Resources: container.Resources{
		Memory: mem, MemorySwap: mem, PidsLimit: &pids,
	}})
	if err != nil {
		if p.r.remove(context.WithoutCancel(ctx), id) == nil {
			p.r.mu.Lock()
			delete(p.r.taken, id)
			p.r.mu.Unlock()
		}
		return ""
	}
	return id
}

func (p *pool) idleIDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.idle...)
}

func (p *pool) close() {
	close(p.done)
	p.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), p.r.cfg.CleanupTimeout)
	defer cancel()
	for _, id := range p.idleIDs() {
		_ = p.r.remove(ctx, id)
	}
	p.mu.Lock()
	p.idle = nil
	p.mu.Unlock()
}

package code

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/hirebus/hirebus/sandbox"
)

// cachingRunner wraps a runner with a small LRU of compiled programs keyed
// by language, source hash and compile limits. Candidates typically run
// their code and then submit the very same source, and a retried command
// compiles the same source again: both reuse the build. Sharing is safe
// because a program directory is read-only while it runs, and the key holds
// nothing user-specific. Compilation errors are cached too; sandbox failures
// never are.
type cachingRunner struct {
	sandbox.Runner
	max int

	mu  sync.Mutex
	lru *list.List // of *cacheEntry, most recent first
	idx map[string]*list.Element
}

type cacheEntry struct {
	key     string
	prog    *sandbox.Program // nil: cres is a compilation error
	cres    *sandbox.Result
	refs    int
	evicted bool
}

func newCachingRunner(r sandbox.Runner, max int) *cachingRunner {
	return &cachingRunner{Runner: r, max: max, lru: list.New(), idx: map[string]*list.Element{}}
}

func cacheKey(lang sandbox.Language, src []byte, lim sandbox.Limits) string {
	h := sha256.New()
	// The whole language definition is part of the key: a changed compile
	// command must not reuse an old build.
	lj, _ := json.Marshal(lang)
	limj, _ := json.Marshal(lim)
	fmt.Fprintf(h, "%d:%s|%d:%s|", len(lj), lj, len(limj), limj)
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil))
}

// Compile returns a cached build or compiles and caches. The returned
// Program is a reference: closing it releases the reference, and the build
// is removed once evicted and unreferenced.
func (c *cachingRunner) Compile(ctx context.Context, lang sandbox.Language, src []byte, lim sandbox.Limits) (*sandbox.Program, *sandbox.Result, error) {
	key := cacheKey(lang, src, lim)
	if p, res, ok := c.get(key, lang); ok {
		return p, res, nil
	}
	prog, cres, err := c.Runner.Compile(ctx, lang, src, lim)
	if err != nil {
		return nil, nil, err
	}
	cacheable := prog != nil || (cres != nil && cres.Verdict == sandbox.CE)
	if !cacheable {
		return prog, cres, nil
	}
	return c.put(key, lang, prog, cres)
}

func copyResult(r *sandbox.Result) *sandbox.Result {
	if r == nil {
		return nil
	}
	cp := *r
	return &cp
}

func (c *cachingRunner) get(key string, lang sandbox.Language) (*sandbox.Program, *sandbox.Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.idx[key]
	if !ok {
		return nil, nil, false
	}
	c.lru.MoveToFront(el)
	e := el.Value.(*cacheEntry)
	return c.ref(e, lang), copyResult(e.cres), true
}

func (c *cachingRunner) put(key string, lang sandbox.Language, prog *sandbox.Program, cres *sandbox.Result) (*sandbox.Program, *sandbox.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.idx[key]; ok {
		// Another call compiled the same source meanwhile: keep one build.
		if prog != nil {
			_ = prog.Close()
		}
		e := el.Value.(*cacheEntry)
		c.lru.MoveToFront(el)
		return c.ref(e, lang), copyResult(e.cres), nil
	}
	e := &cacheEntry{key: key, prog: prog, cres: cres}
	c.idx[key] = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		oe := old.Value.(*cacheEntry)
		c.lru.Remove(old)
		delete(c.idx, oe.key)
		oe.evicted = true
		c.releaseLocked(oe, false)
	}
	return c.ref(e, lang), copyResult(cres), nil
}

// ref hands out a reference to e's program (nil for a cached CE). Called
// with c.mu held.
func (c *cachingRunner) ref(e *cacheEntry, lang sandbox.Language) *sandbox.Program {
	if e.prog == nil {
		return nil
	}
	e.refs++
	return sandbox.NewProgram(lang, e.prog, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.releaseLocked(e, true)
	})
}

func (c *cachingRunner) releaseLocked(e *cacheEntry, drop bool) error {
	if drop {
		e.refs--
	}
	if e.evicted && e.refs == 0 && e.prog != nil {
		p := e.prog
		e.prog = nil
		return p.Close()
	}
	return nil
}

// Run unwraps the reference.
func (c *cachingRunner) Run(ctx context.Context, p *sandbox.Program, stdin []byte, lim sandbox.Limits) (*sandbox.Result, error) {
	if p != nil {
		if inner, ok := p.Handle.(*sandbox.Program); ok {
			return c.Runner.Run(ctx, inner, stdin, lim)
		}
	}
	return c.Runner.Run(ctx, p, stdin, lim)
}

// Close drops every cached build (programs still referenced are closed when
// released); the wrapped runner is not closed.
func (c *cachingRunner) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for el := c.lru.Front(); el != nil; el = el.Next() {
		e := el.Value.(*cacheEntry)
		e.evicted = true
		if err := c.releaseLocked(e, false); err != nil && first == nil {
			first = err
		}
	}
	c.lru.Init()
	c.idx = map[string]*list.Element{}
	return first
}

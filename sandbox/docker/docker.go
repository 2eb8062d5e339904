// Package docker is the production sandbox runner: every compile and run
// happens in a fresh, locked-down container of a per-language image built
// from docker/sandbox/<language>.Dockerfile.
//
// Each container gets no network (NetworkMode none), a read-only root,
// size-capped tmpfs mounts for /prog, /work and /tmp owned by the
// unprivileged sandbox user, memory = memory+swap, a pids limit, a CPU
// quota, every capability dropped, no-new-privileges, Docker's default
// seccomp profile, no log driver (candidate output never lands on the
// daemon's disk) and the sbxinit supervisor as PID 1. sbxinit reports CPU
// time and peak memory, which Docker cannot give for a finished container
// (see internal/sbxproto). The runner adds the wall-clock timeout (kill the
// container), output caps on its side as well, and removes every container
// before returning, so nothing survives a call.
//
// A warm pool (Config.PoolSize) keeps started, idle containers per
// language; a pooled container is used once and then removed, so the pool
// only hides container start-up latency, it never shares state.
package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/docker/internal/sbxproto"
)

// Labels put on every container this package creates.
const (
	LabelSandbox  = "io.hirebus.sandbox"
	LabelInstance = "io.hirebus.sandbox.instance"
	LabelLanguage = "io.hirebus.sandbox.language"
	// LabelPool marks containers created by a warm pool.
	LabelPool = "io.hirebus.sandbox.pool"
)

// SupervisorPath is where the images install sbxinit.
const SupervisorPath = "/usr/local/bin/sbxinit"

// goCacheSeed is the read-only Go build cache baked into the go image; it
// is copied to a writable tmpfs before each compile so `go build` does not
// rebuild the standard library (about 15 s) every time.
const (
	goCacheSeed = "/opt/gocache"
	goCacheDir  = "/tmp/gocache"
)

// supervisorMemory is added to the memory limit for sbxinit itself and the
// program files in /prog, which are charged to the container's cgroup.
const supervisorMemory = 16 << 20

// Config configures the Docker runner. Zero values pick defaults; cmd/
// fills it from the environment (DOCKER_HOST and HIREBUS_SANDBOX_DOCKER_*).
type Config struct {
	// Host is the daemon address ("unix:///var/run/docker.sock",
	// "tcp://10.0.0.5:2375"). Default client.DefaultDockerHost.
	Host string
	// ImagePrefix and ImageTag name the image of language L as
	// ImagePrefix+L+":"+ImageTag. Default "hirebus/sandbox-" and "latest".
	ImagePrefix string
	ImageTag    string
	// Images overrides the image per language ID.
	Images map[string]string
	// User is the uid:gid programs run as; it must match the images.
	// Default "10001:10001".
	User string
	// CPUs is the CPU quota of each container (NanoCPUs). Default 1.
	CPUs float64
	// Runtime selects an OCI runtime such as "runsc" (gVisor); empty is
	// the daemon default.
	Runtime string
	// Slots bounds concurrently running containers; further calls wait.
	// Default 4.
	Slots int
	// PoolSize is the number of warm idle containers kept per language
	// (0 disables the pool).
	PoolSize int
	// Max is the ceiling for requested limits. Default sandbox.MaxLimits().
	Max sandbox.Limits
	// CleanupTimeout bounds removing a container after a call. Default 30s.
	CleanupTimeout time.Duration
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Host == "" {
		c.Host = client.DefaultDockerHost
	}
	if c.ImagePrefix == "" {
		c.ImagePrefix = "hirebus/sandbox-"
	}
	if c.ImageTag == "" {
		c.ImageTag = "latest"
	}
	if c.User == "" {
		c.User = "10001:10001"
	}
	if c.CPUs == 0 {
		c.CPUs = 1
	}
	if c.Slots == 0 {
		c.Slots = 4
	}
	if c.Max == (sandbox.Limits{}) {
		c.Max = sandbox.MaxLimits()
	}
	if c.CleanupTimeout == 0 {
		c.CleanupTimeout = 30 * time.Second
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	c = c.WithDefaults()
	uid, gid, ok := strings.Cut(c.User, ":")
	if !ok {
		return fmt.Errorf("docker sandbox config: user %q must be uid:gid", c.User)
	}
	for _, s := range []string{uid, gid} {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return fmt.Errorf("docker sandbox config: user %q must be a numeric non-root uid:gid", c.User)
		}
	}
	if c.CPUs < 0.01 || c.CPUs > 64 {
		return fmt.Errorf("docker sandbox config: cpus %v outside [0.01, 64]", c.CPUs)
	}
	if c.Slots < 1 || c.PoolSize < 0 || c.PoolSize > 64 {
		return fmt.Errorf("docker sandbox config: slots %d / pool size %d out of range", c.Slots, c.PoolSize)
	}
	for id := range c.Images {
		if _, err := sandbox.LookupLanguage(id); err != nil {
			return fmt.Errorf("docker sandbox config: image for %w", err)
		}
	}
	return nil
}

// Runner runs code in Docker containers. Safe for concurrent use.
type Runner struct {
	cfg      Config
	cli      *client.Client
	instance string
	slots    chan struct{}
	closed   atomic.Bool
	active   sync.WaitGroup

	pools map[string]*pool

	mu    sync.Mutex
	taken map[string]bool // pool containers handed to a call, until removed
}

var _ sandbox.Runner = (*Runner)(nil)
var _ sandbox.LeftoverChecker = (*Runner)(nil)

// newClient connects to host with API version negotiation.
func newClient(host string) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.WithHost(host), client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker sandbox: client for %s: %w", host, err)
	}
	return cli, nil
}

// Ping reports whether a Docker daemon answers at host (empty: the
// default socket).
func Ping(ctx context.Context, host string) error {
	if host == "" {
		host = client.DefaultDockerHost
	}
	cli, err := newClient(host)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx); err != nil {
		return fmt.Errorf("docker sandbox: ping %s: %w", host, err)
	}
	return nil
}

// New connects to the daemon (it must answer a ping) and starts the warm
// pools. Images are not pulled or built here: see CheckImages.
func New(ctx context.Context, cfg Config) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	cli, err := newClient(cfg.Host)
	if err != nil {
		return nil, err
	}
	if _, err := cli.Ping(ctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("docker sandbox: ping %s: %w", cfg.Host, err)
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	r := &Runner{
		cfg:      cfg,
		cli:      cli,
		instance: hex.EncodeToString(id[:]),
		slots:    make(chan struct{}, cfg.Slots),
		pools:    map[string]*pool{},
		taken:    map[string]bool{},
	}
	if cfg.PoolSize > 0 {
		for _, l := range sandbox.Languages() {
			r.pools[l.ID] = newPool(r, l, cfg.PoolSize)
		}
	}
	return r, nil
}

// Name implements sandbox.Runner.
func (r *Runner) Name() string { return "docker" }

// Image returns the image used for lang.
func (r *Runner) Image(lang sandbox.Language) string {
	if img, ok := r.cfg.Images[lang.ID]; ok {
		return img
	}
	return r.cfg.ImagePrefix + lang.ID + ":" + r.cfg.ImageTag
}

// CheckImages reports the languages whose image is missing on the daemon.
func (r *Runner) CheckImages(ctx context.Context) error {
	var missing []string
	for _, l := range sandbox.Languages() {
		if _, err := r.cli.ImageInspect(ctx, r.Image(l)); err != nil {
			missing = append(missing, r.Image(l))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("docker sandbox: images missing (build them with docker/sandbox/build.sh): %s", strings.Join(missing, ", "))
	}
	return nil
}

// Close stops the pools, waits for running calls and removes every
// container of this runner.
func (r *Runner) Close() error {
	if !r.closed.CompareAndSwap(false, true) {
		return nil
	}
	for _, p := range r.pools {
		p.close()
	}
	r.active.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.CleanupTimeout)
	defer cancel()
	ids, err := r.containers(ctx)
	for _, id := range ids {
		_ = r.remove(ctx, id)
	}
	if cerr := r.cli.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("docker sandbox: close: %w", err)
	}
	return nil
}

// Leftovers lists this runner's containers except pool members that were
// never handed out (idle or still starting).
func (r *Runner) Leftovers() ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := r.list(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range list {
		if c.Labels[LabelPool] == "1" && !r.taken[c.ID] {
			continue
		}
		out = append(out, "container "+c.ID)
	}
	return out, nil
}

func (r *Runner) list(ctx context.Context) ([]container.Summary, error) {
	list, err := r.cli.ContainerList(ctx, container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("label", LabelInstance+"="+r.instance)),
	})
	if err != nil {
		return nil, fmt.Errorf("docker sandbox: list containers: %w", err)
	}
	return list, nil
}

func (r *Runner) containers(ctx context.Context) ([]string, error) {
	list, err := r.list(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(list))
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	return ids, nil
}

func (r *Runner) remove(ctx context.Context, id string) error {
	err := r.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("docker sandbox: remove %s: %w", id, err)
	}
	return nil
}

// enter registers a call and takes a slot.
func (r *Runner) enter(ctx context.Context) (func(), error) {
	if r.closed.Load() {
		return nil, sandbox.ErrClosed
	}
	r.active.Add(1)
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		r.active.Done()
		return nil, ctx.Err()
	}
	return func() { <-r.slots; r.active.Done() }, nil
}

// progFile is one file of a Program: the source or a compile artifact.
type progFile struct {
	name string
	mode uint32
	data []byte
}

// program is the runner-private Program.Handle: files are kept in memory
// and written into each run's fresh container, so a Program holds nothing
// on the daemon.
type program struct {
	files []progFile
}

// Compile implements sandbox.Runner.
func (r *Runner) Compile(ctx context.Context, lang sandbox.Language, source []byte, lim sandbox.Limits) (*sandbox.Program, *sandbox.Result, error) {
	if err := sandbox.ValidateSource(source); err != nil {
		return nil, nil, fmt.Errorf("docker sandbox: compile: %w", err)
	}
	if lang.ID == "" || len(lang.Run) == 0 {
		return nil, nil, fmt.Errorf("docker sandbox: compile: %w", sandbox.ErrUnknownLanguage)
	}
	if err := lim.Validate(r.cfg.Max); err != nil {
		return nil, nil, fmt.Errorf("docker sandbox: compile: %w", err)
	}
	lim = lim.WithDefaults(sandbox.DefaultCompileLimits())
	src := progFile{name: lang.SourceFile, mode: 0o444, data: bytes.Clone(source)}
	if !lang.Compiled() {
		if r.closed.Load() {
			return nil, nil, sandbox.ErrClosed
		}
		return sandbox.NewProgram(lang, &program{files: []progFile{src}}, nil), nil, nil
	}
	req := &sbxproto.Request{
		Mode:      sbxproto.ModeCompile,
		Cmd:       sandbox.Expand(lang.Compile, lim.MemoryBytes),
		Env:       r.env(lang, true),
		Artifacts: lang.Artifacts,
	}
	if lang.ID == "go" {
		req.Copy = []sbxproto.CopyTree{{From: goCacheSeed, To: goCacheDir}}
	}
	obs, err := r.execute(ctx, lang, req, []progFile{src}, nil, lim)
	if err != nil {
		return nil, nil, err
	}
	res, err := r.result(obs, lang)
	if err != nil {
		return nil, nil, err
	}
	if res.Verdict != sandbox.OK {
		res.Message = "compilation failed: " + orDefault(res.Message, string(res.Verdict))
		res.Verdict = sandbox.CE
		return nil, res, nil
	}
	arts, err := readArtifacts(obs.stdout, lang)
	if err != nil {
		return nil, nil, fmt.Errorf("docker sandbox: compile: %w", err)
	}
	if len(lang.Artifacts) > 0 && !anyMatch(lang.Artifacts[0], arts) {
		res.Verdict = sandbox.CE
		res.Message = "compilation produced no " + lang.Artifacts[0]
		return nil, res, nil
	}
	res.Stdout = ""
	return sandbox.NewProgram(lang, &program{files: append([]progFile{src}, arts...)}, nil), res, nil
}

// Run implements sandbox.Runner.
func (r *Runner) Run(ctx context.Context, p *sandbox.Program, stdin []byte, lim sandbox.Limits) (*sandbox.Result, error) {
	if p == nil {
		return nil, errors.New("docker sandbox: run: nil program")
	}
	prog, ok := p.Handle.(*program)
	if !ok {
		return nil, errors.New("docker sandbox: run: program was not compiled by the docker runner")
	}
	if err := lim.Validate(r.cfg.Max); err != nil {
		return nil, fmt.Errorf("docker sandbox: run: %w", err)
	}
	lim = lim.WithDefaults(sandbox.DefaultLimits())
	req := &sbxproto.Request{
		Mode: sbxproto.ModeRun,
		Cmd:  sandbox.Expand(p.Language.Run, lim.MemoryBytes),
		Env:  r.env(p.Language, false),
	}
	obs, err := r.execute(ctx, p.Language, req, prog.files, stdin, lim)
	if err != nil {
		return nil, err
	}
	return r.result(obs, p.Language)
}

// env is the program's whole environment: nothing of the worker's.
func (r *Runner) env(lang sandbox.Language, compile bool) []string {
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + sandbox.WorkDir, "TMPDIR=/tmp", "LANG=C.UTF-8"}
	if lang.ID == "go" && compile {
		env = append(env, "GOCACHE="+goCacheDir)
	}
	return append(env, lang.Env...)
}

// observation is everything execute saw, before classification.
type observation struct {
	stdout, stderr []byte
	report         *sbxproto.Report
	reportErr      error
	wallTimedOut   bool
	oomKilled      bool
	exitCode       int
	overflow       bool // the runner-side cap was hit
	wall           time.Duration
}

// cappedBuffer keeps at most max bytes and then fails the copy, which
// ends stdcopy and makes the caller kill the container.
type cappedBuffer struct {
	buf      bytes.Buffer
	max      int64
	overflow bool
}

var errCap = errors.New("output cap reached")

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := b.max - int64(b.buf.Len())
	if int64(len(p)) > room {
		b.buf.Write(p[:max(room, 0)])
		b.overflow = true
		return 0, errCap
	}
	return b.buf.Write(p)
}

func (r *Runner) containerConfig(lang sandbox.Language, lim sandbox.Limits, progBytes int64) (*container.Config, *container.HostConfig) {
	uid, gid, _ := strings.Cut(r.cfg.User, ":")
	tmpfs := func(size int64, mode string) string {
		return fmt.Sprintf("rw,exec,nosuid,nodev,size=%d,mode=%s,uid=%s,gid=%s", size, mode, uid, gid)
	}
	pids := int64(lim.Processes) + 4 // sbxinit and the exec stage
	mem := lim.MemoryBytes + supervisorMemory + progBytes
	cfg := &container.Config{
		Image:           r.Image(lang),
		Entrypoint:      []string{SupervisorPath},
		Cmd:             nil,
		User:            r.cfg.User,
		WorkingDir:      "/",
		Env:             []string{},
		AttachStdin:     true,
		AttachStdout:    true,
		AttachStderr:    true,
		OpenStdin:       true,
		StdinOnce:       true,
		NetworkDisabled: true,
		Labels: map[string]string{
			LabelSandbox:  "1",
			LabelInstance: r.instance,
			LabelLanguage: lang.ID,
		},
	}
	host := &container.HostConfig{
		NetworkMode:    "none",
		ReadonlyRootfs: true,
		Tmpfs: map[string]string{
			sandbox.ProgramDir: tmpfs(progBytes+(1<<20), "0755"),
			sandbox.WorkDir:    tmpfs(lim.WorkDirBytes, "0700"),
			"/tmp":             tmpfs(lim.WorkDirBytes, "0700"),
		},
		CapDrop:     []string{"ALL"},
		SecurityOpt: []string{"no-new-privileges:true"},
		IpcMode:     "private",
		ShmSize:     16 << 20,
		OomScoreAdj: 1000,
		LogConfig:   container.LogConfig{Type: "none"},
		Runtime:     r.cfg.Runtime,
		Resources: container.Resources{
			Memory:     mem,
			MemorySwap: mem, // no swap: memory+swap equals memory
			NanoCPUs:   int64(r.cfg.CPUs * 1e9),
			PidsLimit:  &pids,
		},
	}
	return cfg, host
}

// execute runs one request in a container (pooled or fresh) and removes
// the container before returning.
func (r *Runner) execute(ctx context.Context, lang sandbox.Language, req *sbxproto.Request, files []progFile, stdin []byte, lim sandbox.Limits) (*observation, error) {
	leave, err := r.enter(ctx)
	if err != nil {
		return nil, fmt.Errorf("docker sandbox: %s: %w", req.Mode, err)
	}
	defer leave()

	req.Dir = sandbox.WorkDir
	req.ProgramDir = sandbox.ProgramDir
	req.CPUTimeMS = lim.Time.Milliseconds()
	req.OutputBytes = lim.OutputBytes
	req.FileSizeBytes = lim.FileSizeBytes
	req.OpenFiles = lim.OpenFiles
	contents := make([][]byte, len(files))
	var progBytes int64
	for i, f := range files {
		req.Files = append(req.Files, sbxproto.File{Name: f.name, Mode: f.mode})
		contents[i] = f.data
		progBytes += int64(len(f.data))
	}

	cleanup := func(id string) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.CleanupTimeout)
		defer cancel()
		if r.remove(cctx, id) == nil {
			r.mu.Lock()
			delete(r.taken, id)
			r.mu.Unlock()
		}
	}

	var id string
	if pl := r.pools[lang.ID]; pl != nil && req.Mode == sbxproto.ModeRun {
		id = pl.take(ctx, lim, progBytes)
	}
	if id == "" {
		cfg, host := r.containerConfig(lang, lim, progBytes)
		created, err := r.cli.ContainerCreate(ctx, cfg, host, nil, nil, "")
		if err != nil {
			return nil, fmt.Errorf("docker sandbox: create %s container: %w", lang.ID, err)
		}
		id = created.ID
	}
	defer cleanup(id)

	// Attach before start so no output is missed.
	hj, err := r.cli.ContainerAttach(ctx, id, container.AttachOptions{Stream: true, Stdin: true, Stdout: true, Stderr: true})
	if err != nil {
		return nil, fmt.Errorf("docker sandbox: attach: %w", err)
	}
	defer hj.Close()

	started := time.Now()
	if err := r.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		// A pooled container is already running; starting it is a no-op
		// error we can ignore only in that case.
		if st, ierr := r.cli.ContainerInspect(ctx, id); ierr != nil || st.State == nil || !st.State.Running {
			return nil, fmt.Errorf("docker sandbox: start: %w", err)
		}
	}

	go func() {
		// Errors surface as a missing report; the program may also stop
		// reading its stdin early, which is not an error.
		if err := sbxproto.WriteRequest(hj.Conn, req, contents); err == nil && len(stdin) > 0 {
			_, _ = hj.Conn.Write(stdin)
		}
		_ = hj.CloseWrite()
	}()

	outCap := lim.OutputBytes
	if req.Mode == sbxproto.ModeCompile {
		outCap = lim.WorkDirBytes + (1 << 20) // the artifact tar
	}
	stdout := &cappedBuffer{max: outCap}
	stderr := &cappedBuffer{max: lim.OutputBytes + (64 << 10)} // room for the report
	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderr, hj.Reader)
		copied <- err
	}()

	obs := &observation{}
	timer := time.NewTimer(lim.WallTime)
	defer timer.Stop()
	kill := func() {
		kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = r.cli.ContainerKill(kctx, id, "KILL")
	}
	// After a kill the attach stream ends; if the daemon does not manage
	// that, give up on the stream rather than hang the worker (the
	// deferred remove and hj.Close still run).
	drained := func() bool {
		select {
		case <-copied:
			return true
		case <-time.After(15 * time.Second):
			return false
		}
	}
	select {
	case err := <-copied:
		if errors.Is(err, errCap) {
			obs.overflow = true
			kill()
		}
	case <-timer.C:
		obs.wallTimedOut = true
		kill()
		if !drained() {
			return nil, fmt.Errorf("docker sandbox: %s: container output did not end after kill", req.Mode)
		}
	case <-ctx.Done():
		kill()
		drained()
		return nil, fmt.Errorf("docker sandbox: %s: %w", req.Mode, ctx.Err())
	}
	obs.wall = time.Since(started)

	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	waitCh, errCh := r.cli.ContainerWait(wctx, id, container.WaitConditionNotRunning)
	select {
	case w := <-waitCh:
		obs.exitCode = int(w.StatusCode)
	case err := <-errCh:
		return nil, fmt.Errorf("docker sandbox: wait: %w", err)
	}
	if st, err := r.cli.ContainerInspect(wctx, id); err == nil && st.State != nil {
		obs.oomKilled = st.State.OOMKilled
	}
	obs.stdout = stdout.buf.Bytes()
	var progErr []byte
	progErr, obs.report, obs.reportErr = sbxproto.SplitReport(stderr.buf.Bytes())
	obs.stderr = progErr
	if stdout.overflow || stderr.overflow {
		obs.overflow = true
	}
	return obs, nil
}

// result turns an observation into a Result; infrastructure failures
// become errors (the interface reserves err for those).
func (r *Runner) result(obs *observation, lang sandbox.Language) (*sandbox.Result, error) {
	v, msg, err := classify(obs, lang)
	if err != nil {
		return nil, err
	}
	res := &sandbox.Result{
		Verdict:   v,
		Stdout:    string(obs.stdout),
		Stderr:    string(obs.stderr),
		WallMS:    obs.wall.Milliseconds(),
		Truncated: obs.overflow || (obs.report != nil && obs.report.OutputExceeded),
		Message:   msg,
	}
	if rep := obs.report; rep != nil {
		res.ExitCode, res.Signal = rep.ExitCode, rep.Signal
		res.TimeMS, res.MemoryKB = rep.CPUTimeMS, rep.MemoryKB
	} else if obs.wallTimedOut {
		res.ExitCode, res.Signal = 128+9, "SIGKILL"
	}
	return res, nil
}

// classify decides the verdict. Order matters: a run killed for the wall
// clock or output is judged by that cause, not by the SIGKILL it died of.
func classify(obs *observation, lang sandbox.Language) (sandbox.Verdict, string, error) {
	rep := obs.report
	switch {
	case obs.wallTimedOut:
		return sandbox.TLE, "wall time limit exceeded", nil
	case rep == nil && obs.oomKilled:
		return sandbox.MLE, "memory limit exceeded", nil
	case rep == nil && obs.overflow:
		return sandbox.OLE, "output limit exceeded", nil
	case rep == nil:
		return sandbox.IE, "", fmt.Errorf("docker sandbox: container exited with status %d without a supervisor report: %w",
			obs.exitCode, obs.reportErr)
	case rep.Error != "":
		return sandbox.IE, "", fmt.Errorf("docker sandbox: supervisor: %s", rep.Error)
	case rep.StartError != "":
		return sandbox.IE, "", fmt.Errorf("docker sandbox: cannot start %s: %s", lang.ID, rep.StartError)
	case rep.OutputExceeded || obs.overflow:
		return sandbox.OLE, "output limit exceeded", nil
	case rep.Signal == "SIGXFSZ":
		// Writing a file past Limits.FileSizeBytes is output, too.
		return sandbox.OLE, "file size limit exceeded", nil
	case rep.CPUExceeded:
		return sandbox.TLE, "CPU time limit exceeded", nil
	case rep.OOMKills > 0 || obs.oomKilled:
		return sandbox.MLE, "memory limit exceeded", nil
	}
	failed := rep.ExitCode != 0 || rep.Signal != ""
	if failed {
		for _, m := range lang.OOMMarkers {
			if bytes.Contains(obs.stderr, []byte(m)) {
				return sandbox.MLE, "memory limit exceeded (" + m + ")", nil
			}
		}
	}
	switch {
	case rep.Signal != "":
		return sandbox.RE, "killed by " + rep.Signal, nil
	case rep.ExitCode != 0:
		return sandbox.RE, fmt.Sprintf("exit code %d", rep.ExitCode), nil
	}
	return sandbox.OK, "", nil
}

// readArtifacts unpacks sbxinit's artifact tar, keeping only regular files
// the language allows.
func readArtifacts(tarball []byte, lang sandbox.Language) ([]progFile, error) {
	var out []progFile
	tr := tar.NewReader(bytes.NewReader(tarball))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read artifacts: %w", err)
		}
		if h.Typeflag != tar.TypeReg || !lang.ArtifactAllowed(h.Name) {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, h.Size))
		if err != nil {
			return nil, fmt.Errorf("read artifact %s: %w", h.Name, err)
		}
		out = append(out, progFile{name: h.Name, mode: uint32(h.Mode) & 0o555, data: data})
	}
}

func anyMatch(pattern string, files []progFile) bool {
	for _, f := range files {
		if ok, _ := path.Match(pattern, f.name); ok {
			return true
		}
	}
	return false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

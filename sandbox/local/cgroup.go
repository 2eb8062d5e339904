package local

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// cgroups places each sandbox in its own cgroup below the worker's own one
// (so the worker's container limits still apply) and reads back OOM kills,
// peak memory and CPU time of the whole tree. v1 (memory, pids, cpuacct
// hierarchies) and v2 (unified) are both supported; with neither writable
// the runner falls back to rlimits only.
type cgroups struct {
	v2 bool
	// parent directories created by this runner, one per v1 controller
	// (key = controller) or one for v2 (key "").
	parents map[string]string
}

// cgroupRun is one sandbox's cgroup.
type cgroupRun struct {
	cg   *cgroups
	dirs map[string]string
}

type cgroupStats struct {
	OOMKills  int64
	Failcnt   int64
	PeakBytes int64
	CPUUS     int64
	HaveCPU   bool
}

const cgroup2Magic = 0x63677270

// workerLeaf is the v2 cgroup the worker moves itself into so that its own
// cgroup may delegate controllers to the sandboxes.
const workerLeaf = "hirebus-worker"

func detectCgroups(name string) (*cgroups, error) {
	var sfs unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &sfs); err != nil {
		return nil, fmt.Errorf("detect cgroups: %w", err)
	}
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	if sfs.Type == cgroup2Magic {
		return setupV2(own[""], name)
	}
	return setupV1(own, name)
}

// ownCgroups maps controller → this process's cgroup path ("" = v2).
func ownCgroups() (map[string]string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, nil
}

func setupV1(own map[string]string, name string) (*cgroups, error) {
	cg := &cgroups{parents: map[string]string{}}
	for _, ctrl := range []string{"memory", "pids", "cpuacct"} {
		mnt := v1Mount(ctrl)
		if mnt == "" {
			continue
		}
		removeStaleCgroups(filepath.Join(mnt, own[ctrl]))
		dir := filepath.Join(mnt, own[ctrl], name)
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			cg.remove()
			return nil, fmt.Errorf("create cgroup %s: %w", dir, err)
		}
		cg.parents[ctrl] = dir
	}
	if cg.parents["memory"] == "" || cg.parents["pids"] == "" {
		cg.remove()
		return nil, errors.New("create cgroups: memory or pids controller not mounted")
	}
	return cg, nil
}

// v1Mount finds where a v1 controller is mounted.
func v1Mount(ctrl string) string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, fl := range fields {
			if fl == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(fields) < sep+4 || fields[sep+1] != "cgroup" {
			continue
		}
		for _, o := range strings.Split(fields[sep+3], ",") {
			if o == ctrl {
				return fields[4]
			}
		}
	}
	return ""
}

func setupV2(own, name string) (*cgroups, error) {
	// A previous runner of this process may have moved it into the
	// leaf below; sandboxes still go next to that leaf.
	own = strings.TrimSuffix(own, "/"+workerLeaf)
	base := filepath.Join("/sys/fs/cgroup", own)
	removeStaleCgroups(base)
	dir := filepath.Join(base, name)
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	cg := &cgroups{v2: true, parents: map[string]string{"": dir}}
	// Both levels must delegate the controllers (cpu.stat's usage_usec
	// needs no controller). The first write fails with EBUSY while the
	// worker's own cgroup holds processes and is not the root ("no internal
	// processes"); the worker then moves itself into a leaf of its own
	// cgroup and retries.
	enable := func(d string) error {
		return os.WriteFile(filepath.Join(d, "cgroup.subtree_control"), []byte("+memory +pids"), 0o644)
	}
	err := enable(base)
	if errors.Is(err, unix.EBUSY) {
		leaf := filepath.Join(base, workerLeaf)
		if mkErr := os.Mkdir(leaf, 0o755); mkErr == nil || errors.Is(mkErr, os.ErrExist) {
			if os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0o644) == nil {
				err = enable(base)
			}
		}
	}
	if err == nil {
		err = enable(dir)
	}
	if err != nil {
		cg.remove()
		return nil, fmt.Errorf("enable cgroup controllers below %s: %w", base, err)
	}
	return cg, nil
}

// removeStaleCgroups deletes the (empty, since their namespaces died with
// their init) cgroups of runners that died without Close.
func removeStaleCgroups(parent string) {
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if _, stale := staleOwner(e.Name()); !stale || !e.IsDir() {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		kids, _ := os.ReadDir(dir)
		for _, k := range kids {
			if k.IsDir() {
				unix.Rmdir(filepath.Join(dir, k.Name()))
			}
		}
		unix.Rmdir(dir)
	}
}

func (cg *cgroups) remove() {
	for _, d := range cg.parents {
		rmdirRetry(d)
	}
}

// newRun creates the cgroup of one sandbox and sets its limits.
func (cg *cgroups) newRun(id string, memBytes int64, pids int) (*cgroupRun, error) {
	r := &cgroupRun{cg: cg, dirs: map[string]string{}}
	for ctrl, parent := range cg.parents {
		d := filepath.Join(parent, id)
		if err := os.Mkdir(d, 0o755); err != nil {
			r.remove()
			return nil, fmt.Errorf("create cgroup %s: %w", d, err)
		}
		r.dirs[ctrl] = d
	}
	var writes [][2]string
	mem := strconv.FormatInt(memBytes, 10)
	if cg.v2 {
		d := r.dirs[""]
		writes = [][2]string{{d + "/memory.max", mem}, {d + "/memory.swap.max", "0"}, {d + "/pids.max", strconv.Itoa(pids)}}
	} else {
		writes = [][2]string{{r.dirs["memory"] + "/memory.limit_in_bytes", mem}, {r.dirs["pids"] + "/pids.max", strconv.Itoa(pids)}}
		if _, err := os.Stat(r.dirs["memory"] + "/memory.memsw.limit_in_bytes"); err == nil {
			writes = append(writes, [2]string{r.dirs["memory"] + "/memory.memsw.limit_in_bytes", mem})
		}
	}
	for _, w := range writes {
		if err := os.WriteFile(w[0], []byte(w[1]), 0o644); err != nil && !(cg.v2 && strings.HasSuffix(w[0], "swap.max")) {
			r.remove()
			return nil, fmt.Errorf("set cgroup limit %s: %w", w[0], err)
		}
	}
	return r, nil
}

func (r *cgroupRun) add(pid int) error {
	p := []byte(strconv.Itoa(pid))
	for _, d := range r.dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), p, 0o644); err != nil {
			return fmt.Errorf("join cgroup %s: %w", d, err)
		}
	}
	return nil
}

func (r *cgroupRun) stats() cgroupStats {
	var s cgroupStats
	if r.cg.v2 {
		d := r.dirs[""]
		kv := readKV(d + "/memory.events")
		s.OOMKills = kv["oom_kill"]
		s.Failcnt = kv["max"]
		s.PeakBytes = readInt(d + "/memory.peak")
		if us, ok := readKV(d + "/cpu.stat")["usage_usec"]; ok {
			s.CPUUS, s.HaveCPU = us, true
		}
		return s
	}
	m := r.dirs["memory"]
	s.OOMKills = readKV(m + "/memory.oom_control")["oom_kill"]
	s.Failcnt = readInt(m + "/memory.failcnt")
	s.PeakBytes = readInt(m + "/memory.max_usage_in_bytes")
	if d, ok := r.dirs["cpuacct"]; ok {
		s.CPUUS, s.HaveCPU = readInt(d+"/cpuacct.usage")/1000, true
	}
	return s
}

// cpuUsage is the CPU time of the whole tree so far.
func (r *cgroupRun) cpuUsage() (time.Duration, bool) {
	if r.cg.v2 {
		us, ok := readKV(r.dirs[""] + "/cpu.stat")["usage_usec"]
		return time.Duration(us) * time.Microsecond, ok
	}
	d, ok := r.dirs["cpuacct"]
	if !ok {
		return 0, false
	}
	return time.Duration(readInt(d + "/cpuacct.usage")), true
}

// remove deletes the cgroup; the namespace is dead by now, but exiting
// tasks can keep it busy for a moment.
func (r *cgroupRun) remove() {
	for _, d := range r.dirs {
		rmdirRetry(d)
	}
}

func rmdirRetry(d string) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := unix.Rmdir(d)
		if err == nil || errors.Is(err, unix.ENOENT) || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// leftovers lists sandbox cgroups still present under the runner's parents.
func (cg *cgroups) leftovers() []string {
	var out []string
	for _, p := range cg.parents {
		entries, _ := os.ReadDir(p)
		for _, e := range entries {
			if e.IsDir() {
				out = append(out, filepath.Join(p, e.Name()))
			}
		}
	}
	return out
}

// processes lists host processes inside the runner's cgroups. A sandbox's
// processes cannot leave its cgroup (cgroupfs is not mounted inside, and
// the cgroup namespace hides the hierarchy), so this finds any survivor.
func (cg *cgroups) processes() []string {
	var names []string
	for _, p := range cg.parents {
		names = append(names, filepath.Base(p))
	}
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cgroup")
		if err != nil {
			continue
		}
		for _, n := range names {
			if bytes.Contains(b, []byte("/"+n+"/")) {
				cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
				out = append(out, "process "+e.Name()+" "+string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
				break
			}
		}
	}
	return out
}

func readInt(p string) int64 {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	return v
}

func readKV(p string) map[string]int64 {
	out := map[string]int64{}
	b, err := os.ReadFile(p)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			if v, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				out[f[0]] = v
			}
		}
	}
	return out
}

// Package local is the default sandbox runner (`hirebus all`). Every
// compile and every run gets a fresh sandbox built from plain Linux
// primitives driven from Go — no external tool such as bubblewrap is
// needed:
//
//   - Namespaces: the runner re-executes its own binary (/proc/self/exe,
//     argv[0] "hirebus-sandbox-init", empty environment) with
//     CLONE_NEWUSER|NEWNS|NEWPID|NEWNET|NEWIPC|NEWUTS|NEWCGROUP. That init
//     is PID 1 of the new pid namespace, so when it dies — normally, or
//     killed on a wall-time, CPU or output overrun — the kernel kills every
//     process of the run. Binaries using this runner must therefore call
//     MaybeRunInit first thing in main (and in TestMain). When the small
//     binary hirebus-sandbox-init (cmd/hirebus-sandbox-init, built by
//     `make build`) sits next to the executable, it is used instead: the
//     hirebus binary spends ~7 ms in package initialisers on every start.
//   - Users: uid/gid 0 inside maps to host root and is used only by the
//     init for mounts; the program runs as 65534 (nobody) with no
//     supplementary groups and no_new_privs, all mounts nosuid,nodev.
//   - File system: a new tmpfs root (read-only after setup) with read-only
//     binds of /usr (with /usr/local hidden by an empty tmpfs except
//     /usr/local/go), /etc/ld.so.cache and /etc/java-17-openjdk, a
//     generated /etc/passwd, minimal /dev (null, zero, full, random,
//     urandom), a fresh /proc of the new pid namespace, the program
//     directory read-only at /prog, and private size-limited tmpfs at
//     /work (cwd) and /tmp. Nothing else of the host (no /root, /home,
//     /var, /etc/shadow, /sys) exists inside.
//   - Syscalls: no_new_privs and, on amd64, a seccomp filter denying
//     kernel keyrings, bpf, perf_event_open, userfaultfd, io_uring, module
//     and kexec loading, every mount and namespace call, and foreign
//     architectures (i386, x32). Nested namespaces are also forbidden by
//     the per-namespace max_*_namespaces sysctls set to 0.
//   - Network: a new network namespace whose only interface is loopback,
//     so 127.0.0.1:3306 of the host is unreachable.
//   - Limits: rlimits (CPU, AS, NPROC, FSIZE, NOFILE, CORE=0, STACK) are
//     applied by the init with prlimit(2) while the program is stopped
//     right after execve (ptrace), so they bind the program but not the
//     init. A per-run cgroup (v1 memory+pids+cpuacct, or v2) below the
//     worker's own enforces memory (RAM+swap) and pids for the whole
//     tree and measures its CPU time and peak memory; without a writable
//     cgroup hierarchy the runner falls back to rlimits alone.
//   - Memory: with a cgroup, memory is the cgroup limit and RLIMIT_AS is
//     only a high backstop (Options.AddressSpaceCeiling), so a huge
//     allocation reaches the cgroup and is reported as MLE (OOM kill)
//     rather than as a crash on a NULL malloc. The JVM, V8 and Go reserve
//     huge virtual ranges, so those languages never get RLIMIT_AS; their
//     heaps are capped by flags ({heap_mb}) and the cgroup. Without a
//     cgroup RLIMIT_AS is the memory limit and MLE is recognised from the
//     runtime's out-of-memory message.
//   - Time: the cgroup CPU counter is polled and the tree killed once it
//     passes Limits.Time (RLIMIT_CPU is a one-second-granular backstop);
//     Limits.WallTime kills sleeping programs. Both are TLE.
//   - Output: stdout and stderr are pipes read by the runner; past
//     Limits.OutputBytes (both together) it kills the tree: OLE. A file
//     larger than Limits.FileSizeBytes (SIGXFSZ) is OLE too.
//   - Compile: runs in the same kind of sandbox with its own limits; the
//     init streams back only regular files whose names match
//     Language.Artifacts (tar over a pipe), and the runner writes them with
//     O_EXCL|O_NOFOLLOW into a directory only it created: a planted link
//     is never followed on the host (the Judge0 CVE-2024-28185 pattern).
//     Go builds use a prebuilt standard-library cache mounted as an
//     overlay whose writes vanish with the run.
//
// Parallelism: a Runner is safe for concurrent use and runs at most
// Options.Slots sandboxes at once (default NumCPU); further calls wait for
// a slot or their context. The worker just calls Run from as many
// goroutines as it likes.
//
// The runner needs root on the host (for the second uid mapping and the
// cgroups).
package local

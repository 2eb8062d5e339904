package local

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// deniedSyscalls shrink the kernel surface a program can reach: kernel
// keyrings, BPF, perf, userfaultfd and io_uring (frequent exploit
// vectors), module and kexec loading, and every mount or namespace call.
// None is needed by the toolchains; libuv falls back from io_uring. The
// filter is a deny list so that the init (which installs it on itself
// before starting the program) keeps working.
var deniedSyscalls = map[uint32]unix.Errno{
	unix.SYS_KEYCTL: unix.EPERM, unix.SYS_ADD_KEY: unix.EPERM, unix.SYS_REQUEST_KEY: unix.EPERM,
	unix.SYS_BPF: unix.EPERM, unix.SYS_PERF_EVENT_OPEN: unix.EPERM, unix.SYS_USERFAULTFD: unix.EPERM,
	unix.SYS_IO_URING_SETUP: unix.ENOSYS, unix.SYS_IO_URING_ENTER: unix.ENOSYS, unix.SYS_IO_URING_REGISTER: unix.ENOSYS,
	unix.SYS_KEXEC_LOAD: unix.EPERM, unix.SYS_KEXEC_FILE_LOAD: unix.EPERM,
	unix.SYS_INIT_MODULE: unix.EPERM, unix.SYS_FINIT_MODULE: unix.EPERM, unix.SYS_DELETE_MODULE: unix.EPERM,
	unix.SYS_MOUNT: unix.EPERM, unix.SYS_UMOUNT2: unix.EPERM, unix.SYS_PIVOT_ROOT: unix.EPERM,
	unix.SYS_FSOPEN: unix.EPERM, unix.SYS_FSCONFIG: unix.EPERM, unix.SYS_FSMOUNT: unix.EPERM, unix.SYS_FSPICK: unix.EPERM,
	unix.SYS_MOVE_MOUNT: unix.EPERM, unix.SYS_OPEN_TREE: unix.EPERM, unix.SYS_MOUNT_SETATTR: unix.EPERM,
	unix.SYS_UNSHARE: unix.EPERM, unix.SYS_SETNS: unix.EPERM,
	unix.SYS_OPEN_BY_HANDLE_AT: unix.EPERM, unix.SYS_NAME_TO_HANDLE_AT: unix.EPERM,
	unix.SYS_ACCT: unix.EPERM, unix.SYS_SWAPON: unix.EPERM, unix.SYS_SWAPOFF: unix.EPERM, unix.SYS_REBOOT: unix.EPERM,
	unix.SYS_SYSLOG: unix.EPERM, unix.SYS_QUOTACTL: unix.EPERM, unix.SYS_IOPL: unix.EPERM, unix.SYS_IOPERM: unix.EPERM,
	unix.SYS_VHANGUP: unix.EPERM, unix.SYS_LOOKUP_DCOOKIE: unix.EPERM, unix.SYS_FANOTIFY_INIT: unix.EPERM,
}

const (
	bpfLdW  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfJge  = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	bpfRet  = unix.BPF_RET | unix.BPF_K
	x32Bit  = 0x40000000
	offNr   = 0 // offsetof(struct seccomp_data, nr)
	offArch = 4 // offsetof(struct seccomp_data, arch)
)

// seccompFilter builds: wrong architecture (e.g. i386 via int 0x80) →
// kill; x32 numbers → EPERM; denied numbers → their errno; else allow.
func seccompFilter() []unix.SockFilter {
	f := []unix.SockFilter{
		{Code: bpfLdW, K: offArch},
		{Code: bpfJeq, Jt: 1, K: unix.AUDIT_ARCH_X86_64},
		{Code: bpfRet, K: unix.SECCOMP_RET_KILL_PROCESS},
		{Code: bpfLdW, K: offNr},
		{Code: bpfJge, Jf: 1, K: x32Bit},
		{Code: bpfRet, K: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
	}
	for nr, errno := range deniedSyscalls {
		f = append(f,
			unix.SockFilter{Code: bpfJeq, Jf: 1, K: nr},
			unix.SockFilter{Code: bpfRet, K: unix.SECCOMP_RET_ERRNO | uint32(errno)})
	}
	return append(f, unix.SockFilter{Code: bpfRet, K: unix.SECCOMP_RET_ALLOW})
}

// installSeccomp applies the filter to every thread of the calling
// process (TSYNC), so whichever thread forks the program passes it on.
// no_new_privs must already be set.
func installSeccomp() error {
	f := seccompFilter()
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	if _, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC,
		uintptr(unsafe.Pointer(&prog))); errno != 0 {
		return fmt.Errorf("init: install seccomp filter: %w", errno)
	}
	return nil
}

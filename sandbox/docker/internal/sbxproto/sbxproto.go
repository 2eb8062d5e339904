// Package sbxproto is the wire protocol between the Docker runner and
// sbxinit, the supervisor that is PID 1 of every sandbox container.
//
// The runner writes to the container's stdin: a 4-byte big-endian length, a
// JSON Request of that length, the bytes of Request.Files in order, and then
// the program's own stdin until EOF. Lengths are explicit so sbxinit never
// reads past the files and the program inherits fd 0 unbuffered.
//
// sbxinit forwards the program's stdout and stderr (in compile mode the
// compiler's stdout goes to stderr and stdout carries a tar of the
// artifacts) and finally appends Magic, a JSON Report and "\n" to stderr.
// The program cannot forge that trailer: it never holds the container's
// stderr (only a pipe that sbxinit copies), sbxinit is non-dumpable so
// /proc/1/fd is closed to it, and the runner only trusts the last Magic.
package sbxproto

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Magic precedes the report at the end of stderr.
const Magic = "\x00\x1ehirebus-sbxinit-report\x1e\x00"

// MaxRequestBytes bounds the JSON header.
const MaxRequestBytes = 1 << 20

// Modes.
const (
	ModeRun     = "run"
	ModeCompile = "compile"
)

// File is written into Request.ProgramDir before the command starts.
type File struct {
	Name string `json:"name"` // plain file name, no separators
	Mode uint32 `json:"mode"` // permission bits
	Size int64  `json:"size"`
}

// CopyTree asks sbxinit to copy a directory tree before the command runs
// (used to seed a writable Go build cache from the image's read-only one).
type CopyTree struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Request tells sbxinit what to run.
type Request struct {
	Mode       string     `json:"mode"`
	Cmd        []string   `json:"cmd"`
	Env        []string   `json:"env"`
	Dir        string     `json:"dir"`
	ProgramDir string     `json:"program_dir"`
	Files      []File     `json:"files"`
	Copy       []CopyTree `json:"copy,omitempty"`
	// CPUTimeMS is the CPU time limit of the process tree.
	CPUTimeMS     int64 `json:"cpu_time_ms"`
	OutputBytes   int64 `json:"output_bytes"`
	FileSizeBytes int64 `json:"file_size_bytes"`
	OpenFiles     int   `json:"open_files"`
	// Artifacts (compile mode) are path.Match patterns of files in Dir to
	// return as a tar on stdout; only regular files are returned.
	Artifacts []string `json:"artifacts,omitempty"`
}

// Report is what sbxinit observed.
type Report struct {
	// Error is set when sbxinit itself failed (bad request, cannot start
	// the command); the run is then an internal error.
	Error    string `json:"error,omitempty"`
	ExitCode int    `json:"exit_code"`
	Signal   string `json:"signal,omitempty"`
	// CPUTimeMS is user+system time of every process of the tree.
	CPUTimeMS int64 `json:"cpu_time_ms"`
	WallMS    int64 `json:"wall_ms"`
	// MemoryKB is the cgroup's peak when readable, else the largest
	// process's peak RSS.
	MemoryKB       int64 `json:"memory_kb"`
	OOMKills       int64 `json:"oom_kills"`
	OutputExceeded bool  `json:"output_exceeded,omitempty"`
	CPUExceeded    bool  `json:"cpu_exceeded,omitempty"`
	// StartError is set when the command could not be executed (missing
	// binary, exec format error).
	StartError string `json:"start_error,omitempty"`
}

// WriteRequest writes the framed request and the file contents to w.
func WriteRequest(w io.Writer, req *Request, contents [][]byte) error {
	if len(contents) != len(req.Files) {
		return fmt.Errorf("sbxproto: write request: %d contents for %d files", len(contents), len(req.Files))
	}
	for i := range req.Files {
		req.Files[i].Size = int64(len(contents[i]))
	}
	hdr, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("sbxproto: encode request: %w", err)
	}
	if len(hdr) > MaxRequestBytes {
		return fmt.Errorf("sbxproto: request header is %d bytes (max %d)", len(hdr), MaxRequestBytes)
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(hdr)))
	if _, err := w.Write(append(n[:], hdr...)); err != nil {
		return fmt.Errorf("sbxproto: write request: %w", err)
	}
	for _, c := range contents {
		if _, err := w.Write(c); err != nil {
			return fmt.Errorf("sbxproto: write file: %w", err)
		}
	}
	return nil
}

// ReadRequest reads the header written by WriteRequest. It reads exactly
// the header's bytes, leaving the files (and stdin) in r.
func ReadRequest(r io.Reader) (*Request, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, fmt.Errorf("sbxproto: read request length: %w", err)
	}
	size := binary.BigEndian.Uint32(n[:])
	if size == 0 || size > MaxRequestBytes {
		return nil, fmt.Errorf("sbxproto: request length %d out of range", size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("sbxproto: read request: %w", err)
	}
	var req Request
	if err := json.Unmarshal(buf, &req); err != nil {
		return nil, fmt.Errorf("sbxproto: decode request: %w", err)
	}
	return &req, nil
}

// ErrNoReport means stderr does not end with a report.
var ErrNoReport = errors.New("sbxproto: no supervisor report")

// SplitReport separates the program's stderr from the report that follows
// the last Magic.
func SplitReport(stderr []byte) (programStderr []byte, rep *Report, err error) {
	i := bytes.LastIndex(stderr, []byte(Magic))
	if i < 0 {
		return stderr, nil, ErrNoReport
	}
	var r Report
	if err := json.Unmarshal(bytes.TrimSpace(stderr[i+len(Magic):]), &r); err != nil {
		return stderr[:i], nil, fmt.Errorf("%w: %w", ErrNoReport, err)
	}
	return stderr[:i], &r, nil
}

package score

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/sandbox"
)

// Static analysers of code answers, run in the sandbox like any candidate
// program (the source is untrusted: a C file can #include /etc/shadow).
// Each is a shell line that prints the tool's findings and always leaves
// the artifact "done", so the sandbox's compile step returns the output
// whatever the tool's exit status. A tool that is not installed is
// reported "not available", never guessed.

type analyser struct {
	tool   string   // as shown: "go vet", "gofmt -l", ...
	lang   string   // the sandbox language whose environment (and Go cache) it uses
	binary string   // the program that must exist on this host
	check  []string // a host command that must succeed for the tool to exist (pyflakes)
	line   string   // shell line; {src} is the source file
	// count turns the output into findings.
	count func(out string) []string
}

func lines(out string) []string {
	var msgs []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			msgs = append(msgs, l)
		}
	}
	return msgs
}

// gccFindings keeps the lines that are warnings or errors (not the notes
// and source excerpts around them).
func gccFindings(out string) []string {
	var msgs []string
	for _, l := range lines(out) {
		if strings.Contains(l, "warning:") || strings.Contains(l, "error:") {
			msgs = append(msgs, l)
		}
	}
	return msgs
}

func javacFindings(out string) []string {
	var msgs []string
	for _, l := range lines(out) {
		if strings.Contains(l, "warning:") || strings.Contains(l, "error:") {
			msgs = append(msgs, l)
		}
	}
	return msgs
}

func vetFindings(out string) []string {
	var msgs []string
	for _, l := range lines(out) {
		if strings.HasPrefix(l, "#") { // "# command-line-arguments"
			continue
		}
		msgs = append(msgs, l)
	}
	return msgs
}

const goBin = "/usr/local/go/bin"

var analysers = map[string][]analyser{
	"go": {
		{tool: "go vet", lang: "go", binary: goBin + "/go", line: goBin + "/go vet {src} 2>&1", count: vetFindings},
		{tool: "gofmt -l", lang: "go", binary: goBin + "/gofmt", line: goBin + "/gofmt -l {src} 2>&1", count: func(out string) []string {
			if len(lines(out)) == 0 {
				return nil
			}
			return []string{"the file is not gofmt-formatted"}
		}},
	},
	"c":    {{tool: "gcc -Wall -Wextra", lang: "c", binary: "/usr/bin/gcc", line: "/usr/bin/gcc -std=gnu17 -fsyntax-only -Wall -Wextra {src} 2>&1", count: gccFindings}},
	"cpp":  {{tool: "g++ -Wall -Wextra", lang: "cpp", binary: "/usr/bin/g++", line: "/usr/bin/g++ -std=gnu++17 -fsyntax-only -Wall -Wextra {src} 2>&1", count: gccFindings}},
	"java": {{tool: "javac -Xlint", lang: "java", binary: "/usr/lib/jvm/java-17-openjdk-amd64/bin/javac", line: "/usr/lib/jvm/java-17-openjdk-amd64/bin/javac -J-Xmx256m -Xlint:all -d " + sandbox.WorkDir + " {src} 2>&1", count: javacFindings}},
	"python": {{tool: "pyflakes", lang: "python", binary: "/usr/bin/python3", check: []string{"/usr/bin/python3", "-c", "import pyflakes"},
		line: "/usr/bin/python3 -m pyflakes {src} 2>&1", count: lines}},
}

// Analysers runs the installed analysers of a language in a sandbox.
type Analysers struct {
	Runner sandbox.Runner // nil: every analyser is "not available (no sandbox)"

	once  sync.Once
	avail map[string]bool // tool -> installed
}

func (a *Analysers) probe() {
	a.once.Do(func() {
		a.avail = map[string]bool{}
		for _, list := range analysers {
			for _, an := range list {
				ok := false
				if st, err := os.Stat(an.binary); err == nil && !st.IsDir() {
					ok = true
				}
				if ok && len(an.check) > 0 {
					ok = exec.Command(an.check[0], an.check[1:]...).Run() == nil
				}
				a.avail[an.tool] = ok
			}
		}
	})
}

// Available lists every analyser and whether this worker can run it.
func (a *Analysers) Available() []score.Analyser {
	a.probe()
	var out []score.Analyser
	for _, lang := range []string{"c", "cpp", "go", "java", "python"} {
		for _, an := range analysers[lang] {
			out = append(out, score.Analyser{Language: lang, Tool: an.tool, Available: a.avail[an.tool] && a.Runner != nil})
		}
	}
	return out
}

// analyserLimits bound one answer's analysers: the compile defaults with
// more time, as go vet recomputes the analysis facts of the standard
// library packages an answer imports (the sandbox's Go cache is read-only).
var analyserLimits = func() sandbox.Limits {
	l := sandbox.DefaultCompileLimits()
	l.Time, l.WallTime = 60*time.Second, 120*time.Second
	return l
}()

// maxMessages bounds the findings kept per tool.
const maxMessages = 20

// Run analyses one answer; languages without analysers give nil. The
// installed analysers of the language run one after another in a single
// sandbox (one start of the sandbox, and of the Go toolchain's cache, per
// answer); their outputs are told apart by marker lines that carry a
// random nonce, so an answer cannot forge another tool's findings (gcc
// echoes source lines).
func (a *Analysers) Run(ctx context.Context, language, source string) []score.Findings {
	a.probe()
	list := analysers[language]
	out := make([]score.Findings, len(list))
	var run []int
	for i, an := range list {
		out[i] = score.Findings{Tool: an.tool}
		switch {
		case !a.avail[an.tool]:
			out[i].Note = "not available: " + an.tool + " is not installed on this worker"
		case a.Runner == nil:
			out[i].Note = "not available: no sandbox on this worker"
		default:
			run = append(run, i)
		}
	}
	if len(run) == 0 {
		return out
	}
	if ctx.Err() != nil {
		for _, i := range run {
			out[i].Note = "not available: the time for this attempt's analysers ran out"
		}
		return out
	}
	outputs, err := a.runAll(ctx, language, source, list, run)
	for _, i := range run {
		if err != nil {
			out[i].Note = "not available: " + err.Error()
			continue
		}
		msgs := list[i].count(outputs[i])
		out[i].Available, out[i].Count = true, len(msgs)
		if len(msgs) > maxMessages {
			msgs = msgs[:maxMessages]
		}
		out[i].Messages = msgs
	}
	return out
}

func (a *Analysers) runAll(ctx context.Context, language, source string, list []analyser, run []int) (map[int]string, error) {
	base, err := sandbox.LookupLanguage(list[run[0]].lang)
	if err != nil {
		return nil, err
	}
	src := sandbox.ProgramDir + "/" + base.SourceFile
	mark := "hirebus-analyser-" + randomHex()
	var sh strings.Builder
	for _, i := range run {
		fmt.Fprintf(&sh, "echo '%s %d'; %s; ", mark, i, strings.ReplaceAll(list[i].line, "{src}", src))
	}
	// The analysers are the compile step of a language of their own; their
	// output is the step's output, "done" its artifact.
	lang := base
	lang.Compile = []string{"/bin/sh", "-c", sh.String() + ": > " + sandbox.WorkDir + "/done"}
	lang.Artifacts = []string{"done"}
	lang.Run = []string{"/bin/true"}
	prog, res, err := a.Runner.Compile(ctx, lang, []byte(source), analyserLimits)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer prog.Close()
	if res == nil {
		return nil, fmt.Errorf("the %s analysers gave no output", language)
	}
	if res.Verdict != sandbox.OK {
		return nil, fmt.Errorf("the %s analysers did not finish (%s %s)", language, res.Verdict, res.Message)
	}
	// Paths inside the sandbox mean nothing to a reader.
	text := strings.ReplaceAll(res.Stdout+res.Stderr, sandbox.ProgramDir+"/", "")
	outputs := map[int]string{}
	cur := -1
	for _, l := range strings.SplitAfter(text, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), mark+" "); ok {
			if n, err := strconv.Atoi(rest); err == nil {
				cur = n
				continue
			}
		}
		if cur >= 0 {
			outputs[cur] += l
		}
	}
	for _, i := range run {
		if _, ok := outputs[i]; !ok && !strings.Contains(text, mark+" "+strconv.Itoa(i)) {
			return nil, fmt.Errorf("%s did not run", list[i].tool)
		}
	}
	return outputs, nil
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

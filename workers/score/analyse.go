package score

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"

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

// maxMessages bounds the findings kept per tool.
const maxMessages = 20

// Run analyses one answer; languages without analysers give nil.
func (a *Analysers) Run(ctx context.Context, language, source string) []score.Findings {
	a.probe()
	var out []score.Findings
	for _, an := range analysers[language] {
		f := score.Findings{Tool: an.tool}
		switch {
		case !a.avail[an.tool]:
			f.Note = "not available: " + an.tool + " is not installed on this worker"
		case a.Runner == nil:
			f.Note = "not available: no sandbox on this worker"
		default:
			msgs, err := a.runOne(ctx, an, source)
			if err != nil {
				f.Note = "not available: " + err.Error()
				break
			}
			f.Available, f.Count = true, len(msgs)
			if len(msgs) > maxMessages {
				msgs = msgs[:maxMessages]
			}
			f.Messages = msgs
		}
		out = append(out, f)
	}
	return out
}

func (a *Analysers) runOne(ctx context.Context, an analyser, source string) ([]string, error) {
	base, err := sandbox.LookupLanguage(an.lang)
	if err != nil {
		return nil, err
	}
	src := sandbox.ProgramDir + "/" + base.SourceFile
	line := strings.ReplaceAll(an.line, "{src}", src)
	// The analyser is the compile step of a language of its own; its
	// output is the step's output, "done" its artifact.
	lang := base
	lang.Compile = []string{"/bin/sh", "-c", line + "; : > " + sandbox.WorkDir + "/done"}
	lang.Artifacts = []string{"done"}
	lang.Run = []string{"/bin/true"}
	prog, res, err := a.Runner.Compile(ctx, lang, []byte(source), sandbox.Limits{})
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer prog.Close()
	if res == nil {
		return nil, fmt.Errorf("%s gave no output", an.tool)
	}
	if res.Verdict != sandbox.OK {
		return nil, fmt.Errorf("%s did not finish (%s %s)", an.tool, res.Verdict, res.Message)
	}
	// Paths inside the sandbox mean nothing to a reader.
	out := strings.ReplaceAll(res.Stdout+res.Stderr, sandbox.ProgramDir+"/", "")
	return an.count(out), nil
}

package local

import (
	"context"
	"os"
	"testing"

	"github.com/hirebus/hirebus/sandbox"
)

func TestMain(m *testing.M) {
	MaybeRunInit()
	os.Exit(m.Run())
}

func TestSmoke(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tc := range []struct{ lang, src string }{
		{"python", "import os,sys\nprint('hi', os.getuid(), os.getcwd(), sorted(os.listdir('/')), dict(os.environ))\n"},
		{"c", "#include <stdio.h>\nint main(){puts(\"hello c\");return 0;}\n"},
	} {
		lang, _ := sandbox.LookupLanguage(tc.lang)
		p, cres, err := r.Compile(context.Background(), lang, []byte(tc.src), sandbox.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if p == nil {
			t.Fatalf("compile: %+v", cres)
		}
		res, err := r.Run(context.Background(), p, nil, sandbox.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %+v", tc.lang, res)
		p.Close()
	}
	l, _ := r.Leftovers()
	t.Log("leftovers", l)
}

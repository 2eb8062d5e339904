package judge

import (
	"errors"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	float := Comparison{Mode: ModeFloat, AbsEpsilon: 1e-6, RelEpsilon: 1e-9}
	tests := []struct {
		name       string
		cmp        Comparison
		want, got  string
		ok         bool
		reasonPart string
	}{
		{"exact equal", Comparison{Mode: ModeExact}, "1 2\n3\n", "1 2\n3\n", true, ""},
		{"exact missing newline", Comparison{Mode: ModeExact}, "1\n", "1", false, "line 1: output ends early"},
		{"exact trailing space", Comparison{Mode: ModeExact}, "1\n", "1 \n", false, "line 1: output differs"},
		{"exact extra line", Comparison{Mode: ModeExact}, "1\n", "1\n2\n", false, "line 2: unexpected extra output"},
		{"exact differs on line 2", Comparison{Mode: ModeExact}, "a\nb\n", "a\nc\n", false, "line 2"},
		{"exact both empty", Comparison{Mode: ModeExact}, "", "", true, ""},

		{"default is trailing whitespace", Comparison{}, "1 2\n", "1 2   \n\n\n", true, ""},
		{"trim missing final newline", Comparison{Mode: ModeTrailingWhitespace}, "yes\nno\n", "yes\nno", true, ""},
		{"trim CRLF", Comparison{Mode: ModeTrailingWhitespace}, "a\nb\n", "a\r\nb\r\n", true, ""},
		{"trim tabs at end of line", Comparison{Mode: ModeTrailingWhitespace}, "a\n", "a\t\t\n", true, ""},
		{"trim leading space matters", Comparison{Mode: ModeTrailingWhitespace}, "a\n", " a\n", false, "line 1: output differs"},
		{"trim inner space matters", Comparison{Mode: ModeTrailingWhitespace}, "1 2\n", "1  2\n", false, "line 1"},
		{"trim blank line in middle matters", Comparison{Mode: ModeTrailingWhitespace}, "a\nb\n", "a\n\nb\n", false, "line 2"},
		{"trim too short", Comparison{Mode: ModeTrailingWhitespace}, "a\nb\n", "a\n", false, "line 2: output ends early"},
		{"trim too long", Comparison{Mode: ModeTrailingWhitespace}, "a\n", "a\nb\n", false, "line 2: unexpected extra output"},
		{"trim empty vs whitespace only", Comparison{Mode: ModeTrailingWhitespace}, "", "\n \n", true, ""},
		{"trim empty vs output", Comparison{Mode: ModeTrailingWhitespace}, "", "x", false, "line 1: unexpected extra output"},
		{"trim case matters", Comparison{Mode: ModeTrailingWhitespace}, "Yes\n", "yes\n", false, "line 1"},

		{"float within abs", float, "0.3333333\n", "0.33333334", true, ""},
		{"float outside abs", float, "0.333333\n", "0.333", false, "token 1: number outside tolerance"},
		{"float within rel for large", Comparison{Mode: ModeFloat, RelEpsilon: 1e-6}, "1000000000", "1000000100", true, ""},
		{"float outside rel for large", Comparison{Mode: ModeFloat, RelEpsilon: 1e-9}, "1000000000", "1000000100", false, "token 1"},
		{"float token layout free", float, "1.5 2.5\n", "1.5\n2.50000\n", true, ""},
		{"float words must match", float, "avg 1.5\n", "mean 1.5\n", false, "token 1: output differs"},
		{"float non-number for number", float, "1.5\n", "abc\n", false, "token 1: expected a number"},
		{"float fewer tokens", float, "1 2 3", "1 2", false, "token 3: output ends early"},
		{"float more tokens", float, "1 2", "1 2 3", false, "token 3: unexpected extra output"},
		{"float exponent form", float, "0.000001", "1e-6", true, ""},
		{"float nan equals nan", float, "nan", "NaN", true, ""},
		{"float nan vs number", float, "nan", "0", false, "token 1"},
		{"float inf", float, "inf", "+Inf", true, ""},
		{"float -inf vs inf", float, "-inf", "inf", false, "token 1"},
		{"float default epsilons", Comparison{Mode: ModeFloat}, "2.0", "2.0000005", true, ""},
		{"float negative zero", float, "0.000", "-0.000", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, reason := Compare(tc.cmp, []byte(tc.want), []byte(tc.got))
			if ok != tc.ok {
				t.Fatalf("Compare(%q, %q) = %v (%q), want %v", tc.want, tc.got, ok, reason, tc.ok)
			}
			if ok && reason != "" {
				t.Fatalf("accepted with reason %q", reason)
			}
			if !ok && !strings.Contains(reason, tc.reasonPart) {
				t.Fatalf("reason %q does not contain %q", reason, tc.reasonPart)
			}
			if !ok && (strings.Contains(reason, tc.want) && tc.want != "") {
				t.Fatalf("reason %q leaks the expected output", reason)
			}
		})
	}
}

func TestComparisonValidate(t *testing.T) {
	tests := []struct {
		name    string
		cmp     Comparison
		wantErr bool
	}{
		{"empty defaults", Comparison{}, false},
		{"exact", Comparison{Mode: ModeExact}, false},
		{"float defaults", Comparison{Mode: ModeFloat}, false},
		{"float abs", Comparison{Mode: ModeFloat, AbsEpsilon: 1e-4}, false},
		{"unknown mode", Comparison{Mode: "regex"}, true},
		{"negative epsilon", Comparison{Mode: ModeFloat, AbsEpsilon: -1}, true},
		{"huge epsilon", Comparison{Mode: ModeFloat, RelEpsilon: 2}, true},
		{"epsilon on exact", Comparison{Mode: ModeExact, AbsEpsilon: 1e-3}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cmp.Validate()
			if (err != nil) != tc.wantErr {
				t.Fatalf("Validate() = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidComparison) {
				t.Fatalf("error %v is not ErrInvalidComparison", err)
			}
		})
	}
}

func BenchmarkCompareTrailingWhitespace(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 100000; i++ {
		sb.WriteString("12345 67890 \n")
	}
	out := []byte(sb.String())
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		if ok, _ := Compare(Comparison{}, out, out); !ok {
			b.Fatal("mismatch")
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/nats-io/nats.go/jetstream"
)

const dlqUsage = `usage:
  hirebus dlq list [-n N]        dead-lettered commands, oldest first (default 50)
  hirebus dlq show SEQ           one dead letter with its command, as JSON
  hirebus dlq replay SEQ...      publish the commands again on their subjects and remove them from the DLQ`

// runDLQ is `hirebus dlq`: inspect and replay dead-lettered commands.
func runDLQ(ctx context.Context, cfg Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(dlqUsage)
	}
	if cfg.NATSURL == "" {
		return errors.New("HIREBUS_NATS_URL is required for `hirebus dlq`")
	}
	nc, closeNC, err := connectNATS(cfg, log, false)
	if err != nil {
		return err
	}
	defer closeNC()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	switch args[0] {
	case "list":
		fs := flag.NewFlagSet("dlq list", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		n := fs.Int("n", 50, "how many")
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 || *n < 1 {
			return errors.New(dlqUsage)
		}
		list, err := events.ListDeadLetters(ctx, js, *n)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tTIME\tSUBJECT\tCOMMAND\tDELIVERIES\tERROR")
		for _, e := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", e.Seq, e.Time.UTC().Format(time.RFC3339), e.Subject, e.Envelope.ID, e.Deliveries, oneLine(e.Error, 80))
		}
		return tw.Flush()
	case "show":
		if len(args) != 2 {
			return errors.New(dlqUsage)
		}
		seq, err := parseSeq(args[1])
		if err != nil {
			return err
		}
		e, err := events.GetDeadLetter(ctx, js, seq)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(e)
	case "replay":
		if len(args) < 2 {
			return errors.New(dlqUsage)
		}
		var seqs []uint64
		for _, a := range args[1:] {
			seq, err := parseSeq(a)
			if err != nil {
				return err
			}
			seqs = append(seqs, seq)
		}
		for _, seq := range seqs {
			e, err := events.ReplayDeadLetter(ctx, js, seq)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "replayed %d: %s %s\n", seq, e.Subject, e.Envelope.ID)
		}
		return nil
	}
	return fmt.Errorf("unknown dlq command %q\n%s", args[0], dlqUsage)
}

func parseSeq(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a DLQ sequence (see `hirebus dlq list`)", s)
	}
	return n, nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

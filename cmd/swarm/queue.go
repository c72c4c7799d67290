package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/projections"
)

// queueOptions are the inputs of `swarm queue`.
type queueOptions struct {
	app   *app
	State stateFlag
	JSON  bool
}

func newQueueCmd(a *app, runF func(context.Context, *queueOptions) error) *cobra.Command {
	opts := &queueOptions{app: a}
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "List the packages in the queue",
		Long: `List the packages in the queue, in the order they joined it: atom, state,
whether a build of it is in the binhost's index (BINARY: yes, or missing),
failed attempts, the drone building it, and the last failure.

--json prints an array of objects with atom, state, binary (true when a
promoted build is in the index), attempts, drone, last_failure and more.`,
		Example: "  swarm queue --state failed\n  swarm queue --json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runQueue(cmd.Context(), opts)
		},
	}
	cmd.Flags().Var(&opts.State, "state", "only packages in `STATE`: "+joinStrings(packageStates))
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	_ = cmd.RegisterFlagCompletionFunc("state", completeWords(packageStates))
	return cmd
}

func runQueue(ctx context.Context, o *queueOptions) error {
	st, err := o.app.currentState(ctx)
	if err != nil {
		return err
	}
	rows := st.QueueList(string(o.State))
	if o.JSON {
		return writeJSON(o.app.out, nonNil(rows))
	}
	if len(rows) == 0 {
		if o.State != "" {
			fmt.Fprintf(o.app.out, "no %s packages\n", o.State)
		} else {
			fmt.Fprintln(o.app.out, "the queue is empty")
		}
		return nil
	}
	return printQueue(o.app.out, rows)
}

// printQueue prints queue rows as a table.
func printQueue(w io.Writer, rows []projections.QueueRow) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ATOM\tSTATE\tBINARY\tATTEMPTS\tDRONE\tLAST FAILURE")
	for _, r := range rows {
		binary := "missing"
		if r.Binary {
			binary = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n",
			termsafe.Line(r.Atom), r.State, binary, strconv.FormatUint(uint64(r.Attempts), 10),
			termsafe.Line(orDash(r.Drone)), termsafe.Line(orDash(r.LastFailure)))
	}
	return tw.Flush()
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manDate is the date in every page's header. It is fixed so that
// regenerating the pages changes nothing unless the commands do (the
// committed pages are checked for drift).
var manDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// genManTree writes a page for root and each of its commands into dir with
// cobra's doc package and returns how many it wrote.
func genManTree(root *cobra.Command, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	root.DisableAutoGenTag = true
	hdr := &doc.GenManHeader{Section: "1", Date: &manDate, Source: "swarm", Manual: "swarm manual"}
	if err := doc.GenManTree(root, hdr, dir); err != nil {
		return 0, fmt.Errorf("generate man pages: %w", err)
	}
	return countCommands(root), nil
}

// countCommands counts root and its available, non-help descendants: the
// commands that get a page.
func countCommands(cmd *cobra.Command) int {
	n := 1
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() {
			n += countCommands(c)
		}
	}
	return n
}

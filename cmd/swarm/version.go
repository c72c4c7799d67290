package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is the release, set at build time:
//
//	go build -ldflags "-X main.version=1.2.3" ./cmd/swarm
var version = "dev"

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of swarm",
		Long: `Print swarm's version (set at build time), the Go version it was built
with, and the source commit when the build recorded one.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			bi, _ := debug.ReadBuildInfo()
			printVersion(a.out, bi)
			return nil
		},
	}
}

// printVersion prints the version lines; bi may be nil.
func printVersion(w io.Writer, bi *debug.BuildInfo) {
	v := version
	if v == "dev" && bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version // go install …@version
	}
	fmt.Fprintf(w, "swarm %s\n%s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi == nil {
		return
	}
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = " (" + s.Value + ")"
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" {
		fmt.Fprintf(w, "commit %s%s%s\n", rev, dirty, when)
	}
}

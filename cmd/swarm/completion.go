package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// shells are the shells `swarm completion` writes scripts for, with the
// file each is committed as under completions/.
var shells = []struct{ name, file string }{
	{"bash", "swarm.bash"},
	{"zsh", "swarm.zsh"},
	{"fish", "swarm.fish"},
	{"powershell", "swarm.ps1"},
}

func newCompletionCmd(a *app) *cobra.Command {
	names := make([]string, len(shells))
	for i, s := range shells {
		names[i] = s.name
	}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print the completion script for a shell. Load it in the current shell, or
install it where the shell looks for completions:

  bash:        source <(swarm completion bash)
               swarm completion bash > /usr/share/bash-completion/completions/swarm
  zsh:         swarm completion zsh > "${fpath[1]}/_swarm"
  fish:        swarm completion fish > ~/.config/fish/completions/swarm.fish
  powershell:  swarm completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: names,
		Args:      usageArgs(cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeCompletion(cmd.Root(), args[0], a.out)
		},
	}
}

// writeCompletion writes root's completion script for shell to w.
func writeCompletion(root *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return fmt.Errorf("completion: unknown shell %q", shell)
}

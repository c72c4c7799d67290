package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/config"
	"github.com/swarm-build/swarm/internal/termsafe"
	"github.com/swarm-build/swarm/remotes"
)

// remoteAddOptions are the inputs of `swarm remote add`.
type remoteAddOptions struct {
	app        *app
	Name, URL  string
	Role       string
	Identity   string
	Restart    string
	KnownHosts string
	Files      []string
}

func newRemoteCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remote",
		Short: "Name the hosts swarm deploys to",
		Long: `Deploy targets, stored in config.toml's [remotes.NAME] tables, like git's
remotes: every other verb (swarm deploy) names a remote, never an address.

A remote is sftp://user@host[:port]/path: the folder on the host that holds
swarm, its VERSION and, after a deploy, swarm.prev.`,
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newRemoteAddCmd(a), newRemoteListCmd(a), newRemoteRemoveCmd(a), newRemoteBootstrapCmd(a))
	return cmd
}

func newRemoteAddCmd(a *app) *cobra.Command {
	o := &remoteAddOptions{app: a}
	cmd := &cobra.Command{
		Use:   "add NAME URL",
		Short: "Add a deploy target",
		Long: `Add a remote: NAME (letters, digits, - and _; for a drone, its drone id)
and URL, sftp://user@host[:port]/path.

--role says what runs there: drone (the default), orchestrator (deployed
before every drone) or binhost. --identity names the private key to log in
with (default: the SSH agent). --restart is the command run on the host after
a deploy, over SSH; it must stop swarm as SIGTERM does (so a drone finishes
its builds) and start the new one, as 'rc-service swarm-drone restart' does.
--known-hosts names the file the host's key is checked against (default:
~/.ssh/known_hosts). --file names a local file deployed with the release,
beside swarm under its own name and with its mode (repeatable).

A name already in use is refused (exit 1) and nothing is written.`,
		Example: `  swarm remote add build-01 sftp://swarm@build-01.lan/var/lib/swarm/bin \
      --restart 'rc-service swarm-drone restart'
  swarm remote add farm sftp://root@farm:2222/opt/swarm --role orchestrator`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name, o.URL = args[0], args[1]
			if !slices.Contains([]string{config.RoleDrone, config.RoleOrchestrator, config.RoleBinhost}, o.Role) {
				return usageErrorf(cmd, "--role %q: must be drone, orchestrator or binhost", o.Role)
			}
			return runRemoteAdd(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Role, "role", config.RoleDrone, "what runs there: drone, orchestrator or binhost")
	f.StringVar(&o.Identity, "identity", "", "private key `FILE` to log in with (default: the SSH agent)")
	f.StringVar(&o.Restart, "restart", "", "`CMD` run on the host after a deploy")
	f.StringArrayVar(&o.Files, "file", nil, "a local `FILE` deployed beside swarm under its name (repeatable)")
	f.StringVar(&o.KnownHosts, "known-hosts", "", "known_hosts `FILE` for its key (default: ~/.ssh/known_hosts)")
	return cmd
}

func runRemoteAdd(o *remoteAddOptions) error {
	if _, err := remotes.ParseURL(o.URL); err != nil {
		return fmt.Errorf("remote add: %w", err)
	}
	files := []*string{&o.Identity, &o.KnownHosts}
	for i := range o.Files {
		files = append(files, &o.Files[i])
	}
	for _, p := range files {
		if *p != "" {
			abs, err := filepath.Abs(*p) // config.toml is read from elsewhere
			if err != nil {
				return fmt.Errorf("remote add: %w", err)
			}
			*p = abs
		}
	}
	err := editConfig(o.app, "swarm remote add "+o.Name, func(data []byte, cfg config.Config) ([]byte, error) {
		if !validDroneID.MatchString(o.Name) {
			return nil, fmt.Errorf("%q is not a remote name: use 1 to 64 letters, digits, - and _", o.Name)
		}
		if r, ok := cfg.Remotes[o.Name]; ok {
			return nil, fmt.Errorf("remote %q already exists (%s); 'swarm remote remove %s' first", o.Name, r.URL, o.Name)
		}
		prefix := "remotes." + o.Name + "."
		var err error
		for _, kv := range [][2]string{{"url", o.URL}, {"role", o.Role}, {"identity", o.Identity},
			{"restart", o.Restart}, {"known_hosts", o.KnownHosts}} {
			if kv[1] == "" && kv[0] != "url" {
				continue
			}
			if data, err = config.Set(data, prefix+kv[0], config.TOMLValue(kv[1])); err != nil {
				return nil, err
			}
		}
		if len(o.Files) > 0 {
			return config.Set(data, prefix+"files", config.TOMLValue(o.Files))
		}
		return data, nil
	})
	if err != nil {
		return fmt.Errorf("remote add: %w", err)
	}
	fmt.Fprintf(o.app.errOut, "Added remote %s (%s).\n", o.Name, termsafe.Line(o.URL))
	return nil
}

func newRemoteRemoveCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a deploy target",
		Long: `Delete a remote's [remotes.NAME] table from config.toml. Nothing on the host
changes. A name that is not a remote is refused (exit 1).`,
		Example: "  swarm remote remove build-01",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			err := editConfig(a, "swarm remote remove "+args[0], func(data []byte, cfg config.Config) ([]byte, error) {
				if _, ok := cfg.Remotes[name]; !ok || !validDroneID.MatchString(name) {
					return nil, fmt.Errorf("no remote %q (see swarm remote list)", name)
				}
				return config.Delete(data, "remotes."+name)
			})
			if err != nil {
				return fmt.Errorf("remote remove: %w", err)
			}
			fmt.Fprintf(a.errOut, "Removed remote %s.\n", name)
			return nil
		},
	}
}

// remoteJSON is one remote in `remote list --json`.
type remoteJSON struct {
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Role     string   `json:"role"`
	Identity string   `json:"identity,omitempty"`
	Restart  string   `json:"restart,omitempty"`
	Files    []string `json:"files,omitempty"`
}

func newRemoteListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the deploy targets",
		Long:    "List the remotes: name, role, URL and restart command. --json prints an array of objects with name, url, role, identity, restart and files.",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, cfg, err := a.stateConfig()
			if err != nil {
				return err
			}
			list := make([]remoteJSON, 0, len(cfg.Remotes))
			for _, name := range slices.Sorted(maps.Keys(cfg.Remotes)) {
				r, err := remotes.FromConfig(name, cfg.Remotes[name])
				if err != nil {
					return err
				}
				list = append(list, remoteJSON{name, cfg.Remotes[name].URL, r.Role, r.Identity, r.Restart, r.Files})
			}
			if asJSON {
				return json.NewEncoder(a.out).Encode(list)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			for _, r := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", termsafe.Line(r.Name), r.Role, termsafe.Line(r.URL), termsafe.Line(r.Restart))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

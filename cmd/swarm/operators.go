package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/config"
)

// operatorOptions are the inputs of `swarm operators add/remove`.
type operatorOptions struct {
	app      *app
	Name     string
	ReadOnly bool
}

func newOperatorsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "operators",
		Short: "Admit who may read the orchestrator's views over HTTP",
		Long: `Operator tokens. When 'swarm serve' listens beyond loopback (say on
0.0.0.0 or a LAN address), its read views /v1/status, /v1/queue and
/v1/drones answer only requests with an operator's token:

  curl -H "Authorization: Bearer $T" http://farm:8093/v1/status

On loopback they stay open: whoever can reach them there can read the state
folder too. /v1/health stays open everywhere, for load balancers; it says
only whether the server is ready. Drone tokens do not open the views.

'operators add' writes an [operators.NAME] table to config.toml and prints
the token once; 'operators remove' deletes it. A running orchestrator picks
the change up by itself.`,
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newOperatorsAddCmd(a), newOperatorsRemoveCmd(a))
	return cmd
}

func newOperatorsAddCmd(a *app) *cobra.Command {
	o := &operatorOptions{app: a}
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Admit an operator and print their token once",
		Long: `Admit an operator: write an [operators.NAME] table to config.toml and print
the new bearer token on stdout, alone, so that T=$(swarm operators add NAME)
captures it. config.toml keeps only the token's SHA-256; a lost token is
replaced by removing the operator and adding them again.

NAME is 1 to 64 letters, digits, - and _. --read-only gives the role
"read-only" instead of "operator"; both read every view. A NAME already
admitted is refused (exit 1) and nothing is written.`,
		Example: `  T=$(swarm operators add alice)
  T=$(swarm operators add grafana --read-only)`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			o.Name = args[0]
			return runOperatorsAdd(o)
		},
	}
	cmd.Flags().BoolVar(&o.ReadOnly, "read-only", false, `give the token the role "read-only"`)
	return cmd
}

func newOperatorsRemoveCmd(a *app) *cobra.Command {
	o := &operatorOptions{app: a}
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Revoke an operator's token",
		Long: `Revoke an operator: delete the [operators.NAME] table, and with it the token
hash, from config.toml. A running orchestrator refuses the token from then
on. A NAME that is not admitted is refused (exit 1) and nothing is written.`,
		Example: "  swarm operators remove alice",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			o.Name = args[0]
			return runOperatorsRemove(o)
		},
	}
}

func runOperatorsAdd(o *operatorOptions) error {
	token, err := newToken()
	if err != nil {
		return fmt.Errorf("operators add: %w", err)
	}
	role := config.RoleOperator
	if o.ReadOnly {
		role = config.RoleReadOnly
	}
	err = editConfig(o.app, "swarm operators add "+o.Name, func(data []byte, cfg config.Config) ([]byte, error) {
		if err := checkOperatorName(o.Name); err != nil {
			return nil, err
		}
		if _, ok := cfg.Operators[o.Name]; ok {
			return nil, fmt.Errorf("operator %q is already admitted; to give them a new token, "+
				"run 'swarm operators remove %s' first", o.Name, o.Name)
		}
		prefix := "operators." + o.Name + "."
		if data, err = config.Set(data, prefix+"token_sha256", config.TOMLValue(config.TokenHash(token))); err != nil {
			return nil, err
		}
		return config.Set(data, prefix+"role", config.TOMLValue(role))
	})
	if err != nil {
		return fmt.Errorf("operators add: %w", err)
	}
	fmt.Fprintln(o.app.out, token)
	fmt.Fprintf(o.app.errOut, "Admitted operator %s (%s). Their token (on stdout) is shown only this once.\n", o.Name, role)
	return nil
}

func runOperatorsRemove(o *operatorOptions) error {
	err := editConfig(o.app, "swarm operators remove "+o.Name, func(data []byte, cfg config.Config) ([]byte, error) {
		if err := checkOperatorName(o.Name); err != nil {
			return nil, err
		}
		if _, ok := cfg.Operators[o.Name]; !ok {
			return nil, fmt.Errorf("no operator %q is admitted (see swarm config get operators)", o.Name)
		}
		return config.Delete(data, "operators."+o.Name)
	})
	if err != nil {
		return fmt.Errorf("operators remove: %w", err)
	}
	fmt.Fprintf(o.app.errOut, "Removed operator %s; their token is no longer accepted.\n", o.Name)
	return nil
}

// checkOperatorName applies the rule of [operators.NAME] (as of drone ids)
// first, for a clear message rather than a TOML key error.
func checkOperatorName(name string) error {
	if !validDroneID.MatchString(name) {
		return fmt.Errorf("%q is not an operator name: use 1 to 64 letters, digits, - and _", name)
	}
	return nil
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarm-build/swarm/binhost"
	"github.com/swarm-build/swarm/portage/gpkg"
)

// binhostOptions are the inputs of `swarm binhost key|client-config`.
type binhostOptions struct {
	app  *app
	Name string // the binrepos.conf section
	URL  string // the server's URL as clients reach it; "" = serve.json, else server.listen
}

func newBinhostCmd(a *app) *cobra.Command {
	opts := &binhostOptions{app: a}
	cmd := &cobra.Command{
		Use:   "binhost",
		Short: "The farm's binhost: its signing key and a client's settings",
		Args:  usageArgs(cobra.NoArgs),
	}
	key := &cobra.Command{
		Use:   "key",
		Short: "Print the farm's public signing key (armored)",
		Long: `Print the public half of the OpenPGP key the orchestrator signs every
promoted package with. swarm init creates the key in the binhost folder (the
private key 0600 in a 0700 folder); a farm made before that gets it now.
Drones never hold it.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := opts.key()
			if err != nil {
				return err
			}
			pub, err := binhost.PublicKey(k)
			if err != nil {
				return err
			}
			_, err = opts.app.out.Write(pub)
			return err
		},
	}
	client := &cobra.Command{
		Use:   "client-config",
		Short: "Print the binrepos.conf section and key commands for a client",
		Long: `Print, as one block to paste as root on a Gentoo client, a binrepos.conf
section for this farm (sync-uri = the server's URL + /binhost, signature
verification on) and the commands that import the farm's public key into
portage's gnupg home and trust it, so the client installs the farm's signed
packages and refuses anything else.

The server's URL is --url, else the running server's (serve.json), else
server.listen.`,
		Example: "  swarm binhost client-config --name farm --url http://builder.lan:8093 | ssh root@client sh",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runClientConfig(cmd, opts)
		},
	}
	client.Flags().StringVar(&opts.Name, "name", "swarm", "name of the binrepos.conf section")
	client.Flags().StringVar(&opts.URL, "url", "", "the server's URL as clients reach it")
	cmd.AddCommand(key, client)
	return cmd
}

// key returns the farm's signing key, creating it if the farm has none.
func (o *binhostOptions) key() (*gpkg.Key, error) {
	dir, cfg, err := o.app.stateConfig()
	if err != nil {
		return nil, err
	}
	k, _, err := binhost.EnsureKey(cfg.BinhostDir(dir), farmName(dir), time.Now())
	return k, err
}

// farmName names a farm's key after the host and folder it lives in.
func farmName(stateDir string) string {
	host, _ := os.Hostname()
	return "swarm farm " + host + ":" + filepath.Dir(stateDir)
}

func runClientConfig(cmd *cobra.Command, o *binhostOptions) error {
	if o.Name == "" || strings.ContainsAny(o.Name, "[]\n\r\t '\"$`\\/") {
		return usageErrorf(cmd, "client-config: --name %q: want a plain section name", o.Name)
	}
	dir, cfg, err := o.app.stateConfig()
	if err != nil {
		return err
	}
	url := o.URL
	if url == "" {
		if si, err := readServeInfo(filepath.Join(dir, serveFile)); err == nil {
			url = si.URL
		} else {
			url = "http://" + cfg.Server.Listen
		}
	}
	k, err := o.key()
	if err != nil {
		return err
	}
	pub, err := binhost.PublicKey(k)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(o.app.out, binhost.ClientConfig(o.Name, strings.TrimSuffix(url, "/")+"/binhost", k.Fingerprint(), pub))
	return err
}

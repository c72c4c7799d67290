package remotes

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/swarm-build/swarm/events"
)

// File is a file a bootstrap writes beside swarm, such as the drone's
// configuration with its token.
type File struct {
	Name string
	Data []byte
	Mode uint32
}

// Bootstrap installs the release on a fresh host r: the binary, files
// (written before VERSION, mode as given), VERSION last; then runs r's
// restart command, which starts swarm there, and waits for the drone to
// register with the release. Nothing is rolled back: there was nothing
// before it. The steps are events, as a deploy's.
func (d *Deployer) Bootstrap(ctx context.Context, r Remote, files []File) Result {
	if d.Check != nil {
		if err := d.Check(r); err != nil {
			return d.fail(ctx, r, oneLine(err))
		}
	}
	d.progress(r, "connecting to "+r.Addr())
	c, err := Dial(ctx, r, d.Dial)
	if err != nil {
		return d.fail(ctx, r, oneLine(err))
	}
	defer c.Close()
	if err := d.record(ctx, events.TypeDeployStarted, r, "bootstrap"); err != nil {
		return Result{Remote: r.Name, Outcome: Failed, Reason: oneLine(err)}
	}
	if err := d.bootstrapFiles(ctx, c, r, files); err != nil {
		return d.fail(ctx, r, oneLine(err))
	}
	if r.Restart == "" {
		return d.fail(ctx, r, "the remote has no restart command to start swarm with "+
			"(swarm remote remove, then add it with --restart CMD)")
	}
	if why := d.restart(ctx, c, r, d.Release.Version); why != "" {
		return d.fail(ctx, r, why)
	}
	if err := d.record(ctx, events.TypeDeployed, r, "bootstrap"); err != nil {
		return Result{Remote: r.Name, Outcome: Failed, Reason: oneLine(err)}
	}
	return Result{Remote: r.Name, Outcome: Updated}
}

// bootstrapFiles writes files, then installs the release (VERSION last).
func (d *Deployer) bootstrapFiles(ctx context.Context, c *Conn, r Remote, files []File) error {
	for _, f := range files {
		d.progress(r, "writing "+f.Name)
		sum := sha256.Sum256(f.Data)
		if err := c.Put(ctx, f.Name, bytes.NewReader(f.Data), fileMode(f.Mode), hex.EncodeToString(sum[:])); err != nil {
			return fmt.Errorf("writing %s: %w", f.Name, err)
		}
	}
	return d.install(ctx, c, r, "bootstrap")
}

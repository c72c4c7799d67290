package drone

import (
	"fmt"
	"strings"
)

// AtomPlaceholder is replaced by the package in every argument of the build
// command, wherever it appears in the argument: "={atom}" becomes
// "=sys-devel/llvm-19.1.7".
const AtomPlaceholder = "{atom}"

// ExpandCommand returns the argv that builds atom from the orchestrator's
// template. The atom only ever lands inside the arguments that name it: it
// is never split, quoted or handed to a shell, so no package text (and no
// retry metadata) can change the shape of the command. The template is not
// modified.
func ExpandCommand(template []string, atom string) ([]string, error) {
	if len(template) == 0 || template[0] == "" {
		return nil, fmt.Errorf("%w: empty argv (set build.command in the farm's config.toml)", ErrBadCommand)
	}
	argv := make([]string, len(template))
	for i, arg := range template {
		argv[i] = strings.ReplaceAll(arg, AtomPlaceholder, atom)
	}
	return argv, nil
}

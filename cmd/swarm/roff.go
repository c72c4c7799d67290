package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Man pages are written here as roff directly rather than through
// cobra/doc, which needs a markdown renderer (go-md2man) that the module
// does not otherwise depend on. The pages are deterministic: the date in
// the header is fixed, so regenerating them changes nothing unless a
// command's text does.

// manDate is the date in every page's header.
const manDate = "2026-01-01"

// manPageName is the file name of cmd's page: swarm-config-get.1.
func manPageName(cmd *cobra.Command) string {
	return strings.ReplaceAll(cmd.CommandPath(), " ", "-") + ".1"
}

// manCommands lists cmd and every command below it that gets a page.
func manCommands(cmd *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{cmd}
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() && c.Name() != "help" {
			out = append(out, manCommands(c)...)
		}
	}
	return out
}

// genManTree writes a page for root and each of its commands into dir and
// returns how many it wrote.
func genManTree(root *cobra.Command, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	cmds := manCommands(root)
	for _, c := range cmds {
		c.InitDefaultHelpFlag() // as cobra adds it to a command it runs
		var b bytes.Buffer
		genManPage(c, &b)
		if err := os.WriteFile(filepath.Join(dir, manPageName(c)), b.Bytes(), 0o644); err != nil {
			return 0, err
		}
	}
	return len(cmds), nil
}

// genManPage writes cmd's page to w.
func genManPage(cmd *cobra.Command, w io.Writer) {
	name := strings.TrimSuffix(manPageName(cmd), ".1")
	fmt.Fprintf(w, ".TH %q \"1\" %q \"swarm\" \"swarm manual\"\n", strings.ToUpper(name), manDate)
	fmt.Fprintf(w, ".SH NAME\n%s \\- %s\n", roffEscape(name), roffEscape(cmd.Short))
	fmt.Fprintf(w, ".SH SYNOPSIS\n.B %s\n", roffEscape(cmd.UseLine()))
	long := cmd.Long
	if long == "" {
		long = cmd.Short
	}
	fmt.Fprint(w, ".SH DESCRIPTION\n"+roffText(long))
	manFlags(w, "OPTIONS", cmd.NonInheritedFlags())
	manFlags(w, "OPTIONS INHERITED FROM PARENT COMMANDS", cmd.InheritedFlags())
	if cmd.Example != "" {
		fmt.Fprint(w, ".SH EXAMPLES\n.PP\n.RS\n.nf\n"+roffLines(cmd.Example)+".fi\n.RE\n")
	}
	manSeeAlso(w, cmd)
}

// manFlags writes a section listing the flags in fs.
func manFlags(w io.Writer, title string, fs *pflag.FlagSet) {
	if !fs.HasAvailableFlags() {
		return
	}
	fmt.Fprintf(w, ".SH %s\n", title)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		varname, usage := pflag.UnquoteUsage(f)
		head := `\fB\-\-` + roffEscape(f.Name) + `\fP`
		if f.Shorthand != "" {
			head = `\fB\-` + f.Shorthand + `\fP, ` + head
		}
		if varname != "" {
			head += `=\fI` + roffEscape(varname) + `\fP`
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, ".TP\n%s\n%s\n", head, roffEscapeLine(usage))
	})
}

// manSeeAlso writes references to the parent's page and the children's.
func manSeeAlso(w io.Writer, cmd *cobra.Command) {
	var refs []string
	if cmd.HasParent() {
		refs = append(refs, strings.TrimSuffix(manPageName(cmd.Parent()), ".1"))
	}
	for _, c := range manCommands(cmd)[1:] {
		if c.Parent() == cmd {
			refs = append(refs, strings.TrimSuffix(manPageName(c), ".1"))
		}
	}
	if len(refs) == 0 {
		return
	}
	fmt.Fprint(w, ".SH SEE ALSO\n")
	for i, r := range refs {
		sep := ","
		if i == len(refs)-1 {
			sep = ""
		}
		fmt.Fprintf(w, ".BR %s (1)%s\n", roffEscape(r), sep)
	}
}

// roffText turns help text into roff: blank lines start paragraphs, and
// runs of indented lines are kept as they are, indented.
func roffText(text string) string {
	var b strings.Builder
	b.WriteString(".PP\n")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.TrimSpace(line) == "":
			b.WriteString(".PP\n")
		case line[0] == ' ' || line[0] == '\t':
			j := i
			for j+1 < len(lines) && strings.HasPrefix(lines[j+1], " ") {
				j++
			}
			b.WriteString(".RS\n.nf\n" + roffLines(strings.Join(lines[i:j+1], "\n")) + ".fi\n.RE\n")
			i = j
		default:
			b.WriteString(roffEscapeLine(line) + "\n")
		}
	}
	return b.String()
}

// roffLines escapes preformatted lines, dropping their common indent.
func roffLines(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	var b strings.Builder
	for _, l := range lines {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		b.WriteString(roffEscapeLine(l) + "\n")
	}
	return b.String()
}

// roffEscape escapes backslashes and dashes (so options and paths print
// as typed).
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	return strings.ReplaceAll(s, "-", `\-`)
}

// roffEscapeLine escapes a line of text, including a leading . or ' that
// roff would take for a request.
func roffEscapeLine(s string) string {
	s = roffEscape(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

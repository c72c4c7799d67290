package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Env describes the machine a Report was measured on.
type Env struct {
	GoVersion  string `json:"go_version"`
	OS         string `json:"goos"`
	Arch       string `json:"goarch"`
	CPUs       int    `json:"cpus"`
	CPUModel   string `json:"cpu_model,omitempty"`
	Kernel     string `json:"kernel,omitempty"`
	Dir        string `json:"dir"`
	Filesystem string `json:"filesystem,omitempty"` // type of the filesystem holding Dir
	Device     string `json:"device,omitempty"`     // what it is mounted from
	Date       string `json:"date"`                 // RFC 3339, UTC
}

// collectEnv describes this machine and the filesystem of dir. What it
// cannot find (not Linux) stays empty.
func collectEnv(dir string) Env {
	e := Env{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), Dir: dir, Date: time.Now().UTC().Format(time.RFC3339)}
	if abs, err := filepath.Abs(dir); err == nil {
		e.Dir = abs
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			e.Dir = real
		}
	}
	e.CPUModel = cpuModel()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.Kernel = strings.TrimSpace(string(b))
	}
	e.Filesystem, e.Device = mountOf(e.Dir)
	return e
}

// cpuModel is the first "model name" (x86) or "Model"/"cpu" (arm, power)
// line of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name", "Model", "cpu":
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// mountOf returns the filesystem type and device of the mount holding path:
// the longest mount point of /proc/self/mounts that contains it.
func mountOf(path string) (fstype, device string) {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return "", ""
	}
	best := -1
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		mp := unescapeMount(f[1])
		if !within(path, mp) || len(mp) < best {
			continue
		}
		best, fstype, device = len(mp), f[2], f[0]
	}
	return fstype, device
}

// within reports whether path is mount point mp or below it.
func within(path, mp string) bool {
	if mp == "/" || path == mp {
		return true
	}
	return strings.HasPrefix(path, mp+"/")
}

// unescapeMount undoes the octal escapes (\040 for a space) of /proc/mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

package portage

import (
	"math/big"
	"regexp"
	"strings"
	"testing"
)

func mustVersion(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCompareVersionsPairs checks known tricky pairs; want is the sign of
// CompareVersions(a, b).
func TestCompareVersionsPairs(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		// PMS 3.3 prose and the uniqueness rule of 3.4.
		{"2.10", "2.9", 1},
		{"2.9", "1.500", 1},
		{"1.0.0", "1.0", 1},
		{"1.0.0_alpha", "1.0", 1},
		{"1.0.2", "1.0.2-r0", 0},
		{"1.0.2", "1.000.2", 0},
		{"1.0.2-r0", "1.000.2", 0},
		// Letters.
		{"1.0", "1.0a", -1},
		{"1.0a", "1.0b", -1},
		{"1.0z", "1.0.1", -1}, // more components beat any letter
		{"12.2.5", "12.2b", 1},
		// Leading zeros: a decimal fraction, compared as a string without trailing zeros.
		{"1.01", "1.1", -1},
		{"1.010", "1.01", 0},
		{"1.09", "1.1", -1},
		{"1.1", "1.010", 1},
		{"1.10", "1.010", 1},
		{"1.0", "1.00", 0},
		{"1.0", "1.000", 0},
		{"1.001", "1.01", -1},
		{"1.02", "1.0200", 0},
		{"0.9", "0.10", -1}, // no leading zero: integers
		{"01", "1", 0},      // the first component is always an integer
		{"010", "9", 1},     // …even with a leading zero
		{"1.2.03", "1.2.3", -1},
		{"5.022.0", "5.0220.0", 0}, // strip trailing zeros: 022 and 0220 are one fraction
		{"5.022.0", "5.22.0", -1},
		// Suffixes.
		{"1.0_alpha", "1.0", -1},
		{"1.0_alpha", "1.0_beta", -1},
		{"1.0_beta", "1.0_pre", -1},
		{"1.0_pre", "1.0_rc", -1},
		{"1.0_rc", "1.0", -1},
		{"1.0", "1.0_p", -1},
		{"1.0_p1", "1.0", 1},
		{"1.0_p", "1.0_p0", 0},
		{"1.0_rc1", "1.0_rc2", -1},
		{"1.0_rc10", "1.0_rc9", 1},
		{"1.0_alpha1", "1.0_alpha01", 0},
		{"1_pre1", "1_pre1_p2", -1},
		{"1_pre1_p2", "1_pre2", -1},
		{"1_pre2", "1", -1},
		{"1", "1_p1", -1},
		{"1_p1", "1_p1_p1", -1},
		{"1_p1_alpha", "1_p1", -1},
		{"1_p1_alpha", "1_p0", 1},
		{"1_rc_p", "1_rc", 1},
		{"1_rc_p", "1", -1},
		{"1_alpha_alpha", "1_alpha", -1},
		{"1.0a_alpha", "1.0", 1}, // the letter decides before suffixes
		// Revisions.
		{"1.0-r1", "1.0", 1},
		{"1.0-r0", "1.0", 0},
		{"1.0-r2", "1.0-r10", -1},
		{"1.0-r01", "1.0-r1", 0},
		{"1.0_p1", "1.0-r9", 1}, // suffixes decide before revisions
		// Beyond 64 bits.
		{"18446744073709551616", "18446744073709551615", 1},
		{"1.18446744073709551616", "1.18446744073709551615", 1},
		{"1_p99999999999999999999", "1_p100000000000000000000", -1},
		{"1-r99999999999999999999", "1-r099999999999999999999", 0},
	}
	for _, tt := range tests {
		a, b := mustVersion(t, tt.a), mustVersion(t, tt.b)
		if got := CompareVersions(a, b); got != tt.want {
			t.Errorf("CompareVersions(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareVersions(b, a); got != -tt.want {
			t.Errorf("CompareVersions(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
		if got := portageVercmp(tt.a, tt.b); got != tt.want {
			t.Errorf("reference vercmp(%s, %s) = %d, want %d (test oracle disagrees)", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCompareVersionsChain checks a long strictly increasing sequence, every
// pair of it, so the order is checked as a whole and not just neighbours.
func TestCompareVersionsChain(t *testing.T) {
	chain := strings.Fields(`
		0 0.0.1 0.01 0.09 0.1 0.9 0.10
		1_alpha 1_alpha1 1_alpha2_p 1_alpha2_p1 1_alpha10 1_beta 1_pre 1_pre1 1_pre1_p2 1_pre2 1_rc
		1_rc1-r1 1 1-r1 1-r2 1_p 1_p0_p1 1_p1 1a 1b_alpha 1b 1z
		1.0_alpha 1.0 1.0-r7 1.0a 1.0.0 1.0.0.0 1.01 1.010.0 1.1_alpha 1.1 1.2 1.10
		2 2.9 2.10 10`)
	vs := make([]Version, len(chain))
	for i, s := range chain {
		vs[i] = mustVersion(t, s)
	}
	for i := range vs {
		for j := range vs {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := CompareVersions(vs[i], vs[j]); got != want {
				t.Errorf("CompareVersions(%s, %s) = %d, want %d", chain[i], chain[j], got, want)
			}
		}
	}
}

// portageVercmp is an independent oracle: a port of portage's vercmp
// (lib/portage/versions.py), a different algorithm (numbers and letter in
// one list, missing components as -1, leading-zero components padded to a
// common length) that must agree with the PMS one everywhere.
func portageVercmp(a, b string) int {
	ma, mb := vercmpRE.FindStringSubmatch(a), vercmpRE.FindStringSubmatch(b)
	if ma == nil || mb == nil {
		panic("portageVercmp: bad version " + a + " or " + b)
	}
	la, lb := vercmpNumbers(ma, mb)
	for i := 0; i < len(la) || i < len(lb); i++ {
		switch {
		case i >= len(la):
			return -1
		case i >= len(lb):
			return 1
		case la[i].Cmp(lb[i]) != 0:
			return la[i].Cmp(lb[i])
		}
	}
	if c := vercmpSuffixes(ma[5], mb[5]); c != 0 {
		return c
	}
	return bigInt(ma[9]).Cmp(bigInt(mb[9]))
}

var vercmpRE = regexp.MustCompile(`^(\d+)((\.\d+)*)([a-z]?)((_(pre|p|beta|alpha|rc)\d*)*)(-r(\d+))?$`)

func vercmpNumbers(ma, mb []string) (la, lb []*big.Int) {
	la, lb = []*big.Int{bigInt(ma[1])}, []*big.Int{bigInt(mb[1])}
	if ma[2] != "" || mb[2] != "" {
		va, vb := strings.Split(ma[2], ".")[1:], strings.Split(mb[2], ".")[1:]
		for i := 0; i < len(va) || i < len(vb); i++ {
			switch {
			case i >= len(va):
				la, lb = append(la, big.NewInt(-1)), append(lb, bigInt(vb[i]))
			case i >= len(vb):
				la, lb = append(la, bigInt(va[i])), append(lb, big.NewInt(-1))
			case va[i][0] != '0' && vb[i][0] != '0':
				la, lb = append(la, bigInt(va[i])), append(lb, bigInt(vb[i]))
			default:
				n := max(len(va[i]), len(vb[i]))
				pad := func(s string) string { return s + strings.Repeat("0", n-len(s)) }
				la, lb = append(la, bigInt(pad(va[i]))), append(lb, bigInt(pad(vb[i])))
			}
		}
	}
	if ma[4] != "" {
		la = append(la, big.NewInt(int64(ma[4][0])))
	}
	if mb[4] != "" {
		lb = append(lb, big.NewInt(int64(mb[4][0])))
	}
	return la, lb
}

func vercmpSuffixes(a, b string) int {
	value := map[string]int{"pre": -2, "p": 0, "alpha": -4, "beta": -3, "rc": -1}
	sa, sb := strings.Split(a, "_")[1:], strings.Split(b, "_")[1:]
	split := func(s string) (string, string) {
		i := strings.IndexAny(s, "0123456789")
		if i < 0 {
			return s, ""
		}
		return s[:i], s[i:]
	}
	for i := 0; i < len(sa) || i < len(sb); i++ {
		na, ia, nb, ib := "p", "-1", "p", "-1" // an implicit _p-1 sorts below _p0
		if i < len(sa) {
			na, ia = split(sa[i])
		}
		if i < len(sb) {
			nb, ib = split(sb[i])
		}
		if na != nb {
			return compareInt(value[na], value[nb])
		}
		if c := bigInt(ia).Cmp(bigInt(ib)); c != 0 {
			return c
		}
	}
	return 0
}

func compareInt(a, b int) int {
	return big.NewInt(int64(a)).Cmp(big.NewInt(int64(b)))
}

func bigInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return new(big.Int) // "" counts as 0
	}
	return n
}

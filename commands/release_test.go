package commands

import "testing"

func TestCompareReleases(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		c    int
		ok   bool
	}{
		{"1.2.3", "1.2.3", 0, true},
		{"1.2.3", "1.2.4", -1, true},
		{"v1.10.0", "1.9.9", 1, true},
		{"2", "1.99", 1, true},
		{"1.2.3-rc1", "1.2.3", -1, true},
		{"1.2.3", "1.2.3-rc1", 1, true},
		{"1.2.3+abc", "1.2.3", 0, true},
		{"dev", "1.0.0", 0, false},
		{"dev", "dev", 0, true},
		{"1.2.3.4", "1.2.3", 0, false},
	} {
		c, ok := CompareReleases(tc.a, tc.b)
		if c != tc.c || ok != tc.ok {
			t.Errorf("CompareReleases(%q, %q) = %d, %v; want %d, %v", tc.a, tc.b, c, ok, tc.c, tc.ok)
		}
	}
}

func TestCheckDroneRelease(t *testing.T) {
	if err := CheckDroneRelease("1.3.0", "1.2.0"); err == nil {
		t.Error("a drone newer than its orchestrator was allowed")
	}
	for _, pair := range [][2]string{{"1.2.0", "1.2.0"}, {"1.1.0", "1.2.0"}, {"dev", "1.2.0"}} {
		if err := CheckDroneRelease(pair[0], pair[1]); err != nil {
			t.Errorf("CheckDroneRelease(%q, %q) = %v", pair[0], pair[1], err)
		}
	}
}

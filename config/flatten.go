package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Flatten lists every setting of cfg as "key=value": the dotted key as
// `swarm config get` takes it, the value as TOML text (defaults included),
// sorted by key. Secrets (token hashes) are redacted to a short digest, so
// that a change to one still shows without the value.
func Flatten(cfg Config) []string {
	var out []string
	flatten(nil, reflect.ValueOf(cfg), &out)
	slices.Sort(out)
	return out
}

func flatten(path []string, v reflect.Value, out *[]string) {
	switch {
	case v.Kind() == reflect.Map && isTable(v.Type().Elem()):
		for _, k := range sortedKeys(mapKeys(v)) {
			flatten(append(path[:len(path):len(path)], k), v.MapIndex(reflect.ValueOf(k)), out)
		}
	case v.Kind() == reflect.Map:
		for _, k := range sortedKeys(mapKeys(v)) {
			leaf(append(path[:len(path):len(path)], k), v.MapIndex(reflect.ValueOf(k)), out)
		}
	case isTable(v.Type()):
		for i := range v.NumField() {
			flatten(append(path[:len(path):len(path)], tomlName(v.Type().Field(i))), v.Field(i), out)
		}
	default:
		leaf(path, v, out)
	}
}

func leaf(path []string, v reflect.Value, out *[]string) {
	text := format(v)
	if Secret(path[len(path)-1]) {
		text = Redact(text)
	}
	*out = append(*out, joinKey(path)+"="+text)
}

// Secret reports whether a setting named name (its last key part) holds a
// secret, which is never written anywhere but config.toml.
func Secret(name string) bool {
	name = strings.ToLower(name)
	return strings.Contains(name, "token") || strings.Contains(name, "secret") || strings.Contains(name, "password")
}

// Redact stands for a secret's TOML text: a short digest of it, which
// tells a change without telling the value.
func Redact(text string) string {
	if text == `""` {
		return text
	}
	sum := sha256.Sum256([]byte(text))
	return `"(redacted ` + hex.EncodeToString(sum[:4]) + `)"`
}

// Diff compares two flattened settings lists (Flatten's) and returns the
// settings that differ, "key=value" after and before, in key order. A
// key missing on one side has the value "" there.
func Diff(before, after []string) (now, was []string) {
	b, a := settingsMap(before), settingsMap(after)
	keys := map[string]struct{}{}
	for k := range b {
		keys[k] = struct{}{}
	}
	for k := range a {
		keys[k] = struct{}{}
	}
	for _, k := range sortedKeys(keys) {
		if a[k] != b[k] {
			now, was = append(now, k+"="+a[k]), append(was, k+"="+b[k])
		}
	}
	return now, was
}

func settingsMap(list []string) map[string]string {
	m := make(map[string]string, len(list))
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// DescribeChanges tells Diff's result in a line: "key old → new" for each
// of the first most settings, then how many more.
func DescribeChanges(now, was []string, most int) string {
	var parts []string
	for i, kv := range now {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(now)-most))
			break
		}
		k, v, _ := strings.Cut(kv, "=")
		old := ""
		if i < len(was) {
			_, old, _ = strings.Cut(was[i], "=")
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", k, orUnset(old), orUnset(v)))
	}
	return strings.Join(parts, ", ")
}

func orUnset(v string) string {
	if v == "" {
		return "(unset)"
	}
	return v
}

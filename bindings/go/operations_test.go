package authingmfa_test

// The binding checked against the library's own list of operations
// (authingmfa.Operations, from authing_mfa_operations), so that an
// operation the library gains but *Client lacks fails here (issue #11).

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
)

// methodFor lists the operations whose method the naming rule (the JS name
// with its first letter in upper case) does not find, each with the
// reason. An entry for a name the library does not list fails too, so the
// table cannot go stale.
var methodFor = map[string]string{
	// The JS SDK misspells associate (assosicate…); Go spells it right.
	"assosicateMfaAuthenticator":        "AssociateMfaAuthenticator",
	"confirmAssosicateMfaAuthenticator": "ConfirmAssociateMfaAuthenticator",
	// Go style writes initialisms in capitals.
	"associateFaceByUrl": "AssociateFaceByURL",
	// One C function (authing_mfa_associate_face_by_files) runs both: a
	// native program has files, not browser blobs. The method is named
	// after what it takes.
	"associateFaceByLocalFile": "AssociateFaceByFiles",
	"associateFaceByBlob":      "AssociateFaceByFiles",
}

var (
	clientType  = reflect.TypeFor[*authingmfa.Client]()
	contextType = reflect.TypeFor[context.Context]()
)

// methodName is the *Client method the binding should have for operation js.
func methodName(js string, mapping map[string]string) string {
	if m, ok := mapping[js]; ok {
		return m
	}
	if js == "" {
		return ""
	}
	return strings.ToUpper(js[:1]) + js[1:]
}

// paramKeys gives the JSON keys a params struct can set (its fields' json
// tags, embedded structs included), and problems with its tags.
func paramKeys(t reflect.Type, label string) (keys []string, problems []string) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, []string{fmt.Sprintf("%s takes %s, not a params struct", label, t)}
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, tagged := f.Tag.Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case name == "-" && opts == "":
			continue
		case f.Anonymous && !tagged:
			inner, more := paramKeys(f.Type, label)
			keys, problems = append(keys, inner...), append(problems, more...)
			continue
		case !f.IsExported():
			continue
		case name == "":
			// encoding/json would send the Go field name.
			problems = append(problems, fmt.Sprintf("%s: %s.%s has no JSON key in its json tag", label, t.Name(), f.Name))
			name = f.Name
		}
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			problems = append(problems, fmt.Sprintf("%s: %s.%s lacks omitempty (an empty field would be sent)", label, t.Name(), f.Name))
		}
		keys = append(keys, name)
	}
	return keys, problems
}

// checkBinding lists every way *Client falls short of ops, one line each
// naming the binding and the operation; empty when it matches.
func checkBinding(ops []authingmfa.Operation, mapping map[string]string) []string {
	var problems []string
	listed := map[string]bool{}
	for _, op := range ops {
		listed[op.Name] = true
	}
	for js := range mapping {
		if !listed[js] {
			problems = append(problems, fmt.Sprintf("Go binding: methodFor names %q, which the library does not list", js))
		}
	}
	for _, op := range ops {
		name := methodName(op.Name, mapping)
		m, ok := clientType.MethodByName(name)
		if !ok {
			problems = append(problems, fmt.Sprintf("Go binding: *Client has no method %s for operation %s", name, op.Name))
			continue
		}
		label := fmt.Sprintf("Go binding: (*Client).%s (operation %s)", name, op.Name)
		mt := m.Type // In(0) is the receiver
		if mt.NumIn() < 2 || mt.In(1) != contextType {
			problems = append(problems, fmt.Sprintf("%s does not take a context.Context first", label))
			continue
		}
		var keys []string
		switch mt.NumIn() {
		case 2: // no params: the operation must take no keys
		case 3:
			var more []string
			keys, more = paramKeys(mt.In(2), label)
			problems = append(problems, more...)
		default:
			problems = append(problems, fmt.Sprintf("%s takes %d arguments after ctx, not one params struct", label, mt.NumIn()-2))
			continue
		}
		for _, k := range op.Keys {
			if !slices.Contains(keys, k) {
				problems = append(problems, fmt.Sprintf("%s cannot set key %q", label, k))
			}
		}
		for _, k := range keys {
			if !slices.Contains(op.Keys, k) {
				problems = append(problems, fmt.Sprintf("%s has key %q, which the operation does not take", label, k))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func TestOperationsIsTheLibrarysList(t *testing.T) {
	ops, err := authingmfa.Operations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) < 13 {
		t.Fatalf("%d operations, want at least 13", len(ops))
	}
	seen := map[string]bool{}
	for _, op := range ops {
		if op.Name == "" || op.CFunction == "" || op.Aliases == nil || op.Keys == nil {
			t.Errorf("incomplete operation %+v", op)
		}
		for _, n := range append([]string{op.Name}, op.Aliases...) {
			if seen[n] {
				t.Errorf("%q listed twice", n)
			}
			seen[n] = true
		}
	}
	i := slices.IndexFunc(ops, func(op authingmfa.Operation) bool { return op.Name == "verifyTotpMfa" })
	if i < 0 {
		t.Fatal("verifyTotpMfa is not listed")
	}
	want := authingmfa.Operation{Name: "verifyTotpMfa", Aliases: []string{}, CFunction: "authing_mfa_verify_totp", Keys: []string{"totp", "mfaToken"}}
	if !reflect.DeepEqual(ops[i], want) {
		t.Errorf("verifyTotpMfa = %+v, want %+v", ops[i], want)
	}
	// A fresh slice each call.
	ops[i].Keys[0] = "changed"
	again, err := authingmfa.Operations()
	if err != nil || again[i].Keys[0] != "totp" {
		t.Errorf("Operations() shares its slices between calls: %+v, %v", again[i], err)
	}
}

func TestClientHasEveryOperationWithItsKeys(t *testing.T) {
	ops, err := authingmfa.Operations()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkBinding(ops, methodFor) {
		t.Error(p)
	}
}

// The check above can fail: an operation the binding lacks, a key it
// cannot set or does not take, and a stale mapping entry are reported.
func TestOperationCheckFails(t *testing.T) {
	ops, err := authingmfa.Operations()
	if err != nil {
		t.Fatal(err)
	}
	changed := slices.Clone(ops)
	for i, op := range changed {
		switch op.Name {
		case "verifyTotpMfa":
			changed[i].Keys = []string{"totp", "mfaToken", "newKey"}
		case "verifyFaceMfa":
			changed[i].Keys = []string{"mfaToken"}
		}
	}
	changed = append(changed, authingmfa.Operation{Name: "verifyNothingMfa", Aliases: []string{}, CFunction: "authing_mfa_verify_totp", Keys: []string{}})
	mapping := map[string]string{"associateFaceByPigeon": "AssociateFaceByFiles"}
	for k, v := range methodFor {
		mapping[k] = v
	}
	got := checkBinding(changed, mapping)
	want := []string{
		`Go binding: (*Client).VerifyFaceMfa (operation verifyFaceMfa) has key "photo", which the operation does not take`,
		`Go binding: (*Client).VerifyTotpMfa (operation verifyTotpMfa) cannot set key "newKey"`,
		`Go binding: *Client has no method VerifyNothingMfa for operation verifyNothingMfa`,
		`Go binding: methodFor names "associateFaceByPigeon", which the library does not list`,
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("checkBinding found\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

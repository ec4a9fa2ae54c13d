// Package xdrtest fills generated protocol values with pseudo-random
// contents for round-trip, differential and fuzz tests.
package xdrtest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
)

// Fill sets every exported field of the value v points to, recursively, from
// r. Strings and slices are short, and an empty slice is empty, not nil, as
// the generated decoders make it; optional (pointer) fields are set half of
// the time; unions get a valid discriminant and only the matching arm.
func Fill(v any, r *rand.Rand) {
	fill(reflect.ValueOf(v).Elem(), r, 0)
}

// typedParamArms maps the discriminant of libvirt's typed parameter union
// (remote_typed_param_value, admin_typed_param_value) to its arm's field.
var typedParamArms = map[int32]string{1: "I", 2: "Ui", 3: "L", 4: "Ul", 5: "D", 6: "B", 7: "S"}

func fill(v reflect.Value, r *rand.Rand, depth int) {
	switch v.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(r.Uint64()))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(r.Uint64())
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(r.IntN(1<<20)) / 8)
	case reflect.String:
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		v.SetString(string(b))
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(v.Index(i), r, depth+1)
		}
	case reflect.Slice:
		n := r.IntN(4)
		if depth > 6 || n == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			fill(s.Index(i), r, depth+1)
		}
		v.Set(s)
	case reflect.Pointer:
		if depth > 6 || r.IntN(2) == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), r, depth+1)
		v.Set(p)
	case reflect.Struct:
		if IsUnion(v.Type()) {
			disc := int32(1 + r.IntN(7))
			v.Field(0).SetInt(int64(disc))
			fill(v.FieldByName(typedParamArms[disc]), r, depth+1)
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), r, depth+1)
			}
		}
	}
}

// IsUnion reports whether t is a generated union type.
func IsUnion(t reflect.Type) bool { return t.Name() == "TypedParamValue" }

// PlainXDR reports whether t can be expressed by a reflection-based XDR
// codec that knows no optional data and no unions (github.com/davecgh/go-xdr).
func PlainXDR(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer:
		return false
	case reflect.Struct:
		if IsUnion(t) {
			return false
		}
		for i := 0; i < t.NumField(); i++ {
			if !PlainXDR(t.Field(i).Type) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		return PlainXDR(t.Elem())
	}
	return true
}

// WalkSlices calls f with the path and value of every slice reachable from
// v through exported fields, elements and non-nil pointers: for checks
// that decoded lists are empty rather than nil.
func WalkSlices(v reflect.Value, path string, f func(path string, s reflect.Value)) {
	switch v.Kind() {
	case reflect.Slice:
		f(path, v)
		for i := range v.Len() {
			WalkSlices(v.Index(i), fmt.Sprintf("%s[%d]", path, i), f)
		}
	case reflect.Array:
		for i := range v.Len() {
			WalkSlices(v.Index(i), fmt.Sprintf("%s[%d]", path, i), f)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			WalkSlices(v.Elem(), path, f)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				WalkSlices(v.Field(i), path+"."+v.Type().Field(i).Name, f)
			}
		}
	}
}

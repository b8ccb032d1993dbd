package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// ValueType is the type code of a metadata value.
type ValueType uint32

// Metadata value type codes, as numbered by the GGUF specification.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

// String names the type as the specification does.
func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// size is the encoded size of a fixed-size type, or the minimum encoded
// size of a string (its length) or an array (element type and count).
func (t ValueType) size() (n uint64, ok bool) {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1, true
	case TypeUint16, TypeInt16:
		return 2, true
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4, true
	case TypeUint64, TypeInt64, TypeFloat64, TypeString:
		return 8, true
	case TypeArray:
		return 12, true
	}
	return 0, false
}

// KV is one metadata key/value pair.
type KV struct {
	// Key is the dotted key, such as "general.architecture".
	Key string
	// Value is the decoded value.
	Value Value
}

// Value is a decoded metadata value: a scalar, a string or an array.
type Value struct {
	// Type is the value's type code.
	Type ValueType
	// ElemType is the element type code when Type is TypeArray.
	ElemType ValueType
	// v holds uint8…float64, bool or string for scalars, and a slice of
	// those ([]uint8 … []string) or []Value (nested arrays) for arrays.
	v any
}

// Any returns the value as a Go value: a number, bool or string for
// scalars and a slice ([]uint32, []string, []Value for nested arrays…) for arrays.
func (v Value) Any() any { return v.v }

// Uint returns an integer value that is not negative as a uint64.
func (v Value) Uint() (uint64, bool) {
	switch x := v.v.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	case int8, int16, int32, int64:
		i, _ := v.Int()
		if i < 0 {
			return 0, false
		}
		return uint64(i), true
	}
	return 0, false
}

// Int returns an integer value that fits as an int64.
func (v Value) Int() (int64, bool) {
	switch x := v.v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}

// Float returns a numeric value as a float64.
func (v Value) Float() (float64, bool) {
	switch x := v.v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	if i, ok := v.Int(); ok {
		return float64(i), true
	}
	if u, ok := v.Uint(); ok {
		return float64(u), true
	}
	return 0, false
}

// Bool returns a bool value.
func (v Value) Bool() (bool, bool) {
	b, ok := v.v.(bool)
	return b, ok
}

// Text returns a string value.
func (v Value) Text() (string, bool) {
	s, ok := v.v.(string)
	return s, ok
}

// Len is the element count of an array value, or 0 for a scalar.
func (v Value) Len() int {
	switch x := v.v.(type) {
	case []uint8:
		return len(x)
	case []int8:
		return len(x)
	case []uint16:
		return len(x)
	case []int16:
		return len(x)
	case []uint32:
		return len(x)
	case []int32:
		return len(x)
	case []uint64:
		return len(x)
	case []int64:
		return len(x)
	case []float32:
		return len(x)
	case []float64:
		return len(x)
	case []bool:
		return len(x)
	case []string:
		return len(x)
	case []Value:
		return len(x)
	}
	return 0
}

// Strings returns an array of strings.
func (v Value) Strings() ([]string, bool) {
	s, ok := v.v.([]string)
	return s, ok
}

// Floats returns an array of numbers (floats or integers) as float64s.
func (v Value) Floats() ([]float64, bool) {
	switch x := v.v.(type) {
	case []float32:
		return convert(x, func(e float32) float64 { return float64(e) }), true
	case []float64:
		return convert(x, func(e float64) float64 { return e }), true
	}
	if ints, ok := v.Ints(); ok {
		return convert(ints, func(e int64) float64 { return float64(e) }), true
	}
	return nil, false
}

// Ints returns an array of integers as int64s; uint64 elements above
// math.MaxInt64 make it fail.
func (v Value) Ints() ([]int64, bool) {
	switch x := v.v.(type) {
	case []uint8:
		return convert(x, func(e uint8) int64 { return int64(e) }), true
	case []int8:
		return convert(x, func(e int8) int64 { return int64(e) }), true
	case []uint16:
		return convert(x, func(e uint16) int64 { return int64(e) }), true
	case []int16:
		return convert(x, func(e int16) int64 { return int64(e) }), true
	case []uint32:
		return convert(x, func(e uint32) int64 { return int64(e) }), true
	case []int32:
		return convert(x, func(e int32) int64 { return int64(e) }), true
	case []int64:
		return convert(x, func(e int64) int64 { return e }), true
	case []uint64:
		for _, e := range x {
			if e > math.MaxInt64 {
				return nil, false
			}
		}
		return convert(x, func(e uint64) int64 { return int64(e) }), true
	}
	return nil, false
}

func convert[E, F any](s []E, f func(E) F) []F {
	out := make([]F, len(s))
	for i, e := range s {
		out[i] = f(e)
	}
	return out
}

// String formats the value for people, eliding long arrays.
func (v Value) String() string {
	if v.Type != TypeArray {
		if s, ok := v.v.(string); ok {
			return fmt.Sprintf("%q", s)
		}
		return fmt.Sprint(v.v)
	}
	n := v.Len()
	var b strings.Builder
	fmt.Fprintf(&b, "[%d×%s", n, v.ElemType)
	if n > 0 {
		b.WriteString(": ")
		s := fmt.Sprint(v.v)
		s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		if len(s) > 60 {
			s = s[:60] + "…"
		}
		b.WriteString(s)
	}
	b.WriteString("]")
	return b.String()
}

// Lookup returns the metadata value for key.
func (f *File) Lookup(key string) (Value, bool) {
	i, ok := f.kvIndex[key]
	if !ok {
		return Value{}, false
	}
	return f.KVs[i].Value, true
}

// lookupAs reads the value for key with get (one of Value's accessors); a
// missing key is the zero T and false.
func lookupAs[T any](f *File, key string, get func(Value) (T, bool)) (T, bool) {
	v, ok := f.Lookup(key)
	if !ok {
		var zero T
		return zero, false
	}
	return get(v)
}

// Text returns the string value for key.
func (f *File) Text(key string) (string, bool) {
	return lookupAs(f, key, Value.Text)
}

// Uint returns the non-negative integer value for key.
func (f *File) Uint(key string) (uint64, bool) {
	return lookupAs(f, key, Value.Uint)
}

// Float returns the numeric value for key as a float64.
func (f *File) Float(key string) (float64, bool) {
	return lookupAs(f, key, Value.Float)
}

// Bool returns the bool value for key.
func (f *File) Bool(key string) (bool, bool) {
	return lookupAs(f, key, Value.Bool)
}

// Architecture is general.architecture, or "" when absent.
func (f *File) Architecture() string {
	s, _ := f.Text("general.architecture")
	return s
}

// value decodes one value of type t; key names it in errors.
func (r *reader) value(t ValueType, key string, depth int) (Value, error) {
	what := "value of " + key
	switch t {
	case TypeUint8:
		x, err := r.u8(what)
		return Value{Type: t, v: x}, err
	case TypeInt8:
		x, err := r.u8(what)
		return Value{Type: t, v: int8(x)}, err
	case TypeUint16:
		x, err := r.u16(what)
		return Value{Type: t, v: x}, err
	case TypeInt16:
		x, err := r.u16(what)
		return Value{Type: t, v: int16(x)}, err
	case TypeUint32:
		x, err := r.u32(what)
		return Value{Type: t, v: x}, err
	case TypeInt32:
		x, err := r.u32(what)
		return Value{Type: t, v: int32(x)}, err
	case TypeFloat32:
		x, err := r.u32(what)
		return Value{Type: t, v: math.Float32frombits(x)}, err
	case TypeBool:
		x, err := r.u8(what)
		return Value{Type: t, v: x != 0}, err
	case TypeString:
		s, err := r.str(what)
		return Value{Type: t, v: s}, err
	case TypeUint64:
		x, err := r.u64(what)
		return Value{Type: t, v: x}, err
	case TypeInt64:
		x, err := r.u64(what)
		return Value{Type: t, v: int64(x)}, err
	case TypeFloat64:
		x, err := r.u64(what)
		return Value{Type: t, v: math.Float64frombits(x)}, err
	case TypeArray:
		return r.array(key, depth)
	}
	return Value{}, fmt.Errorf("%w: metadata %q has unknown value type %d", ErrInvalid, key, uint32(t))
}

func (r *reader) array(key string, depth int) (Value, error) {
	if depth >= maxArrayDepth {
		return Value{}, fmt.Errorf("%w: metadata %q nests arrays deeper than %d", ErrInvalid, key, maxArrayDepth)
	}
	et, err := r.u32("array element type of " + key)
	if err != nil {
		return Value{}, err
	}
	n, err := r.u64("array length of " + key)
	if err != nil {
		return Value{}, err
	}
	elem := ValueType(et)
	size, ok := elem.size()
	if !ok {
		return Value{}, fmt.Errorf("%w: metadata %q is an array of unknown value type %d", ErrInvalid, key, et)
	}
	if n > uint64(r.remaining())/size {
		return Value{}, fmt.Errorf("%w: metadata %q declares %d %s elements, more than the %d bytes left hold", ErrTruncated, key, n, elem, r.remaining())
	}
	out := Value{Type: TypeArray, ElemType: elem}
	switch elem {
	case TypeString:
		s := make([]string, n)
		for i := range s {
			if s[i], err = r.str("element of " + key); err != nil {
				return Value{}, err
			}
		}
		out.v = s
		return out, nil
	case TypeArray:
		s := make([]Value, n)
		for i := range s {
			if s[i], err = r.array(key, depth+1); err != nil {
				return Value{}, err
			}
		}
		out.v = s
		return out, nil
	}
	raw, err := r.bytes(n*size, "elements of "+key)
	if err != nil {
		return Value{}, err
	}
	le := binary.LittleEndian
	switch elem {
	case TypeUint8:
		out.v = append([]uint8(nil), raw...)
	case TypeInt8:
		out.v = decode(raw, 1, func(b []byte) int8 { return int8(b[0]) })
	case TypeBool:
		out.v = decode(raw, 1, func(b []byte) bool { return b[0] != 0 })
	case TypeUint16:
		out.v = decode(raw, 2, le.Uint16)
	case TypeInt16:
		out.v = decode(raw, 2, func(b []byte) int16 { return int16(le.Uint16(b)) })
	case TypeUint32:
		out.v = decode(raw, 4, le.Uint32)
	case TypeInt32:
		out.v = decode(raw, 4, func(b []byte) int32 { return int32(le.Uint32(b)) })
	case TypeFloat32:
		out.v = decode(raw, 4, func(b []byte) float32 { return math.Float32frombits(le.Uint32(b)) })
	case TypeUint64:
		out.v = decode(raw, 8, le.Uint64)
	case TypeInt64:
		out.v = decode(raw, 8, func(b []byte) int64 { return int64(le.Uint64(b)) })
	case TypeFloat64:
		out.v = decode(raw, 8, func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) })
	}
	return out, nil
}

func decode[E any](raw []byte, size int, f func([]byte) E) []E {
	out := make([]E, len(raw)/size)
	for i := range out {
		out[i] = f(raw[i*size : (i+1)*size])
	}
	return out
}

package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
)

// Builder assembles a GGUF file in memory; tests use it to make small
// synthetic models and hostile variants of them.
type Builder struct {
	// Version is the GGUF version written (3 unless changed).
	Version uint32
	kvs     []byte
	nKV     uint64
	tensors []builtTensor
	align   uint64
}

type builtTensor struct {
	name string
	typ  TensorType
	dims []uint64
	data []byte
}

// NewBuilder returns an empty GGUF version 3 builder.
func NewBuilder() *Builder { return &Builder{Version: 3, align: DefaultAlignment} }

// AddKV appends a metadata key/value; v is a Go bool, string, sized
// integer or float, or a slice of those (slices of slices for nested
// arrays). It panics on other types, as a test helper may.
func (b *Builder) AddKV(key string, v any) {
	b.kvs = appendString(b.kvs, key)
	rv := reflect.ValueOf(v)
	b.kvs = binary.LittleEndian.AppendUint32(b.kvs, uint32(typeOf(rv.Type())))
	b.kvs = appendValue(b.kvs, rv)
	b.nKV++
	if key == "general.alignment" {
		if a, ok := (Value{v: v}).Uint(); ok && a != 0 {
			b.align = a
		}
	}
}

// AddTensor appends a tensor of type t and dimensions dims (first varying
// fastest) with its encoded data.
func (b *Builder) AddTensor(name string, t TensorType, dims []uint64, data []byte) {
	b.tensors = append(b.tensors, builtTensor{name, t, dims, data})
}

// AddF32 appends an F32 tensor holding vals.
func (b *Builder) AddF32(name string, dims []uint64, vals []float32) {
	data := make([]byte, 0, 4*len(vals))
	for _, x := range vals {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(x))
	}
	b.AddTensor(name, TypeF32, dims, data)
}

// Bytes encodes the file: header, metadata, tensor table, then the tensor
// data, each tensor aligned.
func (b *Builder) Bytes() []byte {
	le := binary.LittleEndian
	out := []byte(Magic)
	out = le.AppendUint32(out, b.Version)
	out = le.AppendUint64(out, uint64(len(b.tensors)))
	out = le.AppendUint64(out, b.nKV)
	out = append(out, b.kvs...)
	var off uint64
	for _, t := range b.tensors {
		out = appendString(out, t.name)
		out = le.AppendUint32(out, uint32(len(t.dims)))
		for _, d := range t.dims {
			out = le.AppendUint64(out, d)
		}
		out = le.AppendUint32(out, uint32(t.typ))
		out = le.AppendUint64(out, off)
		off = alignUp(off+uint64(len(t.data)), b.align)
	}
	out = append(out, make([]byte, alignUp(uint64(len(out)), b.align)-uint64(len(out)))...)
	for _, t := range b.tensors {
		out = append(out, t.data...)
		out = append(out, make([]byte, alignUp(uint64(len(t.data)), b.align)-uint64(len(t.data)))...)
	}
	return out
}

func appendString(out []byte, s string) []byte {
	out = binary.LittleEndian.AppendUint64(out, uint64(len(s)))
	return append(out, s...)
}

func typeOf(t reflect.Type) ValueType {
	switch t.Kind() {
	case reflect.Uint8:
		return TypeUint8
	case reflect.Int8:
		return TypeInt8
	case reflect.Uint16:
		return TypeUint16
	case reflect.Int16:
		return TypeInt16
	case reflect.Uint32:
		return TypeUint32
	case reflect.Int32:
		return TypeInt32
	case reflect.Float32:
		return TypeFloat32
	case reflect.Bool:
		return TypeBool
	case reflect.String:
		return TypeString
	case reflect.Slice:
		return TypeArray
	case reflect.Uint64:
		return TypeUint64
	case reflect.Int64:
		return TypeInt64
	case reflect.Float64:
		return TypeFloat64
	}
	panic(fmt.Sprintf("gguf.Builder: unsupported metadata Go type %s", t))
}

func appendValue(out []byte, v reflect.Value) []byte {
	le := binary.LittleEndian
	switch typeOf(v.Type()) {
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		return appendUint(out, v.Uint(), v.Type().Size())
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return appendUint(out, uint64(v.Int()), v.Type().Size())
	case TypeFloat32:
		return le.AppendUint32(out, math.Float32bits(float32(v.Float())))
	case TypeFloat64:
		return le.AppendUint64(out, math.Float64bits(v.Float()))
	case TypeBool:
		if v.Bool() {
			return append(out, 1)
		}
		return append(out, 0)
	case TypeString:
		return appendString(out, v.String())
	}
	out = le.AppendUint32(out, uint32(typeOf(v.Type().Elem())))
	out = le.AppendUint64(out, uint64(v.Len()))
	for i := 0; i < v.Len(); i++ {
		out = appendValue(out, v.Index(i))
	}
	return out
}

func appendUint(out []byte, x uint64, size uintptr) []byte {
	for i := uintptr(0); i < size; i++ {
		out = append(out, byte(x>>(8*i)))
	}
	return out
}

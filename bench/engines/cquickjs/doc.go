// Package cquickjs runs QuickJS, the C original, through cgo, for the
// engine benchmarks: only with the build tag cquickjs, after build.sh has
// compiled the library into build/.
package cquickjs

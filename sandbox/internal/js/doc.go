// Package js is a copy of github.com/tdewolff/parse/v2/js v2.8.20 (MIT
// license, see LICENSE.md), the JavaScript parser the sandbox uses to meter
// code. It differs from the original in one fix, marked "sandbox fix" in
// parse.go: an arrow function whose destructured parameter has a non-empty
// object or array literal as default value, ({ b } = { b: 1 }) => b, no
// longer fails to parse. The other changes only satisfy go vet and
// staticcheck. It is internal so that the fork stays private to the sandbox.
package js

package sandbox

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/sandbox/internal/third_party/js"
	"github.com/tdewolff/parse/v2"
)

// reservedPrefix starts every name the sandbox adds to a module or to the
// global object. Source that contains it anywhere is refused, so user code
// can never name the gas counter or the other hidden bindings.
const reservedPrefix = "__sbx"

// Names shared by the instrumenter and bootstrap.js.
const (
	gasVar      = "__sbx_g"      // module-scope gas counter (metered modules)
	oogFunc     = "__sbx_oog"    // global, non-writable: records out-of-gas and interrupts
	bootFunc    = "__sbx_boot"   // global, one shot: hands the counter's closures to the host
	caughtFunc  = "__sbx_caught" // global, non-writable: ends the call on a caught engine limit error
	caughtVar   = "__sbx_e"      // catch binding added where the code has none
	exposeFunc  = "__sbx_expose"
	namespaceID = "__sbx_ns"
	// moduleName is the name QuickJS gives a module evaluated from source or
	// bytecode by modernc.org/quickjs; a module can import itself by it.
	moduleName = "<eval>"
)

// tickSource is the metering statement inserted at the start of every
// function body, loop body and catch clause.
const tickSource = "if (--" + gasVar + " < 0) " + oogFunc + "();"

// meterPrologue declares the gas counter as a module-scope variable (so that
// no other code, not even code that reaches the global object, can reset it)
// and hands a charge and a read closure to the host through the one-shot
// boot function, which returns the gas limit of the Call.
const meterPrologue = "var " + gasVar + " = " + bootFunc + "((n) => { " + gasVar + " -= n; if (" + gasVar + " < 0) " + oogFunc + "(); }, () => " + gasVar + ");\n"

// exposeEpilogue imports the module's own namespace and gives it to the host,
// which looks exports up there; a module may import itself by its own name.
const exposeEpilogue = "\nimport * as " + namespaceID + " from \"" + moduleName + "\";\n" + exposeFunc + "(" + namespaceID + ");\n"

// tickStmt is the parsed form of tickSource; the same node is inserted
// everywhere, printing it does not change it.
var tickStmt = func() js.IStmt {
	ast, err := js.Parse(parse.NewInputString(tickSource), js.Options{})
	if err != nil || len(ast.List) != 1 {
		panic(fmt.Sprintf("sandbox: bad tick statement: %v", err))
	}
	return ast.List[0]
}()

// prepared is a module checked and rewritten for the sandbox.
type prepared struct {
	source string // what QuickJS evaluates: instrumented (if metered) plus epilogue
}

// prepare validates module source and, when metered, inserts gas ticks. It
// refuses static imports and re-exports (the module must be bundled), the
// reserved prefix, and top-level await (the module is evaluated to completion
// synchronously, see Program).
func prepare(module []byte, metered bool) (*prepared, error) {
	src := string(module)
	if i := strings.Index(src, reservedPrefix); i >= 0 {
		line, col := lineCol(module, i)
		return nil, fmt.Errorf("%w: module.js:%d:%d: the identifier prefix %q is reserved for the sandbox", ErrCompile, line, col, reservedPrefix)
	}
	ast, err := js.Parse(parse.NewInputBytes(bytes.Clone(module)), js.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrCompile, parseErrorText(err))
	}
	v := &instrumenter{metered: metered}
	js.Walk(v, ast)
	if v.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompile, v.err)
	}
	var b strings.Builder
	if metered {
		b.WriteString(meterPrologue)
		ast.JS(&b)
	} else {
		// Unmetered code runs as written, keeping its line numbers.
		b.WriteString(src)
	}
	b.WriteString(exposeEpilogue)
	return &prepared{source: b.String()}, nil
}

// instrumenter walks the AST, inserting ticks (when metered) and rejecting
// constructs the sandbox does not run.
type instrumenter struct {
	metered bool
	depth   int // function nesting; 0 is module top level
	err     error
}

// Enter implements js.IVisitor.
func (v *instrumenter) Enter(n js.INode) js.IVisitor {
	if v.err != nil {
		return nil
	}
	switch n := n.(type) {
	case *js.FuncDecl:
		v.depth++
		v.tickBlock(&n.Body)
	case *js.MethodDecl:
		v.depth++
		v.tickBlock(&n.Body)
	case *js.ArrowFunc:
		v.depth++
		v.tickBlock(&n.Body)
	case *js.ClassDecl:
		// Field initializers and static blocks are evaluated as functions
		// of their own: await is not allowed there.
		v.depth++
	case *js.ForStmt:
		v.tickBlock(n.Body)
	case *js.ForInStmt:
		v.tickBlock(n.Body)
	case *js.ForOfStmt:
		if n.Await && v.depth == 0 {
			v.err = fmt.Errorf("top-level await (for await) is not supported; await inside the exported function instead")
			return nil
		}
		v.tickBlock(n.Body)
	case *js.WhileStmt:
		n.Body = v.tickStmt(n.Body)
	case *js.DoWhileStmt:
		n.Body = v.tickStmt(n.Body)
	case *js.TryStmt:
		v.guardTry(n)
	case *js.UnaryExpr:
		if n.Op == js.AwaitToken && v.depth == 0 {
			v.err = fmt.Errorf("top-level await is not supported; await inside the exported function instead")
			return nil
		}
	case *js.ImportStmt:
		v.err = fmt.Errorf("import of %s: modules must be bundled into one file (see Bundle)", n.Module)
		return nil
	case *js.ExportStmt:
		if n.Module != nil {
			v.err = fmt.Errorf("re-export from %s: modules must be bundled into one file (see Bundle)", n.Module)
			return nil
		}
	}
	return v
}

// Exit implements js.IVisitor.
func (v *instrumenter) Exit(n js.INode) {
	switch n.(type) {
	case *js.FuncDecl, *js.MethodDecl, *js.ArrowFunc, *js.ClassDecl:
		v.depth--
	}
}

// tickBlock inserts the tick at the start of b, after any directive prologue.
func (v *instrumenter) tickBlock(b *js.BlockStmt) {
	if !v.metered || b == nil {
		return
	}
	i := 0
	for i < len(b.List) {
		if _, ok := b.List[i].(*js.DirectivePrologueStmt); !ok {
			break
		}
		i++
	}
	list := make([]js.IStmt, 0, len(b.List)+1)
	list = append(list, b.List[:i]...)
	list = append(list, tickStmt)
	list = append(list, b.List[i:]...)
	b.List = list
}

// guardTry makes a metered try statement tick and check what it catches: a
// caught engine error for the stack or memory limit ends the call (see
// bootstrap.js), so that metered code cannot keep running into a limit, each
// time making the engine do work no gas pays for, and so that whether a call
// hits a limit never depends on the machine. A try with only a finally
// clause gets a catch clause that checks and rethrows: the finally clause
// runs as before.
func (v *instrumenter) guardTry(n *js.TryStmt) {
	if !v.metered {
		return
	}
	if n.Catch == nil {
		if n.Finally == nil {
			return
		}
		e := &js.Var{Data: []byte(caughtVar)}
		n.Binding = e
		n.Catch = &js.BlockStmt{List: []js.IStmt{caughtCall(e), &js.ThrowStmt{Value: e}}}
		v.tickBlock(n.Catch)
		return
	}
	var pre []js.IStmt
	switch b := n.Binding.(type) {
	case *js.Var:
		pre = []js.IStmt{caughtCall(b)}
	default:
		// No binding, or a destructuring pattern, which moves into a let.
		e := &js.Var{Data: []byte(caughtVar)}
		pre = []js.IStmt{caughtCall(e)}
		if b != nil {
			pre = append(pre, &js.VarDecl{TokenType: js.LetToken, List: []js.BindingElement{{Binding: b, Default: e}}})
		}
		n.Binding = e
	}
	n.Catch.List = append(pre, n.Catch.List...)
	v.tickBlock(n.Catch)
}

// caughtCall returns the statement caughtFunc(e).
func caughtCall(e *js.Var) js.IStmt {
	return &js.ExprStmt{Value: &js.CallExpr{X: &js.Var{Data: []byte(caughtFunc)}, Args: js.Args{List: []js.Arg{{Value: e}}}}}
}

// tickStmt returns s as a block that starts with the tick.
func (v *instrumenter) tickStmt(s js.IStmt) js.IStmt {
	if !v.metered {
		return s
	}
	b, ok := s.(*js.BlockStmt)
	if !ok {
		b = &js.BlockStmt{}
		if _, empty := s.(*js.EmptyStmt); !empty && s != nil {
			b.List = []js.IStmt{s}
		}
	}
	v.tickBlock(b)
	return b
}

// parseErrorText formats a tdewolff parse error as "module.js:line:col: msg".
func parseErrorText(err error) string {
	if pe, ok := err.(*parse.Error); ok {
		return fmt.Sprintf("module.js:%d:%d: %s", pe.Line, pe.Column, pe.Message)
	}
	return "module.js: " + err.Error()
}

// lineCol returns the 1-based line and column of byte offset off in src.
func lineCol(src []byte, off int) (line, col int) {
	line = 1 + bytes.Count(src[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(src[:off], '\n')
	return line, col
}

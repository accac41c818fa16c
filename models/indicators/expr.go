package indicators

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// expr is a parsed formula: numbers, panel columns, + − × ÷ and parentheses.
type expr interface {
	eval(col func(string) float64) float64
	columns(*[]string)
}

type (
	number float64
	column string
	binary struct {
		op   byte
		l, r expr
	}
	negate struct{ x expr }
)

func (n number) eval(func(string) float64) float64 { return float64(n) }
func (n number) columns(*[]string)                 {}
func (c column) eval(col func(string) float64) float64 {
	return col(string(c))
}
func (c column) columns(out *[]string) { *out = append(*out, string(c)) }
func (n negate) eval(col func(string) float64) float64 {
	return -n.x.eval(col)
}
func (n negate) columns(out *[]string) { n.x.columns(out) }

func (b binary) eval(col func(string) float64) float64 {
	l, r := b.l.eval(col), b.r.eval(col)
	switch b.op {
	case '+':
		return l + r
	case '-':
		return l - r
	case '*':
		return l * r
	}
	if r == 0 {
		return math.NaN() // a ratio over nothing is unknown, not infinite
	}
	return l / r
}

func (b binary) columns(out *[]string) {
	b.l.columns(out)
	b.r.columns(out)
}

// parseExpr parses a formula by recursive descent:
//
//	sum     = product {("+" | "-") product}
//	product = unary {("*" | "/") unary}
//	unary   = ["-"] atom
//	atom    = number | column | "(" sum ")"
func parseExpr(s string) (expr, error) {
	p := &parser{src: s}
	p.next()
	e, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.tok != "" {
		return nil, fmt.Errorf("unexpected %q at %d", p.tok, p.pos)
	}
	return e, nil
}

type parser struct {
	src string
	pos int    // position after the current token
	tok string // current token; "" at the end
}

func (p *parser) next() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	if p.pos >= len(p.src) {
		p.tok = ""
		return
	}
	start := p.pos
	c := rune(p.src[p.pos])
	switch {
	case strings.ContainsRune("+-*/()", c):
		p.pos++
	case unicode.IsDigit(c) || c == '.':
		for p.pos < len(p.src) && (unicode.IsDigit(rune(p.src[p.pos])) || p.src[p.pos] == '.') {
			p.pos++
		}
	case unicode.IsLetter(c) || c == '_':
		for p.pos < len(p.src) && (unicode.IsLetter(rune(p.src[p.pos])) || unicode.IsDigit(rune(p.src[p.pos])) || p.src[p.pos] == '_') {
			p.pos++
		}
	default:
		p.pos++
	}
	p.tok = p.src[start:p.pos]
}

func (p *parser) sum() (expr, error) {
	l, err := p.product()
	if err != nil {
		return nil, err
	}
	for p.tok == "+" || p.tok == "-" {
		op := p.tok[0]
		p.next()
		r, err := p.product()
		if err != nil {
			return nil, err
		}
		l = binary{op, l, r}
	}
	return l, nil
}

func (p *parser) product() (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.tok == "*" || p.tok == "/" {
		op := p.tok[0]
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = binary{op, l, r}
	}
	return l, nil
}

func (p *parser) unary() (expr, error) {
	if p.tok == "-" {
		p.next()
		x, err := p.atom()
		if err != nil {
			return nil, err
		}
		return negate{x}, nil
	}
	return p.atom()
}

func (p *parser) atom() (expr, error) {
	tok := p.tok
	switch {
	case tok == "":
		return nil, fmt.Errorf("unexpected end")
	case tok == "(":
		p.next()
		e, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.tok != ")" {
			return nil, fmt.Errorf("missing ) at %d", p.pos)
		}
		p.next()
		return e, nil
	case unicode.IsDigit(rune(tok[0])) || tok[0] == '.':
		v, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", tok)
		}
		p.next()
		return number(v), nil
	case unicode.IsLetter(rune(tok[0])) || tok[0] == '_':
		p.next()
		return column(tok), nil
	}
	return nil, fmt.Errorf("unexpected %q at %d", tok, p.pos)
}

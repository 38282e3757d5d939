package web_test

import (
	"fmt"
	"html"
	"slices"
	"strings"
)

// A small HTML tokenizer after the HTML standard's: enough to see a page
// as a browser would. A test must not trust the escaping it checks, so it
// parses rather than searches the text: an unescaped `"><img onerror=…>`
// becomes an img element with an onerror attribute here just as in a
// browser.

type attr struct{ Name, Value string }

type element struct {
	Name   string
	Attrs  []attr
	Parent *element
	// Text is the element's decoded text content.
	Text string
}

func (e *element) attr(name string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

func (e *element) has(name string) bool {
	if e == nil {
		return false
	}
	for _, a := range e.Attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// class reports whether the element has class c.
func (e *element) class(c string) bool {
	return slices.Contains(strings.Fields(e.attr("class")), c)
}

// within returns the closest ancestor named name, or nil.
func (e *element) within(name string) *element {
	for p := e.Parent; p != nil; p = p.Parent {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// disabled reports whether a form control cannot be used: disabled itself
// or inside a disabled fieldset.
func (e *element) disabled() bool {
	if e.has("disabled") {
		return true
	}
	for p := e.Parent; p != nil; p = p.Parent {
		if p.Name == "fieldset" && p.has("disabled") {
			return true
		}
	}
	return false
}

func (e *element) String() string {
	var b strings.Builder
	b.WriteString("<" + e.Name)
	for _, a := range e.Attrs {
		fmt.Fprintf(&b, " %s=%q", a.Name, a.Value)
	}
	b.WriteString(">")
	return b.String()
}

// doc is a parsed page: its elements in document order and its text nodes,
// decoded.
type doc struct {
	Elements []*element
	Texts    []string
}

func (d *doc) first(match func(*element) bool) *element {
	for _, e := range d.Elements {
		if match(e) {
			return e
		}
	}
	return nil
}

func (d *doc) all(match func(*element) bool) []*element {
	var out []*element
	for _, e := range d.Elements {
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

func (d *doc) byID(id string) *element {
	return d.first(func(e *element) bool { return e.attr("id") == id })
}

// hasText reports whether some text node holds s.
func (d *doc) hasText(s string) bool {
	for _, t := range d.Texts {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// hasAttr reports whether some attribute called name holds s.
func (d *doc) hasAttr(name, s string) bool {
	for _, e := range d.Elements {
		for _, a := range e.Attrs {
			if a.Name == name && strings.Contains(a.Value, s) {
				return true
			}
		}
	}
	return false
}

var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true,
	"hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// rawText elements hold text up to their end tag: script and style as is,
// textarea and title with character references decoded.
var rawText = map[string]bool{"script": true, "style": true, "textarea": true, "title": true,
	"xmp": true, "iframe": true, "noembed": true, "noframes": true}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func parseHTML(s string) *doc {
	d := &doc{}
	var stack []*element
	text := func(t string, decode bool) {
		if decode {
			t = html.UnescapeString(t)
		}
		if t == "" {
			return
		}
		d.Texts = append(d.Texts, t)
		for _, e := range stack {
			e.Text += t
		}
	}
	i := 0
	for i < len(s) {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			text(s[i:], true)
			break
		}
		text(s[i:i+lt], true)
		i += lt
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				return d
			}
			i += 4 + end + 3
		case strings.HasPrefix(rest, "<!") || strings.HasPrefix(rest, "<?"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return d
			}
			i += end + 1
		case strings.HasPrefix(rest, "</") && len(rest) > 2 && isLetter(rest[2]):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return d
			}
			name := rest[2:end]
			if j := strings.IndexFunc(name, func(r rune) bool { return r < 128 && (isSpace(byte(r)) || r == '/') }); j >= 0 {
				name = name[:j]
			}
			name = strings.ToLower(name)
			for k := len(stack) - 1; k >= 0; k-- {
				if stack[k].Name == name {
					stack = stack[:k]
					break
				}
			}
			i += end + 1
		case len(rest) > 1 && isLetter(rest[1]):
			e, n := parseStartTag(rest)
			i += n
			if len(stack) > 0 {
				e.Parent = stack[len(stack)-1]
			}
			d.Elements = append(d.Elements, e)
			if voidElements[e.Name] {
				continue
			}
			if rawText[e.Name] {
				end := indexFold(s[i:], "</"+e.Name)
				if end < 0 {
					end = len(s) - i
				}
				stack = append(stack, e)
				text(s[i:i+end], e.Name == "textarea" || e.Name == "title")
				stack = stack[:len(stack)-1]
				i += end
				continue
			}
			stack = append(stack, e)
		default:
			text("<", false)
			i++
		}
	}
	return d
}

// parseStartTag reads the start tag at the beginning of s and returns it
// with the number of bytes it took.
func parseStartTag(s string) (*element, int) {
	i := 1
	for i < len(s) && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' {
		i++
	}
	e := &element{Name: strings.ToLower(s[1:i])}
	for i < len(s) {
		for i < len(s) && (isSpace(s[i]) || s[i] == '/') {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] == '>' {
			return e, i + 1
		}
		start := i
		i++ // an attribute's name may start with '='
		for i < len(s) && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=' {
			i++
		}
		name := strings.ToLower(s[start:i])
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		value := ""
		if i < len(s) && s[i] == '=' {
			i++
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			switch {
			case i < len(s) && (s[i] == '"' || s[i] == '\''):
				q := s[i]
				end := strings.IndexByte(s[i+1:], q)
				if end < 0 {
					end = len(s) - i - 1
				}
				value = s[i+1 : i+1+end]
				i += end + 2
			default:
				start := i
				for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
					i++
				}
				value = s[start:i]
			}
		}
		e.Attrs = append(e.Attrs, attr{Name: name, Value: html.UnescapeString(value)})
	}
	return e, len(s)
}

// indexFold is strings.Index ignoring ASCII case, byte for byte.
func indexFold(s, sub string) int {
	lower := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	return strings.Index(lower(s), lower(sub))
}

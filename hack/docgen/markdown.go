package main

import (
	"strconv"
	"strings"
)

// code writes s as one inline code span. Rules and patterns may hold
// backticks or line breaks; the fence is one backtick longer than the
// longest run inside, as CommonMark requires, and whitespace is collapsed
// so a folded YAML rule stays on one line.
func code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// cell makes s safe inside a table cell: a pipe would end the cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// prose turns a schema description (a Go doc comment, as controller-gen
// copied it) into Markdown. The text is kept as written, except that
// angle brackets outside code spans are escaped, so "<pending>" is shown
// rather than swallowed as an HTML tag, and a line starting with ">" or
// "#" is not read as a quote or a heading.
func prose(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		l = escapeAngles(l)
		if t := strings.TrimLeft(l, " "); strings.HasPrefix(t, "#") {
			l = strings.Replace(l, "#", `\#`, 1)
		}
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n")
}

// escapeAngles escapes < and > outside backtick code spans on one line.
func escapeAngles(l string) string {
	var b strings.Builder
	inCode := false
	for _, r := range l {
		switch {
		case r == '`':
			inCode = !inCode
			b.WriteRune(r)
		case r == '<' && !inCode:
			b.WriteString("&lt;")
		case r == '>' && !inCode:
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// number prints a schema bound without an exponent: 4294967295, not
// 4.294967295e+09.
func number(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// anchor is the fragment GitHub gives a heading: lower case, spaces to
// dashes, punctuation other than dashes and underscores dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

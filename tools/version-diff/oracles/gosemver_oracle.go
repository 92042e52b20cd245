// Oracle for the go scheme: golang.org/x/mod/semver (Debian's golang-golang-x-mod-dev).
// Reads "A<TAB>B" lines on stdin; writes "<", "=", ">" or "error: invalid" for each.
package main

import (
	"bufio"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	for in.Scan() {
		a, b, _ := strings.Cut(in.Text(), "\t")
		if !semver.IsValid(a) || !semver.IsValid(b) {
			out.WriteString("error: invalid\n")
			continue
		}
		switch semver.Compare(a, b) {
		case -1:
			out.WriteString("<\n")
		case 1:
			out.WriteString(">\n")
		default:
			out.WriteString("=\n")
		}
	}
}

package pack

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed pack.html
var files embed.FS

// chartBox is the size of an HTML chart, in pixels, and its margins.
const (
	chartW, chartH         = 640.0, 220.0
	chartLeft, chartBottom = 64.0, 24.0
)

var page = template.Must(template.New("pack.html").Funcs(template.FuncMap{
	"x": func(v float64) float64 { return chartLeft + v*(chartW-chartLeft-8) },
	"y": func(v float64) float64 { return 8 + (1-v)*(chartH-chartBottom-8) },
	"w": func(b Band) float64 { return (b.X1 - b.X0) * (chartW - chartLeft - 8) },
	"h": func(b Band) float64 { return (b.Y1 - b.Y0) * (chartH - chartBottom - 8) },
	"line": func(ps []Point) string {
		var b strings.Builder
		for i, p := range ps {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&b, "%s%.1f,%.1f", cmd, chartLeft+p.X*(chartW-chartLeft-8), 8+(1-p.Y)*(chartH-chartBottom-8))
		}
		return b.String()
	},
	"indent": func(depth int) template.CSS {
		return template.CSS(fmt.Sprintf("margin-left: %.1frem", float64(min(depth, 5))*1.2))
	},
}).ParseFS(files, "pack.html"))

// HTML writes the pack as one printable HTML page.
func HTML(w io.Writer, p *Pack) error {
	return page.Execute(w, p)
}

package pack

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed pack.html chart.svg
var files embed.FS

// The size of an HTML chart, in pixels, and its margins.
const (
	chartW, chartH         = 640.0, 220.0
	chartLeft, chartBottom = 64.0, 24.0
)

// chartX and chartY place a point of a chart's unit box in its SVG.
func chartX(v float64) float64 { return chartLeft + v*(chartW-chartLeft-8) }
func chartY(v float64) float64 { return 8 + (1-v)*(chartH-chartBottom-8) }

var chartTemplate = template.Must(template.New("chart.svg").Funcs(template.FuncMap{
	"x": chartX,
	"y": chartY,
	"w": func(b Band) float64 { return (b.X1 - b.X0) * (chartW - chartLeft - 8) },
	"h": func(b Band) float64 { return (b.Y1 - b.Y0) * (chartH - chartBottom - 8) },
	"tone": func(t string) string {
		return map[string]string{"good": "#dafbe1", "warn": "#fff1b8", "bad": "#ffe1de"}[t]
	},
	"line": func(ps []Point) string {
		var b strings.Builder
		for i, p := range ps {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&b, "%s%.1f,%.1f", cmd, chartX(p.X), chartY(p.Y))
		}
		return b.String()
	},
}).ParseFS(files, "chart.svg"))

// ChartSVG is c as a figure holding an SVG, with its words as its caption
// and its label: self-contained, for any page.
func ChartSVG(c Chart) (template.HTML, error) {
	var b bytes.Buffer
	err := chartTemplate.Execute(&b, c)
	return template.HTML(b.String()), err // html/template escaped what c holds
}

var page = template.Must(template.New("pack.html").Funcs(template.FuncMap{
	"svg": ChartSVG,
	"indent": func(depth int) template.CSS {
		return template.CSS(fmt.Sprintf("margin-left: %.1frem", float64(min(depth, 5))*1.2))
	},
}).ParseFS(files, "pack.html"))

// HTML writes the pack as one printable HTML page.
func HTML(w io.Writer, p *Pack) error {
	return page.Execute(w, p)
}

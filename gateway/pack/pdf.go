package pack

import (
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// The PDF's page, in millimetres: A4 with its margins.
const (
	pageW, margin = 210.0, 18.0
	textW         = pageW - 2*margin
	lineH         = 5.2
)

// PDF writes the pack as a PDF with real text (selectable, searchable, in
// the Go fonts, which cover the text people write), a contents list with
// page numbers, an outline, and a page number on every page.
func PDF(w io.Writer, p *Pack) error {
	// The contents list gives each section's page, known only once the
	// sections are laid out: lay out once to learn them (the contents take
	// the same room whatever its numbers), then again to write them.
	pages := map[string]int{}
	if _, err := layout(p, pages); err != nil {
		return err
	}
	doc, err := layout(p, pages)
	if err != nil {
		return err
	}
	return doc.Output(w)
}

// writer is a PDF being laid out.
type writer struct {
	*fpdf.Fpdf
	links map[string]int
}

// layout lays the pack out, writing into pages the page each section
// starts on and reading from it the pages the contents list gives.
func layout(p *Pack, pages map[string]int) (*fpdf.Fpdf, error) {
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCreationDate(p.Generated)
	doc.SetModificationDate(p.Generated)
	doc.SetTitle(p.Organisation+": plan and performance", true)
	doc.SetCreator("Golden Thread", true)
	doc.AddUTF8FontFromBytes("go", "", goregular.TTF)
	doc.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	doc.SetMargins(margin, margin, margin)
	doc.SetAutoPageBreak(true, margin)
	doc.AliasNbPages("{pages}")
	doc.SetFooterFunc(func() {
		doc.SetY(-12)
		doc.SetFont("go", "", 8)
		doc.SetTextColor(87, 96, 106)
		doc.CellFormat(0, 5, fmt.Sprintf("%s · page %d of {pages}", p.Organisation, doc.PageNo()), "", 0, "C", false, 0, "")
	})
	pw := &writer{Fpdf: doc, links: map[string]int{}}
	for _, s := range p.Sections() {
		pw.links[s.ID] = doc.AddLink()
	}
	pw.cover(p, pages)
	if len(p.Elements) > 0 {
		pw.section("thread", "The golden thread", pages)
		pw.text("From the vision down to the tactics, each with its owner, horizon, health and progress, and the latest check-in in its owners' words.", "", 10, true)
		for _, e := range p.Elements {
			pw.element(e)
		}
	}
	if len(p.KPIs) > 0 {
		pw.section("performance", "Performance", pages)
		for _, k := range p.KPIs {
			pw.kpi(k)
		}
	}
	pw.section("changes", "What changed", pages)
	pw.changes(p)
	return doc, doc.Error()
}

// cover writes the first page: what the pack is, and its contents.
func (w *writer) cover(p *Pack, pages map[string]int) {
	w.AddPage()
	w.SetTextColor(31, 35, 40)
	w.SetFont("go", "B", 22)
	w.MultiCell(textW, 10, p.Organisation, "", "L", false)
	w.text("Plan and performance", "", 14, false)
	for _, s := range p.Scope {
		w.text(s, "", 11, false)
	}
	w.text("Made "+p.Generated.Format("2006-01-02 15:04 UTC"), "", 10, true)
	w.Ln(8)
	w.SetFont("go", "B", 14)
	w.CellFormat(textW, 8, "Contents", "", 1, "L", false, 0, "")
	w.SetFont("go", "", 11)
	for i, s := range p.Sections() {
		n := ""
		if pages[s.ID] > 0 {
			n = fmt.Sprint(pages[s.ID])
		}
		w.CellFormat(textW-15, 7, fmt.Sprintf("%d. %s", i+1, s.Title), "", 0, "L", false, w.links[s.ID], "")
		w.CellFormat(15, 7, n, "", 1, "R", false, w.links[s.ID], "")
	}
}

// section starts a section on a new page, in the outline and contents.
func (w *writer) section(id, title string, pages map[string]int) {
	w.AddPage()
	pages[id] = w.PageNo()
	w.SetLink(w.links[id], -1, -1)
	w.Bookmark(title, 0, -1)
	w.SetTextColor(31, 35, 40)
	w.SetFont("go", "B", 16)
	w.CellFormat(textW, 10, title, "B", 1, "L", false, 0, "")
	w.Ln(3)
}

// text writes a paragraph at size, muted (grey) if asked.
func (w *writer) text(s, style string, size float64, muted bool) {
	w.SetFont("go", style, size)
	if muted {
		w.SetTextColor(87, 96, 106)
	} else {
		w.SetTextColor(31, 35, 40)
	}
	w.MultiCell(textW-(w.GetX()-margin), size*0.5, s, "", "L", false)
	w.SetTextColor(31, 35, 40)
}

// keep starts a new page unless h millimetres fit on this one.
func (w *writer) keep(h float64) {
	_, pageH := w.GetPageSize()
	if w.GetY()+h > pageH-margin {
		w.AddPage()
	}
}

// element writes an element: its level, title, facts and latest check-in.
func (w *writer) element(e Element) {
	w.keep(30)
	indent := margin + float64(min(e.Depth, 5))*5
	w.SetLeftMargin(indent)
	w.SetX(indent)
	w.Ln(2)
	w.text(strings.ToUpper(e.Level), "", 8, true)
	w.text(e.Title, "B", 12, false)
	var facts []string
	for _, f := range e.Facts {
		facts = append(facts, f[0]+": "+f[1])
	}
	w.text(strings.Join(facts, " · "), "", 9, true)
	if c := e.CheckIn; c != nil {
		w.SetLeftMargin(indent + 4)
		w.SetX(indent + 4)
		w.text(c.Assessment+" — "+c.Summary, "", 10, false)
		if c.NextSteps != "" {
			w.text("Next: "+c.NextSteps, "", 10, false)
		}
		if c.Blockers != "" {
			w.text("Help needed: "+c.Blockers, "", 10, false)
		}
		w.text(c.By+", "+c.When, "", 9, true)
	}
	w.SetLeftMargin(margin)
}

// Chart colours, as in the web client.
var tones = map[string][3]int{"good": {218, 251, 225}, "warn": {255, 241, 184}, "bad": {255, 225, 222}}

// kpi writes a KPI: its facts and its chart.
func (w *writer) kpi(k KPI) {
	const chartH, axisW = 55.0, 20.0
	w.keep(chartH + 35)
	w.Ln(2)
	w.text(k.Title, "B", 12, false)
	w.text(fmt.Sprintf("Measures: %s · Status: %s · Latest: %s · Target: %s", k.Measures, k.Status, k.Latest, k.Target), "", 9, true)
	c := k.Chart
	x0, y0, cw := margin+axisW, w.GetY()+3, textW-axisW
	X := func(v float64) float64 { return x0 + v*cw }
	Y := func(v float64) float64 { return y0 + (1-v)*chartH }
	for _, b := range c.Bands {
		t := tones[b.Tone]
		w.SetFillColor(t[0], t[1], t[2])
		w.Rect(X(b.X0), Y(b.Y1), (b.X1-b.X0)*cw, (b.Y1-b.Y0)*chartH, "F")
	}
	w.SetFont("go", "", 7)
	w.SetTextColor(87, 96, 106)
	w.SetDrawColor(216, 222, 228)
	w.SetLineWidth(0.2)
	for _, t := range c.YTicks {
		w.Line(x0, Y(t.At), x0+cw, Y(t.At))
		w.Text(margin, Y(t.At)+1, t.Label)
	}
	for _, t := range c.XTicks {
		x := X(t.At)
		if t.At > 0 {
			x -= w.GetStringWidth(t.Label)
		}
		w.Text(x, y0+chartH+4, t.Label)
	}
	w.SetDrawColor(31, 35, 40)
	w.SetLineWidth(0.5)
	w.SetDashPattern([]float64{1.5, 1}, 0)
	for i := 1; i < len(c.Target); i++ {
		w.Line(X(c.Target[i-1].X), Y(c.Target[i-1].Y), X(c.Target[i].X), Y(c.Target[i].Y))
	}
	w.SetDashPattern(nil, 0)
	w.SetDrawColor(5, 80, 174)
	w.SetFillColor(5, 80, 174)
	w.SetLineWidth(0.7)
	for i, p := range c.Values {
		if i > 0 {
			w.Line(X(c.Values[i-1].X), Y(c.Values[i-1].Y), X(p.X), Y(p.Y))
		}
		w.Circle(X(p.X), Y(p.Y), 0.8, "F")
	}
	w.SetY(y0 + chartH + 6)
	w.text(c.Words+" Shaded: green, amber and red bands; dashed: the target; solid: the values.", "", 8, true)
}

// changes writes what changed in the period.
func (w *writer) changes(p *Pack) {
	switch {
	case p.Period == "":
		w.text("The period has not begun.", "", 10, false)
		return
	case len(p.Changes) == 0:
		w.text("Nothing changed to the plan "+p.Period+".", "", 10, false)
		return
	}
	w.text("Changes to the plan "+p.Period+".", "", 10, true)
	w.Ln(2)
	for _, c := range p.Changes {
		w.keep(12)
		w.text(c.What+": "+c.Title, "B", 10, false)
		if c.Detail != "" {
			w.text(c.Detail, "", 9, true)
		}
		w.Ln(1)
	}
}

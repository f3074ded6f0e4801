package pack

import (
	"fmt"
	"math"
	"slices"
	"time"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
)

// Chart is a KPI's chart as shapes in a unit box (x and y from 0 to 1, y
// up), which each renderer scales to its page: the bands the thresholds
// make (green, amber, red), the target as a step line, and the values.
type Chart struct {
	Bands          []Band
	Target, Values []Point
	YTicks, XTicks []Tick
	// Words says what the chart shows, for those who cannot see it.
	Words string
}

// Band is a rectangle of the chart in a tone: good, warn or bad.
type Band struct {
	X0, X1, Y0, Y1 float64
	Tone           string
}

// Point is a place in the chart's unit box.
type Point struct{ X, Y float64 }

// Tick is a label at a place along an axis.
type Tick struct {
	At    float64
	Label string
}

// ChartOf draws kpi's values, ms, against its targets and thresholds.
func ChartOf(k *kpispb.Kpi, ms []*kpispb.Measurement) Chart {
	var values, targets []dayValue
	for _, m := range ms {
		if m.Value != nil && !math.IsInf(m.GetValue(), 0) && !math.IsNaN(m.GetValue()) {
			values = append(values, dayValue{dayNumber(m.GetPeriodEnd()), m.GetValue()})
		}
	}
	for _, t := range k.GetTargets() {
		targets = append(targets, dayValue{dayNumber(t.GetPeriodEnd()), t.GetValue()})
	}
	byX := func(a, b dayValue) int { return int(a.x - b.x) }
	slices.SortFunc(values, byX)
	slices.SortFunc(targets, byX)
	c := Chart{Words: "No values yet."}
	if len(values) > 0 {
		last := values[len(values)-1]
		c.Words = fmt.Sprintf("%d values from %s to %s; the latest is %s.", len(values), dayOf(values[0].x), dayOf(last.x), value(last.v, k))
	}
	xs := append(xsOf(values), xsOf(targets)...)
	if len(xs) == 0 {
		return c
	}
	x0, x1 := slices.Min(xs), slices.Max(xs)
	if len(values) > 0 {
		// The values matter most: a target years away would squeeze them
		// into a sliver, so the chart looks at most a year past the latest.
		last := values[len(values)-1].x
		x0, x1 = values[0].x, math.Max(last+60, math.Min(x1, last+365))
	}
	if x1-x0 < 30 {
		x0, x1 = x0-15, x1+15
	}
	// The target in effect is the first whose period ends on or after the
	// value's; the last runs on.
	type seg struct{ from, to, v float64 }
	var segs []seg
	within := k.GetDirection() == kpispb.Direction_DIRECTION_WITHIN_BAND
	for i, t := range targets {
		from, to := x0, x1
		if i > 0 {
			from = math.Max(x0, targets[i-1].x)
		}
		if i < len(targets)-1 {
			to = math.Min(x1, t.x)
		}
		if to > from && !within {
			segs = append(segs, seg{from, to, t.v})
		}
	}
	th := k.GetThresholds()
	type band struct {
		from, to, lo, hi float64
		tone             string
	}
	var bands []band
	if within {
		gl, gh, al, ah := th.GetGreenLow(), th.GetGreenHigh(), th.GetAmberLow(), th.GetAmberHigh()
		inf := math.Inf(1)
		bands = []band{{x0, x1, -inf, al, "bad"}, {x0, x1, al, gl, "warn"}, {x0, x1, gl, gh, "good"}, {x0, x1, gh, ah, "warn"}, {x0, x1, ah, inf, "bad"}}
	}
	for _, s := range segs {
		scale := 1.0
		if th.GetKind() == kpispb.Thresholds_KIND_RELATIVE {
			scale = math.Abs(s.v) / 100
		}
		g, a, inf := th.GetGreenWithin()*scale, th.GetAmberWithin()*scale, math.Inf(1)
		if k.GetDirection() == kpispb.Direction_DIRECTION_LOWER_IS_BETTER {
			bands = append(bands, band{s.from, s.to, -inf, s.v + g, "good"}, band{s.from, s.to, s.v + g, s.v + a, "warn"}, band{s.from, s.to, s.v + a, inf, "bad"})
		} else {
			bands = append(bands, band{s.from, s.to, -inf, s.v - a, "bad"}, band{s.from, s.to, s.v - a, s.v - g, "warn"}, band{s.from, s.to, s.v - g, inf, "good"})
		}
	}
	var vs []float64
	for _, v := range values {
		vs = append(vs, v.v)
	}
	for _, s := range segs {
		vs = append(vs, s.v)
	}
	for _, b := range bands {
		for _, v := range []float64{b.lo, b.hi} {
			if !math.IsInf(v, 0) {
				vs = append(vs, v)
			}
		}
	}
	if len(vs) == 0 {
		vs = []float64{0}
	}
	y0, y1 := slices.Min(vs), slices.Max(vs)
	pad := (y1 - y0) * 0.12
	if pad == 0 {
		pad = math.Max(math.Abs(y1), 1) * 0.12
	}
	y0, y1 = y0-pad, y1+pad
	if k.GetUnit() == kpispb.Unit_UNIT_PERCENT && y0 < 0 && slices.Min(vs) >= 0 {
		y0 = 0
	}
	X := func(x float64) float64 { return (x - x0) / (x1 - x0) }
	Y := func(v float64) float64 { return math.Max(0, math.Min(1, (v-y0)/(y1-y0))) }
	for _, b := range bands {
		if lo, hi := Y(b.lo), Y(b.hi); hi-lo > 0.002 {
			c.Bands = append(c.Bands, Band{X(b.from), X(b.to), lo, hi, b.tone})
		}
	}
	for _, s := range segs {
		c.Target = append(c.Target, Point{X(s.from), Y(s.v)}, Point{X(s.to), Y(s.v)})
	}
	for _, v := range values {
		c.Values = append(c.Values, Point{X(v.x), Y(v.v)})
	}
	for _, t := range ticks(y0, y1, 4) {
		c.YTicks = append(c.YTicks, Tick{Y(t), value(t, k)})
	}
	c.XTicks = []Tick{{0, dayOf(x0)}, {1, dayOf(x1)}}
	return c
}

// dayValue is a value on a day (a day number).
type dayValue struct{ x, v float64 }

// xsOf are the values' days.
func xsOf(ps []dayValue) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = p.x
	}
	return out
}

// epoch is day number 0.
var epoch = time.Unix(0, 0).UTC()

// dayOf is a day number as YYYY-MM-DD.
func dayOf(n float64) string {
	return epoch.AddDate(0, 0, int(math.Round(n))).Format(time.DateOnly)
}

// ticks are about count round values from lo to hi.
func ticks(lo, hi float64, count int) []float64 {
	raw := (hi - lo) / float64(count)
	if raw <= 0 || math.IsInf(raw, 0) || math.IsNaN(raw) {
		return nil
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for i, first := 0, math.Ceil(lo/step)*step; i <= 4*count; i++ {
		t := first + float64(i)*step
		if t > hi {
			break
		}
		out = append(out, t)
	}
	return out
}

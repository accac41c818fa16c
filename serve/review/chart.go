package review

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// Charts are hand-built SVG: a fixed viewBox that scales to the width of its container,
// role="img" with a <title> and <desc> (aria-labelledby) for screen readers, and colours
// from the Okabe–Ito palette, which stays distinct for colour-blind readers and in
// greyscale print.
const (
	chartW = 720
	chartH = 300
	padL   = 70
	padR   = 16
	padT   = 18
	padB   = 44
)

// Colours.
const (
	colInk     = "#1a1a1a"
	colGrid    = "#d0d0d0"
	colActual  = "#1a1a1a"
	colFc      = "#0072b2"
	colBand80  = "#56b4e9"
	colBand95  = "#cde7f6"
	colTarget  = "#d55e00"
	colUp      = "#009e73"
	colDown    = "#d55e00"
	colBase    = "#7a7a7a"
	colHilight = "#fff3c4"
)

// palette colours the incentive types.
var palette = []string{"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442"}

type svg struct {
	b  strings.Builder
	id string
}

func newSVG(id, title, desc string) *svg { return newSizedSVG(id, title, desc, chartW, chartH) }

func newSizedSVG(id, title, desc string, w, h int) *svg {
	s := &svg{id: id}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMidYMid meet">`,
		id, w, h, id, id)
	fmt.Fprintf(&s.b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
	return s
}

func (s *svg) add(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func (s *svg) text(x, y float64, anchor, class, txt string) {
	s.add(`<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`, x, y, anchor, class, html.EscapeString(txt))
}

func (s *svg) html() template.HTML {
	s.b.WriteString(`</svg>`)
	return template.HTML(s.b.String()) // every text was escaped above
}

// scale maps [lo, hi] to pixels [p0, p1].
type scale struct{ lo, hi, p0, p1 float64 }

func (sc scale) at(v float64) float64 {
	if sc.hi == sc.lo {
		return (sc.p0 + sc.p1) / 2
	}
	return sc.p0 + (v-sc.lo)/(sc.hi-sc.lo)*(sc.p1-sc.p0)
}

// niceTicks returns about n round tick values covering [lo, hi] and the range they span.
func niceTicks(lo, hi float64, n int) ([]float64, float64, float64) {
	if !(hi > lo) {
		hi = lo + math.Max(1, math.Abs(lo)*0.1)
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	start := math.Floor(lo/step) * step
	end := math.Ceil(hi/step) * step
	var ticks []float64
	for v := start; v <= end+step/2; v += step {
		ticks = append(ticks, v)
	}
	return ticks, start, end
}

// yAxis draws horizontal grid lines with labels and returns the scale.
func (s *svg) yAxis(lo, hi float64, label func(float64) string) scale {
	ticks, a, b := niceTicks(lo, hi, 5)
	sc := scale{a, b, chartH - padB, padT}
	for _, v := range ticks {
		y := sc.at(v)
		s.add(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="1"/>`, padL, y, chartW-padR, y, colGrid)
		s.text(padL-6, y+4, "end", "tick", label(v))
	}
	return sc
}

// xBand places n categories side by side and returns each one's centre and width.
func xBand(n int) (func(i int) float64, float64) {
	w := float64(chartW-padL-padR) / float64(max(n, 1))
	return func(i int) float64 { return padL + w*(float64(i)+0.5) }, w
}

// xLabels writes the category labels, thinned to at most about 12.
func (s *svg) xLabels(labels []string, at func(int) float64) {
	every := max(1, (len(labels)+11)/12)
	for i, l := range labels {
		// The last label is written too unless it would touch the one before it.
		if i%every != 0 && (i != len(labels)-1 || every > 1) {
			continue
		}
		s.text(at(i), chartH-padB+18, "middle", "tick", l)
	}
}

func (s *svg) legend(items [][2]string) {
	x := float64(padL)
	for _, it := range items {
		s.add(`<rect x="%.1f" y="%d" width="12" height="12" fill="%s"/>`, x, chartH-16, it[0])
		s.text(x+16, chartH-6, "start", "legend", it[1])
		x += 28 + textWidth(it[1])
	}
}

func path(pts [][2]float64) string {
	var b strings.Builder
	for i, p := range pts {
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString(" L")
		}
		fmt.Fprintf(&b, "%.1f %.1f", p[0], p[1])
	}
	return b.String()
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// fanChart draws the last actuals and the forecast with its bands.
func fanChart(p *Page, lang string) template.HTML {
	n := numbers{lang: lang}
	fs := p.Forecast
	hist := fs.History[max(0, len(fs.History)-12):]
	var labels []string
	lo, hi := math.Inf(1), math.Inf(-1)
	upd := func(v float64) {
		if finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	for _, h := range hist {
		labels = append(labels, h.Period)
		upd(h.Revenue)
		upd(h.Target)
	}
	for _, f := range fs.Next {
		labels = append(labels, f.Period)
		for _, v := range []float64{f.Revenue, f.Lo95, f.Hi95, f.Target} {
			upd(v)
		}
	}
	s := newSVG("chart-forecast", T(lang, "sec.forecast"), T(lang, "fan.desc"))
	at, _ := xBand(len(labels))
	if i := indexOf(labels, p.Quarter); i >= 0 {
		_, w := xBand(len(labels))
		s.add(`<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`, at(i)-w/2, padT, w, chartH-padT-padB, colHilight)
	}
	y := s.yAxis(math.Min(lo, 0.8*lo), hi, n.short)
	k := len(hist)
	band := func(level int, fill string) {
		var up, down [][2]float64
		up = append(up, [2]float64{at(k - 1), y.at(hist[k-1].Revenue)})
		for h, f := range fs.Next {
			l, u := f.Lo80, f.Hi80
			if level == 95 {
				l, u = f.Lo95, f.Hi95
			}
			if !finite(l) || !finite(u) {
				return
			}
			up = append(up, [2]float64{at(k + h), y.at(u)})
			down = append([][2]float64{{at(k + h), y.at(l)}}, down...)
		}
		s.add(`<path class="band%d" d="%s Z" fill="%s" stroke="none"/>`, level, path(append(up, down...)), fill)
	}
	if k > 0 && len(fs.Next) > 0 {
		band(95, colBand95)
		band(80, colBand80)
	}
	var hp [][2]float64
	for i, h := range hist {
		hp = append(hp, [2]float64{at(i), y.at(h.Revenue)})
	}
	s.add(`<path class="actual" d="%s" fill="none" stroke="%s" stroke-width="2.5"/>`, path(hp), colActual)
	if k > 0 {
		fp := [][2]float64{{at(k - 1), y.at(hist[k-1].Revenue)}}
		for h, f := range fs.Next {
			fp = append(fp, [2]float64{at(k + h), y.at(f.Revenue)})
		}
		s.add(`<path class="mean" d="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-dasharray="7 5"/>`, path(fp), colFc)
	}
	diamond := func(x, v float64) {
		if finite(v) {
			yy := y.at(v)
			s.add(`<path class="target" d="M%.1f %.1f l5 5 l-5 5 l-5 -5 Z" fill="%s"/>`, x, yy-5, colTarget)
		}
	}
	for i, h := range hist {
		diamond(at(i), h.Target)
	}
	for h, f := range fs.Next {
		diamond(at(k+h), f.Target)
	}
	s.xLabels(labels, at)
	if len(fs.Next) == 0 { // withheld: the history alone, and a legend that says only that
		s.legend([][2]string{{colActual, T(lang, "actual")}, {colTarget, T(lang, "target")}})
		return s.html()
	}
	s.legend([][2]string{{colActual, T(lang, "actual")}, {colFc, T(lang, "forecast")}, {colBand80, T(lang, "interval80")},
		{colBand95, T(lang, "interval95")}, {colTarget, T(lang, "target")}})
	return s.html()
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// targetBars draws the recent quarters' actuals with their targets.
func targetBars(ts *TargetSection, lang string) template.HTML {
	n := numbers{lang: lang}
	s := newSVG("chart-target", T(lang, "sec.target"), T(lang, "bars.desc"))
	hi := 0.0
	var labels []string
	for _, a := range ts.Recent {
		labels = append(labels, a.Period)
		hi = math.Max(hi, a.Revenue)
		if finite(a.Target) {
			hi = math.Max(hi, a.Target)
		}
	}
	y := s.yAxis(0, hi*1.12, n.short)
	at, w := xBand(len(ts.Recent))
	for i, a := range ts.Recent {
		x := at(i)
		bw := w * 0.6
		fill := colFc
		if a.Period == ts.Quarter {
			fill = "#005080"
		}
		s.add(`<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s</title></rect>`,
			x-bw/2, y.at(a.Revenue), bw, y.at(0)-y.at(a.Revenue), fill, html.EscapeString(a.Period), html.EscapeString(n.money(a.Revenue)))
		if finite(a.Target) {
			s.add(`<line class="target" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>`, x-w*0.4, y.at(a.Target), x+w*0.4, y.at(a.Target), colTarget)
			s.text(x, math.Min(y.at(a.Revenue), y.at(a.Target))-6, "middle", "val", n.pct(a.Completion))
		}
	}
	s.xLabels(labels, at)
	s.legend([][2]string{{colFc, T(lang, "actual")}, {colTarget, T(lang, "target")}})
	return s.html()
}

// waterfall draws revenue a year before, each driver's step, the rest and the revenue now.
// The steps are taken in order on the log scale, so they add up exactly to the actual.
func waterfall(g *GrowthSection, lang string) template.HTML {
	n := numbers{lang: lang}
	s := newSVG("chart-growth", T(lang, "sec.growth"), T(lang, "wf.desc"))
	type bar struct {
		label    string
		from, to float64
		kind     string
		pts      float64 // a step's contribution, log points
	}
	bars := []bar{{g.BaseQuarter, 0, g.Base, "total", 0}}
	cum := 0.0
	level := g.Base
	for _, st := range g.Steps {
		cum += st.Contribution
		next := g.Base * math.Exp(cum)
		bars = append(bars, bar{pick(driverNames, st.Driver, lang), level, next, "step", st.Contribution})
		level = next
	}
	bars = append(bars, bar{T(lang, "other"), level, g.Actual, "step", g.Unexplained}, bar{g.Quarter, 0, g.Actual, "total", 0})
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range bars {
		if b.kind == "step" {
			lo = math.Min(lo, math.Min(b.from, b.to))
		}
		hi = math.Max(hi, math.Max(b.from, b.to))
	}
	lo = math.Min(lo, math.Min(g.Base, g.Actual))
	// Start the axis below the smallest level so the steps are visible; the totals are
	// drawn from the axis floor and labelled with their value.
	floor := math.Max(0, lo-(hi-lo)*1.5)
	y := s.yAxis(floor, hi+(hi-lo)*0.15, n.short)
	at, w := xBand(len(bars))
	var labels []string
	for i, b := range bars {
		labels = append(labels, b.label)
		x, bw := at(i), w*0.62
		top, bot := math.Max(b.from, b.to), math.Min(b.from, b.to)
		if b.kind == "total" {
			bot = y.lo
		}
		fill := colBase
		if b.kind == "step" {
			fill = colUp
			if b.to < b.from {
				fill = colDown
			}
		}
		h := math.Max(1, y.at(bot)-y.at(top))
		s.add(`<rect class="bar %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, b.kind, x-bw/2, y.at(top), bw, h, fill)
		val := n.short(b.to)
		if b.kind == "step" {
			// The same unit as the table beside the chart: points of growth.
			val = n.points(b.pts)
		}
		s.text(x, y.at(top)-6, "middle", "val", val)
	}
	// Category labels are long (driver names): all are written, smaller, on two lines when
	// they would run into their neighbours.
	for i, l := range labels {
		for k, line := range splitLabel(l) {
			s.text(at(i), float64(chartH-padB+14+13*k), "middle", "tick small", line)
		}
	}
	return s.html()
}

// whatIfBars draws the forecast without and with the scenario.
func whatIfBars(w *WhatIfSection, lang string) template.HTML {
	n := numbers{lang: lang}
	s := newSVG("chart-whatif", T(lang, "sec.whatif"), T(lang, "wi.desc"))
	hi := 0.0
	var labels []string
	for _, q := range w.Quarters {
		labels = append(labels, q.Period)
		hi = math.Max(hi, math.Max(q.Base, q.Scenario))
	}
	y := s.yAxis(0, hi*1.12, n.short)
	at, bw := xBand(len(w.Quarters))
	for i, q := range w.Quarters {
		x := at(i)
		b := bw * 0.36
		s.add(`<rect class="bar base" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x-b, y.at(q.Base), b, y.at(0)-y.at(q.Base), colBase)
		s.add(`<rect class="bar scen" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y.at(q.Scenario), b, y.at(0)-y.at(q.Scenario), colFc)
		s.text(x, y.at(math.Max(q.Base, q.Scenario))-6, "middle", "val", n.signedPct(q.ChangePercent/100))
	}
	s.xLabels(labels, at)
	s.legend([][2]string{{colBase, T(lang, "whatif.base")}, {colFc, T(lang, "whatif.scen")}})
	return s.html()
}

// incentiveStack draws one horizontal bar per team, split by the incentive recommended
// first: teams are many and their names long, so they read down the left side.
func incentiveStack(is *IncentiveSection, lang string) template.HTML {
	const (
		left = 190
		rowH = 22
		top  = 8
	)
	h := top + rowH*len(is.Teams) + 64
	s := newSizedSVG("chart-incentives", T(lang, "sec.incentives"), T(lang, "inc.desc"), chartW, h)
	hi := 0
	for _, t := range is.Teams {
		hi = max(hi, t.Employees)
	}
	ticks, a, b := niceTicks(0, float64(hi), 5)
	x := scale{a, b, left, chartW - padR}
	bottom := float64(top + rowH*len(is.Teams))
	for _, v := range ticks {
		s.add(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, x.at(v), top, x.at(v), bottom, colGrid)
		s.text(x.at(v), bottom+16, "middle", "tick", trim(v, 0))
	}
	for i, t := range is.Teams {
		y := float64(top + rowH*i)
		s.text(left-8, y+rowH*0.7, "end", "tick", t.Team)
		base := 0
		for k, typ := range is.Types {
			c := t.Top[typ]
			if c == 0 {
				continue
			}
			s.add(`<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s · %s: %d</title></rect>`,
				x.at(float64(base)), y+3, x.at(float64(base+c))-x.at(float64(base)), float64(rowH-6), palette[k%len(palette)],
				html.EscapeString(t.Team), html.EscapeString(pick(rewardNames, typ, lang)), c)
			base += c
		}
	}
	lx := 16.0
	for k, typ := range is.Types {
		name := pick(rewardNames, typ, lang)
		s.add(`<rect x="%.1f" y="%d" width="12" height="12" fill="%s"/>`, lx, h-20, palette[k%len(palette)])
		s.text(lx+16, float64(h-10), "start", "legend", name)
		lx += 28 + textWidth(name)
	}
	return s.html()
}

// textWidth estimates the width of a label at 12 px: about 7 px a Latin character, 12 px a
// Chinese one.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r > 0x2e80 {
			w += 12.5
		} else {
			w += 7
		}
	}
	return w
}

// splitLabel breaks a long category label into two lines: at the middle space, or in the
// middle of a label without spaces (Chinese).
func splitLabel(l string) []string {
	if textWidth(l) <= 80 {
		return []string{l}
	}
	if words := strings.Fields(l); len(words) > 1 {
		best, bestDiff := 1, math.Inf(1)
		for k := 1; k < len(words); k++ {
			d := math.Abs(textWidth(strings.Join(words[:k], " ")) - textWidth(strings.Join(words[k:], " ")))
			if d < bestDiff {
				best, bestDiff = k, d
			}
		}
		return []string{strings.Join(words[:best], " "), strings.Join(words[best:], " ")}
	}
	r := []rune(l)
	return []string{string(r[:len(r)/2]), string(r[len(r)/2:])}
}

// backtestChart draws the actuals of the backtest quarters and the one-step forecasts.
func backtestChart(a *AccuracySection, lang string) template.HTML {
	n := numbers{lang: lang}
	s := newSVG("chart-accuracy", T(lang, "sec.accuracy"), T(lang, "bt.desc"))
	lo, hi := math.Inf(1), math.Inf(-1)
	var labels []string
	for _, p := range a.Points {
		labels = append(labels, p.Period)
		lo = math.Min(lo, math.Min(p.Actual, p.Forecast))
		hi = math.Max(hi, math.Max(p.Actual, p.Forecast))
	}
	y := s.yAxis(lo-(hi-lo)*0.3, hi+(hi-lo)*0.1, n.short)
	at, _ := xBand(len(a.Points))
	var ap, fp [][2]float64
	for i, p := range a.Points {
		ap = append(ap, [2]float64{at(i), y.at(p.Actual)})
		fp = append(fp, [2]float64{at(i), y.at(p.Forecast)})
	}
	s.add(`<path class="actual" d="%s" fill="none" stroke="%s" stroke-width="2.5"/>`, path(ap), colActual)
	s.add(`<path class="mean" d="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-dasharray="7 5"/>`, path(fp), colFc)
	for i := range a.Points {
		s.add(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`, ap[i][0], ap[i][1], colActual)
		s.add(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`, fp[i][0], fp[i][1], colFc)
	}
	s.xLabels(labels, at)
	s.legend([][2]string{{colActual, T(lang, "actual")}, {colFc, T(lang, "forecast")}})
	return s.html()
}

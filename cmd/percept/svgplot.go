package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// plotColors are the series colours of the SVG charts (Paul Tol's bright
// scheme, readable by colour-blind readers).
var plotColors = []string{"#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"}

// svgOpen starts an SVG document of the given size with a bold title line.
func svgOpen(b *strings.Builder, width, height int, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(b, `<text x="4" y="16" font-weight="bold">%s</text>`+"\n", xmlEscape(title))
}

// xmlEscape escapes s for SVG text and attribute values.
func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// plotPoint is one point of a scatter plot: label is the short mark drawn
// beside it, series picks its colour.
type plotPoint struct {
	label  string
	x, y   float64
	series int
}

// scatterSVG draws points, each a dot with its label beside it, on a y
// axis from zero and an x axis from zero, or logarithmic when the x values
// span more than a factor of 10 (timings of SIMD and portable kernels).
// At the right it lists key (what the labels stand for) and, when there
// are several, the series with their colours.
func scatterSVG(title, xLabel, yLabel string, key, series []string, points []plotPoint) []byte {
	const left, top, plotW, plotH, lineH = 70, 40, 520, 360, 18
	legendW := 0
	for _, s := range append(slices.Clone(key), series...) {
		legendW = max(legendW, 40+7*utf8.RuneCountInString(s))
	}
	legendH := top + lineH*(len(key)+len(series)+1)
	xMin, xMax, yMax := math.Inf(1), 0.0, 0.0
	for _, p := range points {
		xMin, xMax, yMax = min(xMin, p.x), max(xMax, p.x), max(yMax, p.y)
	}
	yMax = niceCeil(yMax)
	ax := linearAxis(niceCeil(1.05 * xMax)) // no point on the right edge
	if xMin > 0 && xMax > 10*xMin {
		ax = logAxis(xMin, xMax)
		xLabel += ", log scale"
	}
	var b strings.Builder
	svgOpen(&b, left+plotW+legendW, max(top+plotH+50, legendH), title)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", left, top, plotW, plotH)
	for _, t := range ax.ticks {
		x := float64(left) + ax.at(t)*plotW
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			x, top, x, top+plotH, x, top+plotH+16, axisNumber(t))
	}
	for i := 0; i <= 5; i++ {
		f := float64(i) / 5
		y := float64(top+plotH) - f*plotH
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			left, y, left+plotW, y, left-4, y+4, axisNumber(f*yMax))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", left+plotW/2, top+plotH+36, xmlEscape(xLabel))
	fmt.Fprintf(&b, `<text transform="translate(16,%d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", top+plotH/2, xmlEscape(yLabel))
	for _, p := range points {
		x, y := float64(left)+ax.at(p.x)*plotW, float64(top+plotH)-p.y/yMax*plotH
		color := plotColors[p.series%len(plotColors)]
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`+"\n", x, y, color, x+5, y-5, xmlEscape(p.label))
	}
	y := top + 10
	for _, k := range key {
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", left+plotW+14, y+4, xmlEscape(k))
		y += lineH
	}
	if len(series) > 1 {
		y += lineH
		for i, s := range series {
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="4" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
				left+plotW+20, y, plotColors[i%len(plotColors)], left+plotW+30, y+4, xmlEscape(s))
			y += lineH
		}
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// axis maps values to [0, 1] across a plot and lists where its ticks go.
type axis struct {
	at    func(v float64) float64
	ticks []float64
}

// linearAxis runs from 0 to end with six ticks.
func linearAxis(end float64) axis {
	ax := axis{at: func(v float64) float64 { return v / end }}
	for i := 0; i <= 5; i++ {
		ax.ticks = append(ax.ticks, end*float64(i)/5)
	}
	return ax
}

// logAxis runs logarithmically from the largest 1, 2 or 5 times a power
// of ten below lo (> 0) to the smallest above hi, with a margin, and has
// its ticks at 1, 2 and 5 times each power of ten between.
func logAxis(lo, hi float64) axis {
	var ticks []float64
	for e := math.Floor(math.Log10(0.95 * lo)); ; e++ {
		for _, m := range []float64{1, 2, 5} {
			t := m * math.Pow(10, e)
			if t > 0.95*lo && len(ticks) > 0 && ticks[len(ticks)-1] < 0.95*lo {
				ticks = ticks[len(ticks)-1:] // start at the last tick below lo
			}
			ticks = append(ticks, t)
			if t >= 1.05*hi {
				from, to := math.Log10(ticks[0]), math.Log10(t)
				return axis{at: func(v float64) float64 { return (math.Log10(v) - from) / (to - from) }, ticks: ticks}
			}
		}
	}
}

// niceCeil returns the smallest of 1, 2, 2.5 or 5 times a power of ten at
// least v (1 for v ≤ 0), so that an axis from 0 to it has round ticks.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// axisNumber formats a tick value without trailing zeros.
func axisNumber(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

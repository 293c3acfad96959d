package optimize

import (
	"fmt"
	"math"
)

// histBins is the number of bins of each side (negative, positive) of a
// calibration histogram: after growth at least half of a side's bins
// span its largest magnitude, so the histogram resolves a range to at
// least 1/1024 of it. Each histogram takes 2 × 2048 × 8 = 32 KiB.
const histBins = 2048

// histogram counts a tensor's values over every calibration sample, with
// bounded memory and no allocation after it is made: exact zeros on their
// own (ReLU outputs are mostly zero, and zero is exactly representable),
// positive values in pos and negative ones in neg by magnitude, in bins of
// width w, a power of two, so that bin i of a side holds magnitudes in
// [i·w, (i+1)·w). When a sample holds a magnitude of histBins·w or more,
// w doubles and adjacent bins merge, as often as needed: the merge is
// exact, no count moves to a bin it does not belong to.
type histogram struct {
	w        float64
	zeros    uint64
	pos, neg [histBins]uint64
}

// grow makes the bins wide enough for magnitudes up to m.
func (h *histogram) grow(m float64) {
	if !(m > 0) || math.IsInf(m, 0) {
		return
	}
	if h.w == 0 {
		// The least power of two w with histBins·w > m.
		_, exp := math.Frexp(m / histBins)
		h.w = math.Ldexp(1, exp)
		return
	}
	for histBins*h.w <= m {
		for _, side := range []*[histBins]uint64{&h.pos, &h.neg} {
			for i := range histBins / 2 {
				side[i] = side[2*i] + side[2*i+1]
			}
			clear(side[histBins/2:])
		}
		h.w *= 2
	}
}

// add counts the finite values of v; the largest magnitude among them
// must be at most m, which grow was called with.
func (h *histogram) add(v []float32, m float64) {
	h.grow(m)
	if h.w == 0 { // all values zero or NaN
		for _, x := range v {
			if x == 0 {
				h.zeros++
			}
		}
		return
	}
	inv := float32(1 / h.w)
	for _, x := range v {
		switch {
		case x > 0 && x <= math.MaxFloat32:
			h.pos[min(int(x*inv), histBins-1)]++
		case x < 0 && x >= -math.MaxFloat32:
			h.neg[min(int(-x*inv), histBins-1)]++
		case x == 0:
			h.zeros++
		}
	}
}

// RangeMethod is how an activation's range is chosen from what calibration
// recorded of it (Ranges.Choose).
type RangeMethod int

const (
	// MinMax takes the global minimum and maximum over every sample, as
	// TFLite's converter does. Every value is representable, and the
	// rare large ones set the step of all the others.
	MinMax RangeMethod = iota
	// Percentile clips each tensor's range to the RangeOptions.Percentile
	// quantile of its values at the top and the matching one at the
	// bottom (99.99: the largest 0.01 % and the smallest 0.01 % clip).
	Percentile
	// MSE chooses each tensor's range to minimise the expected squared
	// error of quantizing its calibration values, the rounding error of
	// the values inside (step²/12 each, zeros exact) plus the clipping
	// error of those outside, by a search over narrowed ranges, as
	// OpenVINO's NNCF and others calibrate.
	MSE
	// Entropy chooses each tensor's range as TensorRT's entropy
	// calibration does: the threshold T on the values' magnitudes (zeros
	// left out, they are exact) whose quantized distribution, in 255
	// levels for a tensor of one sign or 128 for one of both, departs
	// least from the recorded one by Kullback–Leibler divergence; the
	// range is the recorded one cut to [−T, T].
	Entropy
)

// String names the method as percept quantize's -calibration flag does.
func (m RangeMethod) String() string {
	switch m {
	case MinMax:
		return "minmax"
	case Percentile:
		return "percentile"
	case MSE:
		return "mse"
	case Entropy:
		return "entropy"
	}
	return fmt.Sprintf("RangeMethod(%d)", int(m))
}

// RangeOptions configure Ranges.Choose.
type RangeOptions struct {
	Method RangeMethod
	// Percentile is the quantile, in percent, Percentile keeps: in
	// (50, 100]; 0 means DefaultPercentile.
	Percentile float64
}

// DefaultPercentile is the quantile Percentile keeps when RangeOptions
// names none.
const DefaultPercentile = 99.999

// mseSteps is how many narrowed ranges MSE tries for each end of a range.
const mseSteps = 256

// Choose returns ranges for Int8 chosen from the recorded values by the
// method opts names: each observed tensor's range is its minimum and
// maximum (MinMax, r's own ranges) or a narrower range inside them, and
// Int8 quantizes values outside a tensor's range to its ends. r is not
// changed. Ranges made without histograms (not by a Calibrator) only
// support MinMax. Tensors whose outputs Int8 fixes or copies from their
// input are unaffected.
func (r *Ranges) Choose(opts RangeOptions) (*Ranges, error) {
	p := opts.Percentile
	if p == 0 {
		p = DefaultPercentile
	}
	switch opts.Method {
	case MinMax:
		return r, nil
	case Percentile:
		if !(p > 50 && p <= 100) {
			return nil, fmt.Errorf("optimize: calibration: percentile %v, want it in (50, 100]", p)
		}
	case MSE, Entropy:
	default:
		return nil, fmt.Errorf("optimize: calibration: unknown range method %v", opts.Method)
	}
	if r.hist == nil {
		return nil, fmt.Errorf("optimize: calibration: %v needs the histograms a Calibrator records", opts.Method)
	}
	out := &Ranges{Min: append([]float32(nil), r.Min...), Max: append([]float32(nil), r.Max...),
		Seen: append([]bool(nil), r.Seen...), Samples: r.Samples, hist: r.hist}
	for i, h := range r.hist {
		if h == nil || !r.Seen[i] || h.w == 0 {
			continue
		}
		lo, hi := float64(r.Min[i]), float64(r.Max[i])
		switch opts.Method {
		case Percentile:
			lo, hi = h.percentile(p/100, lo, hi)
		case MSE:
			lo, hi = h.mse(lo, hi)
		default:
			t := h.entropy(lo < 0 && hi > 0)
			lo, hi = max(lo, -t), min(hi, t)
		}
		out.Min[i], out.Max[i] = float32(lo), float32(hi)
	}
	return out, nil
}

// total is the number of values counted.
func (h *histogram) total() uint64 {
	n := h.zeros
	for i := range histBins {
		n += h.pos[i] + h.neg[i]
	}
	return n
}

// tail returns the magnitude t ≤ limit such that at most share of all n
// values lie beyond it on side: the upper edge of the bin where the count
// from the top passes share·n.
func (h *histogram) tail(side *[histBins]uint64, n uint64, share, limit float64) float64 {
	allowed := share * float64(n)
	var above uint64
	for i := histBins - 1; i >= 0; i-- {
		if float64(above+side[i]) > allowed {
			return min(limit, float64(i+1)*h.w)
		}
		above += side[i]
	}
	return 0
}

// percentile returns [lo, hi] narrowed to the quantiles 1−p and p.
func (h *histogram) percentile(p, lo, hi float64) (float64, float64) {
	n := h.total()
	if hi > 0 {
		hi = h.tail(&h.pos, n, 1-p, hi)
	}
	if lo < 0 {
		lo = -h.tail(&h.neg, n, 1-p, -lo)
	}
	return lo, hi
}

// mse returns the range inside [lo, hi] whose int8 parameters (int8Params)
// quantize the counted values with the least squared error: the upper end
// searched with the lower fixed, then the lower with the upper fixed,
// twice, over mseSteps evenly spaced candidates each.
func (h *histogram) mse(lo, hi float64) (float64, float64) {
	bestLo, bestHi := min(lo, 0), max(hi, 0)
	best := h.quantError(bestLo, bestHi)
	for range 2 {
		for _, upper := range []bool{true, false} {
			end := hi
			if !upper {
				end = lo
			}
			if end == 0 {
				continue
			}
			for k := 1; k < mseSteps; k++ {
				c := end * float64(k) / mseSteps
				l, u := bestLo, c
				if !upper {
					l, u = c, bestHi
				}
				if e := h.quantError(l, u); e < best {
					best, bestLo, bestHi = e, l, u
				}
			}
		}
	}
	return bestLo, bestHi
}

// quantError is the squared error, summed over the counted values, of
// quantizing them with the int8 parameters of [lo, hi]: each bin's values
// taken at its centre; those inside the representable range contribute the
// mean rounding error step²/12, those outside their distance to its end
// squared. Zeros are exact.
func (h *histogram) quantError(lo, hi float64) float64 {
	p := int8Params(float32(lo), float32(hi))
	s := float64(p.scale)
	top, bottom := s*float64(127-p.zero), s*float64(-128-p.zero)
	round := s * s / 12
	var e float64
	for side, limit := range []float64{top, -bottom} {
		bins := &h.pos
		if side == 1 {
			bins = &h.neg
		}
		for i, n := range bins {
			if n == 0 {
				continue
			}
			if c := (float64(i) + 0.5) * h.w; c > limit {
				e += float64(n) * (c - limit) * (c - limit)
			} else {
				e += float64(n) * round
			}
		}
	}
	return e
}

// entropy returns the threshold on the counted magnitudes (both signs
// together, zeros left out) whose quantization to 128 levels (signed) or
// 255 (one sign) keeps their distribution closest by Kullback–Leibler
// divergence, as TensorRT's entropy calibration chooses it: for each
// candidate i bins, P is the first i bins with the counts beyond added to
// the last, Q is the first i bins alone merged into the levels and spread
// back evenly over each level's bins where P is not empty, and the least
// KL(P‖Q) wins (all of the bins when there are fewer than levels).
func (h *histogram) entropy(signed bool) float64 {
	levels := 255
	if signed {
		levels = 128
	}
	var mag [histBins]float64
	last := 0
	for i := range histBins {
		mag[i] = float64(h.pos[i] + h.neg[i])
		if mag[i] > 0 {
			last = i
		}
	}
	n := last + 1
	var p, q [histBins]float64
	best, bestI := math.Inf(1), n
	for i := levels; i <= n; i++ {
		copy(p[:i], mag[:i])
		for _, c := range mag[i:n] {
			p[i-1] += c
		}
		// Q: the first i bins, without the counts beyond, merged into
		// levels groups of about i/levels bins and spread back over the
		// bins where P is not empty.
		for l := range levels {
			start, end := l*i/levels, (l+1)*i/levels
			var sum, nonzero float64
			for j := start; j < end; j++ {
				sum += mag[j]
				if p[j] > 0 {
					nonzero++
				}
			}
			for j := start; j < end; j++ {
				q[j] = 0
				if p[j] > 0 {
					q[j] = sum / nonzero
				}
			}
		}
		var pTotal, qTotal float64
		for j := range i {
			pTotal += p[j]
			qTotal += q[j]
		}
		kl := 0.0
		for j := range i {
			if p[j] == 0 {
				continue
			}
			if q[j] == 0 { // P has clipped values where Q has none
				kl = math.Inf(1)
				break
			}
			kl += p[j] / pTotal * math.Log(p[j]/pTotal*qTotal/q[j])
		}
		if kl < best {
			best, bestI = kl, i
		}
	}
	return float64(bestI) * h.w
}

package kernels

// Broadcast8 is a broadcast of two operands against each other in the form
// that LookupBroadcast8 walks quickly: each operand's element for output
// element i is (i / repeat) % period. That holds when the dimensions an
// operand keeps (those it does not broadcast) are adjacent among the
// output's dimensions longer than 1: a scalar, one value per channel, a
// column against a row ([H W 1] against [1 C]) and operands of one shape
// all have it.
type Broadcast8 struct {
	size int // output elements
	a, b broadcastWalk
}

// broadcastWalk is how one operand follows the output: element
// (i / repeat) % period for output element i.
type broadcastWalk struct {
	repeat, period int
}

// NewBroadcast8 returns the walk of operands of shapes sa and sb over
// their broadcast shape, and whether they have LookupBroadcast8's form.
func NewBroadcast8(sa, sb Shape4) (*Broadcast8, bool) {
	out, err := BroadcastShape(sa, sb)
	if err != nil {
		return nil, false
	}
	a, okA := walkOf(sa, out)
	b, okB := walkOf(sb, out)
	if !okA || !okB {
		return nil, false
	}
	return &Broadcast8{size: out.Size(), a: a, b: b}, true
}

// walkOf returns the walk of an operand of shape s over out, and whether it
// has the form (i / repeat) % period: the dimensions it keeps adjacent.
func walkOf(s, out Shape4) (broadcastWalk, bool) {
	dims := [4][2]int{{s.N, out.N}, {s.H, out.H}, {s.W, out.W}, {s.C, out.C}}
	w := broadcastWalk{repeat: 1, period: 1}
	const (
		inner = iota // below the kept dimensions: they multiply repeat
		kept         // in them: they multiply period
		outer        // above them: only broadcast dimensions may follow
	)
	state := inner
	for k := 3; k >= 0; k-- {
		d, o := dims[k][0], dims[k][1]
		if o == 1 {
			continue
		}
		switch {
		case d == o && state == outer:
			return broadcastWalk{}, false
		case d == o:
			state = kept
			w.period *= o
		case state == inner:
			w.repeat *= o
		default:
			state = outer
		}
	}
	return w, true
}

// run is how many consecutive output elements, from a multiple of it, read
// the operand either contiguously (repeat 1) or at one element.
func (w broadcastWalk) run() int {
	if w.repeat == 1 {
		return w.period
	}
	return w.repeat
}

// LookupBroadcast8 is LookupBinary8 for the output elements [lo, hi) of
// operands that k describes: the same values, without a per-element call.
// An operand of the output's size against a scalar or a short period goes
// through lookupColumns. Otherwise the output is walked in runs along which
// each operand is read either contiguously or at one element; a short
// period read contiguously against an operand of the output's size is first
// repeated into a buffer of up to 256 elements, so that runs are long.
func LookupBroadcast8[T int8 | uint8](t *Table88, k *Broadcast8, a, b, dst []T, lo, hi int) {
	var bufA, bufB [256]T
	wa, wb := k.a, k.b
	if (wb.repeat == 1 || wb.period == 1) && wb.period <= maxLookupColumns && wa.repeat == 1 && wa.period == k.size {
		lookupColumns(t, a, b[:wb.period], dst, lo, hi)
		return
	}
	if wb.repeat == 1 && wb.period < len(bufB)/2 && wa.repeat == 1 && wa.period == k.size {
		b, wb.period = repeatPeriod(b[:wb.period], bufB[:]), wb.period*(len(bufB)/wb.period)
	}
	if wa.repeat == 1 && wa.period < len(bufA)/2 && wb.repeat == 1 && wb.period == k.size {
		a, wa.period = repeatPeriod(a[:wa.period], bufA[:]), wa.period*(len(bufA)/wa.period)
	}
	run := min(wa.run(), wb.run())
	// The operands' indices at the first run; later runs step them: an
	// operand read contiguously moves by a run, one read at one element
	// moves by one every repeat/run runs.
	ia, ib := (lo/wa.repeat)%wa.period, (lo/wb.repeat)%wb.period
	ka, kb := (lo%wa.repeat)/run, (lo%wb.repeat)/run
	ra, rb := wa.repeat/run, wb.repeat/run // runs per element of a and b
	for s, next := lo, (lo/run+1)*run; s < hi; next += run {
		e := min(hi, next)
		d := dst[s:e]
		switch aSpan, bSpan := wa.repeat == 1, wb.repeat == 1; {
		case aSpan && bSpan:
			lookupPairs(t, a[ia:ia+len(d)], b[ib:ib+len(d)], d)
		case aSpan:
			lookupFirsts(t, a[ia:ia+len(d)], b[ib], d)
		case bSpan:
			lookupSeconds((*[256]uint8)(t[int(uint8(a[ia]))<<8:]), b[ib:ib+len(d)], d)
		default:
			v := T(t[int(uint8(a[ia]))<<8|int(uint8(b[ib]))])
			for j := range d {
				d[j] = v
			}
		}
		ia, ka = wa.step(ia, ka, len(d), ra)
		ib, kb = wb.step(ib, kb, len(d), rb)
		s = e
	}
}

// The loops of LookupBroadcast8's runs, as functions of their own so that
// their few variables stay in registers.

// lookupPairs sets d[j] = t[x[j], y[j]]; x and y are as long as d.
func lookupPairs[T int8 | uint8](t *Table88, x, y, d []T) {
	x, y = x[:len(d)], y[:len(d)]
	for j := range d {
		d[j] = T(t[int(uint8(x[j]))<<8|int(uint8(y[j]))])
	}
}

// lookupFirsts sets d[j] = t[x[j], y]; x is as long as d.
func lookupFirsts[T int8 | uint8](t *Table88, x []T, y T, d []T) {
	x = x[:len(d)]
	col := int(uint8(y))
	for j := range d {
		d[j] = T(t[int(uint8(x[j]))<<8|col])
	}
}

// lookupSeconds sets d[j] = row[y[j]]: the table's row of one first
// operand; y is as long as d.
func lookupSeconds[T int8 | uint8](row *[256]uint8, y, d []T) {
	y = y[:len(d)]
	for j := range d {
		d[j] = T(row[uint8(y[j])])
	}
}

// step advances an operand's index i past a run of n output elements:
// by n when it is read contiguously, else by one every runs runs, k
// counting them.
func (w broadcastWalk) step(i, k, n, runs int) (int, int) {
	if w.repeat == 1 {
		i += n
	} else if k++; k == runs {
		i, k = i+1, 0
	}
	if i == w.period {
		i = 0
	}
	return i, k
}

// maxLookupColumns is the longest period of a second operand (against a
// first of the output's size) that lookupColumns copies out of the table:
// a power of two.
const maxLookupColumns = 8

// lookupColumns is LookupBroadcast8 for a of the output's size against b
// repeated along it (a scalar, or one value per channel): it first copies
// the table's columns of b's values (t[x<<8 | b[c]] for every x) into a
// small table that stays in the L1 cache, where the 64 KiB table would be
// read a column at a time from farther away.
func lookupColumns[T int8 | uint8](t *Table88, a, b, dst []T, lo, hi int) {
	var cols [maxLookupColumns << 8]T
	for c, v := range b {
		col := cols[c<<8:][:256]
		for x := range col {
			col[x] = T(t[x<<8|int(uint8(v))])
		}
	}
	x, d := a[lo:hi], dst[lo:hi]
	if len(b) == 1 {
		col := (*[256]T)(cols[:256])
		for j, v := range x {
			d[j] = col[uint8(v)]
		}
		return
	}
	if len(b) == 3 {
		lookupColumns3(&cols, lo, x, d)
		return
	}
	// Element i reads column i % len(b): taken from a repeating pattern of
	// column indices, a run of whole periods at a time.
	var pattern [256]uint8
	n := len(pattern) / len(b) * len(b)
	for i := range n {
		pattern[i] = uint8(i % len(b))
	}
	for s := 0; s < len(x); {
		c := (lo + s) % n
		m := min(len(x)-s, n-c)
		lookupPattern(&cols, pattern[c:c+m], x[s:s+m], d[s:s+m])
		s += m
	}
}

// lookupColumns3 is lookupColumns' loop for three columns (one value per
// channel of an RGB image, the commonest case), a pixel a step; x and d
// start at output element lo.
func lookupColumns3[T int8 | uint8](cols *[maxLookupColumns << 8]T, lo int, x, d []T) {
	c0, c1, c2 := (*[256]T)(cols[0:]), (*[256]T)(cols[256:]), (*[256]T)(cols[512:])
	j := 0
	for ; j < len(x) && (lo+j)%3 != 0; j++ { // up to the first whole pixel
		d[j] = cols[(lo+j)%3<<8|int(uint8(x[j]))]
	}
	for ; j+3 <= len(x); j += 3 {
		p, q := x[j:j+3], d[j:j+3]
		q[0], q[1], q[2] = c0[uint8(p[0])], c1[uint8(p[1])], c2[uint8(p[2])]
	}
	for ; j < len(x); j++ {
		d[j] = cols[(lo+j)%3<<8|int(uint8(x[j]))]
	}
}

// lookupPattern sets d[j] = cols[c[j]<<8 | x[j]]; c and x are as long as d.
func lookupPattern[T int8 | uint8](cols *[maxLookupColumns << 8]T, c []uint8, x, d []T) {
	c, x = c[:len(d)], x[:len(d)]
	for j := range d {
		d[j] = cols[int(c[j]&(maxLookupColumns-1))<<8|int(uint8(x[j]))]
	}
}

// repeatPeriod fills buf with as many whole copies of p as fit and returns
// them.
func repeatPeriod[T any](p, buf []T) []T {
	n := len(buf) / len(p) * len(p)
	for i := 0; i < n; i += len(p) {
		copy(buf[i:], p)
	}
	return buf[:n]
}

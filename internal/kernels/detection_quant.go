package kernels

// DetectionPostProcessQ is DetectionPostProcess on 8-bit class scores,
// which t dequantizes: the same results as DetectionPostProcess on the
// scores dequantized through t, without dequantizing them all.
//
// Fast NMS needs each anchor's best score, the score of its largest
// quantized value since t is non-decreasing (as NewDequantTable's tables
// are for a positive scale), and then the ranked classes of the few picked
// anchors, whose scores alone are dequantized. Regular NMS dequantizes one
// class's scores at a time.
//
// t must be non-decreasing in T's order; p, s and the other arguments are
// as for DetectionPostProcess. It allocates nothing.
func DetectionPostProcessQ[T int8 | uint8](p *DetectionParams, s *DetectionScratch, boxEnc []float32, scores []T, t *DequantTable, anchors []float32, numAnchors, scoreColumns int, outBoxes, outClasses, outScores []float32) int {
	s.begin(p, boxEnc, anchors, outBoxes, outClasses, outScores)
	defer s.end()
	labelOffset := scoreColumns - p.NumClasses
	if p.UseRegularNMS {
		column := func(class int, dst []float32) {
			for a := range dst {
				dst[a] = t[uint8(scores[a*scoreColumns+class+labelOffset])]
			}
		}
		return regularNMS(p, s, column, numAnchors, outBoxes, outClasses, outScores)
	}
	bestScores(s.simd, scores, labelOffset, scoreColumns, p.NumClasses, t, s.anchorScores[:numAnchors])
	classScores := func(anchor int) []float32 {
		row := anchor*scoreColumns + labelOffset
		DequantizeLookup(t, scores[row:row+p.NumClasses], s.rowScores)
		return s.rowScores
	}
	return fastNMS(p, s, classScores, numAnchors, outBoxes, outClasses, outScores)
}

// bestScores sets each dst[a] to the largest of the n scores at
// offset + a·stride dequantized through t, which is non-decreasing: the
// anchors' best class scores. simd selects the assembly, where this build
// has it.
func bestScores[T int8 | uint8](simd bool, scores []T, offset, stride, n int, t *DequantTable, dst []float32) {
	rows := len(dst)
	if rows == 0 {
		return
	}
	scores = scores[offset : offset+(rows-1)*stride+n]
	if simd && bestScoresAsm(scores, stride, n, rows, t, dst) {
		return
	}
	for a := range dst {
		dst[a] = t[uint8(largest(scores[a*stride:a*stride+n]))]
	}
}

// largest returns the largest of values, which must not be empty. Four
// running maxima of ints compile to independent conditional moves, where one
// of T's would be a branch per byte, mispredicted on scores at random.
func largest[T int8 | uint8](values []T) T {
	m0 := int(values[0])
	m1, m2, m3 := m0, m0, m0
	i := 0
	for ; i+4 <= len(values); i += 4 {
		v := values[i : i+4 : i+4]
		m0 = max(m0, int(v[0]))
		m1 = max(m1, int(v[1]))
		m2 = max(m2, int(v[2]))
		m3 = max(m3, int(v[3]))
	}
	for _, v := range values[i:] {
		m0 = max(m0, int(v))
	}
	return T(max(m0, m1, m2, m3))
}

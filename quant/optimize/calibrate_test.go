package optimize_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// calibrated runs a Calibrator for m over files and returns it (closed
// with the test) and the input tensors it was fed, for CorrectBias.
func calibrated(t *testing.T, m *tflite.Model, files []string) (*optimize.Ranges, [][]byte) {
	t.Helper()
	c, err := optimize.NewCalibrator(m, 2)
	require.NoError(t, err)
	defer c.Close()
	var samples [][]byte
	for _, f := range files {
		img, err := models.LoadImage(f)
		require.NoError(t, err)
		require.NoError(t, c.Image(img))
		samples = append(samples, slices.Clone(c.Inputs()[0].Bytes()))
	}
	return c.Ranges(), samples
}

// agreementOn returns the share of files where q's best class is the
// float model's (whose top 5 of each file is want), and the mean share of
// want's top 5 in q's top 5.
func agreementOn(t *testing.T, want [][]int, q *tflite.Model, files []string) (top1, top5 float64) {
	t.Helper()
	got := topK(t, q, files, 5)
	for i := range want {
		if len(got[i]) > 0 && got[i][0] == want[i][0] {
			top1++
		}
		n := 0
		for _, c := range want[i] {
			if slices.Contains(got[i], c) {
				n++
			}
		}
		top5 += float64(n) / float64(len(want[i]))
	}
	return top1 / float64(len(want)), top5 / float64(len(want))
}

// calibrationMethods are the range choices the study compares.
var calibrationMethods = []optimize.RangeOptions{
	{Method: optimize.MinMax},
	{Method: optimize.Percentile, Percentile: 99.9},
	{Method: optimize.Percentile, Percentile: 99.99},
	{Method: optimize.Percentile, Percentile: 99.999},
	{Method: optimize.MSE},
	{Method: optimize.Entropy},
}

func methodName(o optimize.RangeOptions) string {
	if o.Method == optimize.Percentile {
		return fmt.Sprintf("percentile %g", o.Percentile)
	}
	return o.Method.String()
}

// TestCalibrationMethods quantizes MobileNet v1 0.25 with each range
// method, with and without CorrectBias, calibrated on one half of the
// shared photos and measured on the other (both ways), and on all of
// them, and logs the top-1 agreement and top-5 overlap with the float
// model. Every model obeys the int8 spec.
func TestCalibrationMethods(t *testing.T) {
	if testing.Short() {
		t.Skip("quantizes MobileNet 36 times: not in -short")
	}
	f := float32Model(t, mobilenet)
	all := photos(t)
	var even, odd []string
	for i, p := range all {
		if i%2 == 0 {
			even = append(even, p)
		} else {
			odd = append(odd, p)
		}
	}
	splits := []struct {
		name      string
		fit, test []string
	}{{"even→odd", even, odd}, {"odd→even", odd, even}, {"all→all", all, all}}
	type key struct {
		method  string
		correct bool
	}
	top1s, top5s := map[key][]float64{}, map[key][]float64{}
	for _, s := range splits {
		ranges, samples := calibrated(t, f, s.fit)
		want := topK(t, f, s.test, 5)
		for _, o := range calibrationMethods {
			r, err := ranges.Choose(o)
			require.NoError(t, err)
			q, _, err := optimize.Int8(f, r, nil)
			require.NoError(t, err)
			for _, correct := range []bool{false, true} {
				m := q
				if correct {
					m, _, err = optimize.CorrectBias(f, q, samples)
					require.NoError(t, err)
				}
				data, err := tflite.Write(m)
				require.NoError(t, err)
				back, err := tflite.Parse(data)
				require.NoError(t, err)
				requireInt8Spec(t, back, tflite.TypeFloat32)
				top1, top5 := agreementOn(t, want, back, s.test)
				k := key{methodName(o), correct}
				top1s[k] = append(top1s[k], top1)
				top5s[k] = append(top5s[k], top5)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| method | bias correction |")
	for _, s := range splits {
		fmt.Fprintf(&b, " %s top-1 | top-5 |", s.name)
	}
	fmt.Fprintf(&b, "\n|---|---|%s\n", strings.Repeat("---|---|", len(splits)))
	for _, o := range calibrationMethods {
		for _, correct := range []bool{false, true} {
			k := key{methodName(o), correct}
			fmt.Fprintf(&b, "| %s | %v |", k.method, correct)
			for i := range splits {
				fmt.Fprintf(&b, " %.1f %% | %.1f %% |", 100*top1s[k][i], 100*top5s[k][i])
			}
			b.WriteString("\n")
		}
	}
	t.Log(b.String())
	assert.NotEmpty(t, top1s)
}

// meanDeviation is the mean |got − want| over every output value.
func meanDeviation(want, got [][][]float32) float64 {
	sum, n := 0.0, 0
	for i := range want {
		for k := range want[i] {
			for j, w := range want[i][k] {
				sum += math.Abs(float64(got[i][k][j]) - float64(w))
				n++
			}
		}
	}
	return sum / float64(n)
}

// TestCalibrationMethodsDetectors quantizes BlazeFace front and the other
// float16 models (widened; float I/O), calibrated on the shared photos,
// with each range method (BlazeFace front also with CorrectBias), and logs
// the outputs' deviation from the float model's on the reference inputs.
// Every model obeys the int8 spec and gives finite outputs.
func TestCalibrationMethodsDetectors(t *testing.T) {
	if testing.Short() {
		t.Skip("quantizes each detector 5 to 10 times: not in -short")
	}
	var b strings.Builder
	b.WriteString("\n| model | method | bias correction | largest deviation / output's largest value | mean deviation |\n|---|---|---|---|---|\n")
	for _, fm := range []floatModel{blazeface, shortRange, handLandmark} {
		f := float32Model(t, fm)
		inputs := fm.inputs(t)
		want := run(t, f, inputs)
		ranges, samples := calibrated(t, f, photos(t))
		corrections := []bool{false}
		if fm.reference == blazeface.reference {
			corrections = append(corrections, true)
		}
		for _, o := range calibrationMethods {
			r, err := ranges.Choose(o)
			require.NoError(t, err)
			q, _, err := optimize.Int8(f, r, nil)
			require.NoError(t, err)
			for _, correct := range corrections {
				m := q
				if correct {
					m, _, err = optimize.CorrectBias(f, q, samples)
					require.NoError(t, err)
				}
				data, err := tflite.Write(m)
				require.NoError(t, err)
				back, err := tflite.Parse(data)
				require.NoError(t, err)
				requireInt8Spec(t, back, tflite.TypeFloat32)
				got := runQuantized(t, back, inputs)
				for _, o := range got {
					for _, v := range slices.Concat(o...) {
						require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0))
					}
				}
				fmt.Fprintf(&b, "| %s | %s | %v | %.3f | %.3f |\n", fm.reference, methodName(o), correct, relativeDeviation(want, got), meanDeviation(want, got))
			}
		}
	}
	t.Log(b.String())
}

//go:build !race

package nn

// raceEnabled is set when the race detector, whose own memory grows as it
// runs, makes RSS no measure of leaks.
const raceEnabled = false

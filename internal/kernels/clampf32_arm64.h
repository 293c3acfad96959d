// The float clamp of TFLite's activations in NEON, shared by the *_arm64.s
// files that include it after neon_arm64.h.

// CLAMPF32(x, t): Vx = std::min(std::max(Vx, lo), hi) with lo in every
// lane of V14 and hi in V15: lo where lo > x, then hi where x > hi, so a
// NaN passes through bit for bit and zeros keep their sign, as in the
// portable code (FMAX and FMIN would not: they quiet a signaling NaN and
// order −0 below +0). Vt is scratch.
#define CLAMPF32(x, t) \
	FCMGT_4S(t, 14, x) \
	BIT_16B(x, 14, t)  \
	FCMGT_4S(t, x, 15) \
	BIT_16B(x, 15, t)

#!/usr/bin/env bash
# Counts, per convolution and fully connected layer, the instructions of one
# inference in percept and in XNNPACK for 64-bit ARM, on the same layers,
# under qemu with our instruction-counting plugin (plugin/insncount.c):
# percept's neon target beside XNNPACK on a Cortex-A53 (no dot product, so
# XNNPACK picks its NEON kernels), percept's dotprod target beside XNNPACK
# on a Cortex-A76 (XNNPACK picks its NEONDOT kernels). XNNPACK is Debian
# 12's arm64 build (libxnnpack0 0.0~git20220216), linked by Debian's
# aarch64 cross compiler; the driver is ./layers, which also prints the
# Markdown tables (see its package comment).
#
#   tools/insncount/xnnpack-arm64.sh [model.tflite ...]
#
# Without arguments it runs SSD-MobileNet v1 and MobileNet v2 1.0 quant
# from /work/shared/models. Needs gcc, gcc-aarch64-linux-gnu, Debian's
# qemu-user (the dynamic qemu-aarch64; qemu-user-static cannot load
# plugins) and either XNNPACK_ARM64_SYSROOT (a directory holding the arm64
# libxnnpack0, libxnnpack-dev, libpthreadpool0, libpthreadpool-dev,
# libcpuinfo0 and libcpuinfo-dev unpacked with dpkg -x) or apt-get able to download them
# (dpkg --add-architecture arm64 && apt-get update). About 30 s per model.
# Not run by CI. INSNCOUNT_WORK=dir keeps the built plugin and drivers
# there, for attributing a layer's instructions to functions by hand:
#
#   GOMAXPROCS=1 qemu-aarch64 -L /usr/aarch64-linux-gnu \
#     -E LD_LIBRARY_PATH=$sysroot/usr/lib/aarch64-linux-gnu -cpu cortex-a76 \
#     -d plugin -plugin dir/insncount.so,blocks=b.txt,from=-1,to=0 \
#     dir/layers.arm64 -model m.tflite -engine xnnpack >run.log 2>&1
#   dir/layers -symbols b.txt -binary dir/layers.arm64 -log run.log
#
# (from=-1,to=0: the first layer, operator 0; from=P,to=Q: operator Q
# when P is the operator that runs before it.)
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in gcc aarch64-linux-gnu-gcc qemu-aarch64; do
	command -v "$tool" >/dev/null || {
		echo "xnnpack-arm64: $tool is missing (apt-get install gcc gcc-aarch64-linux-gnu qemu-user)" >&2
		exit 1
	}
done
models=("$@")
if [[ ${#models[@]} == 0 ]]; then
	models=(/work/shared/models/detection/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite
		/work/shared/models/classification/mobilenet_v2_1.0_224_quant.tflite)
fi
if [[ -n ${INSNCOUNT_WORK:-} ]]; then
	work=$INSNCOUNT_WORK # kept: the plugin, the drivers and the last model's logs
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi

sysroot=${XNNPACK_ARM64_SYSROOT:-}
if [[ -z $sysroot ]]; then
	sysroot=$work/sysroot
	(cd "$work" && apt-get download libxnnpack0:arm64 libxnnpack-dev:arm64 libpthreadpool0:arm64 \
		libpthreadpool-dev:arm64 libcpuinfo0:arm64 libcpuinfo-dev:arm64) >&2 || {
		echo "xnnpack-arm64: cannot download the arm64 packages (dpkg --add-architecture arm64 && apt-get update?)" >&2
		exit 1
	}
	for deb in "$work"/*.deb; do dpkg -x "$deb" "$sysroot"; done
fi
libs=$sysroot/usr/lib/aarch64-linux-gnu

gcc -shared -fPIC -O2 -Wall -Wextra -Wno-unused-parameter -o "$work/insncount.so" tools/insncount/plugin/insncount.c
CGO_ENABLED=1 GOARCH=arm64 CC=aarch64-linux-gnu-gcc CGO_CFLAGS="-I$sysroot/usr/include" \
	CGO_LDFLAGS="-L$libs -Wl,-rpath-link,$libs" go build -tags xnnpack -o "$work/layers.arm64" ./tools/insncount/layers
go build -o "$work/layers" ./tools/insncount/layers

# count CPU LOG ARGS...: one counting run of the driver on qemu's CPU model,
# its output and the plugin's in LOG. One Go thread runs at a time, so that
# the plugin's shared counter sees one thread's work.
count() {
	local cpu=$1 log=$2
	shift 2
	GOMAXPROCS=1 qemu-aarch64 -L /usr/aarch64-linux-gnu -E "LD_LIBRARY_PATH=$libs" -cpu "$cpu" \
		-d plugin -plugin "$work/insncount.so" "$work/layers.arm64" "$@" >"$log" 2>&1 || {
		echo "xnnpack-arm64: $cpu $*: failed:" >&2
		tail -5 "$log" >&2
		return 1
	}
}

for model in "${models[@]}"; do
	echo "## $(basename "$model")"
	echo
	count cortex-a53 "$work/neon.log" -model "$model" -engine percept -kernels neon
	count cortex-a53 "$work/xnn-neon.log" -model "$model" -engine xnnpack
	count cortex-a76 "$work/dotprod.log" -model "$model" -engine percept -kernels dotprod
	count cortex-a76 "$work/xnn-neondot.log" -model "$model" -engine xnnpack
	grep -h '^skipped' "$work/xnn-neon.log" | sed 's/^/XNNPACK /' || true
	"$work/layers" -report "percept neon=$work/neon.log" "XNNPACK neon=$work/xnn-neon.log" \
		"percept dotprod=$work/dotprod.log" "XNNPACK neondot=$work/xnn-neondot.log"
	echo
done

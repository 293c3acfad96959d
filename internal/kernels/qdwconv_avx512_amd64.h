// Macros shared by the AVX-512 DepthwiseQ kernels, interior
// (qdwconv_3x3_avx512_amd64.s) and edge (qdwconv_edge_avx512_amd64.s); included
// after go_asm.h.

// GROUP_ROW(i) is the byte offset of row i of a packed group: tap i's
// weights, or the requantization table's row i (const_dwRowBias...).
#define GROUP_ROW(i) ((i)*const_dwGroup*4)

// REQUANT_STORE requantizes Z22 and stores its low bytes under K1 at DX.
#define REQUANT_STORE \
	VPSLLVD Z12, Z22, Z22; \
	VPMULDQ Z10, Z22, Z23; \
	VPSRLQ $32, Z22, Z24; \
	VPMULDQ Z11, Z24, Z24; \
	VPADDQ Z19, Z23, Z23; \
	VPADDQ Z19, Z24, Z24; \
	VPSRLQ $31, Z23, Z23; \
	VPSLLQ $1, Z24, Z24; \
	VPBLENDMD Z24, Z23, K2, Z22; \
	VPCMPEQD Z20, Z22, K3; \
	VPSUBD Z21, Z22, K3, Z22; \
	VPANDD Z14, Z22, Z23; \
	VPSRAD $31, Z22, Z24; \
	VPSUBD Z24, Z15, Z24; \
	VPSRAVD Z13, Z22, Z22; \
	VPCMPGTD Z24, Z23, K3; \
	VPADDD Z21, Z22, K3, Z22; \
	VPADDD Z16, Z22, Z22; \
	VPMAXSD Z17, Z22, Z22; \
	VPMINSD Z18, Z22, Z22; \
	VPMOVDB Z22, K1, (DX)

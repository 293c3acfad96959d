// Macros shared by the AVX2 DepthwiseQ kernels, interior (qdwconv_3x3_avx2_amd64.s)
// and edge (qdwconv_edge_avx2_amd64.s); included after go_asm.h.

// GROUP_ROW(i) is the byte offset of row i of a packed group: tap i's
// weights, or the requantization table's row i (const_dwRowBias...).
#define GROUP_ROW(i) ((i)*const_dwGroup*4)

// HALF is the channels of half a group, the 8 channels of one ymm.
#define HALF (const_dwGroup/2)

// REQUANT_PACK requantizes Y9 with the table at R11 and leaves its 8 low
// bytes in the low qword of X9; REQUANT_STORE stores them at DX.
#define REQUANT_STORE REQUANT_PACK; VMOVQ X9, (DX)

#define REQUANT_PACK \
	VPSLLVD GROUP_ROW(const_dwRowLeftShift)(R11), Y9, Y9; \
	VPMULDQ GROUP_ROW(const_dwRowMultiplier)(R11), Y9, Y13; \
	VPSRLQ $32, Y9, Y14; \
	VPMULDQ GROUP_ROW(const_dwRowOddMult)(R11), Y14, Y14; \
	VPADDQ Y10, Y13, Y13; \
	VPADDQ Y10, Y14, Y14; \
	VPSRLQ $31, Y13, Y13; \
	VPSLLQ $1, Y14, Y14; \
	VPBLENDD $0xAA, Y14, Y13, Y9; \
	VPCMPEQD Y11, Y9, Y13; \
	VPADDD Y13, Y9, Y9; \
	VPAND GROUP_ROW(const_dwRowRoundMask)(R11), Y9, Y13; \
	VPSRAD $31, Y9, Y14; \
	VMOVDQU GROUP_ROW(const_dwRowThreshold)(R11), Y15; \
	VPSUBD Y14, Y15, Y14; \
	VPSRAVD GROUP_ROW(const_dwRowRightShift)(R11), Y9, Y9; \
	VPCMPGTD Y14, Y13, Y13; \
	VPSUBD Y13, Y9, Y9; \
	VPADDD GROUP_ROW(const_dwRowOutOffset)(R11), Y9, Y9; \
	VPMAXSD GROUP_ROW(const_dwRowActMin)(R11), Y9, Y9; \
	VPMINSD GROUP_ROW(const_dwRowActMax)(R11), Y9, Y9; \
	VPSHUFB Y12, Y9, Y9; \
	VEXTRACTI128 $1, Y9, X13; \
	VPUNPCKLDQ X13, X9, X9

/*
 * A QEMU TCG plugin that counts the guest instructions a program executes:
 * when QEMU translates a block it adds an inline operation that, at every
 * execution of the block, adds the block's instruction count to a total,
 * printed at exit as "insncount: N".
 *
 * A guest marks points of its run with a getpid system call whose first
 * argument is MARK_MAGIC (getpid ignores its arguments): the plugin then
 * prints "insnmark T N", T the call's second argument (a signed tag) and N
 * the instructions executed so far. The count advances a whole translation
 * block at a time, and a system call ends its block, so N includes the
 * marking call itself: the difference of two marks is exact up to the
 * few instructions of one marking call.
 *
 * With the argument blocks=FILE (-plugin insncount.so,blocks=FILE) it
 * also writes, per translated block, "ADDRESS INSTRUCTIONS" in hex and
 * decimal (the block's start and the instructions executed in it), for
 * attributing work to functions: by default those of the whole run,
 * written at exit; with from=T and to=U those between the first mark
 * tagged T and the next mark tagged U, written at that mark.
 *
 * Debian ships no qemu-plugin.h, so the few parts of the plugin API used
 * here are declared below, as QEMU 7.2 (Debian 12's qemu-user) defines
 * them: API version 1; QEMU 9 replaced the inline registration with a
 * per-vCPU form. The counter is shared by all guest threads without
 * atomics: run the guest with one thread doing the work (GOMAXPROCS=1) so
 * that no increments are lost.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;

enum { inline_add_u64 = 0 }; /* QEMU_PLUGIN_INLINE_ADD_U64 */

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
	int op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, void *userdata), void *userdata);
void qemu_plugin_outs(const char *string);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_syscall_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num,
		uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8));

/* The marking call: getpid's number on 64-bit ARM (asm-generic) and
 * 32-bit ARM, and the magic first argument ("insn"). */
enum { getpid_arm64 = 172, getpid_arm = 20 };
#define MARK_MAGIC 0x696e736eULL

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t executed;

/* A translated block's count, when blocks=FILE asked for them; a block
 * translated again gets another record. */
struct block {
	uint64_t vaddr, executed;
	struct block *next;
};
static struct block *blocks;
static const char *blocks_path;
/* The marks that open and close the window of the blocks file, and its
 * state: 0 before, 1 open, 2 written. */
static int64_t window_from, window_to;
static int window_marks, window_state;

static void count_block(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, inline_add_u64, &executed, n);
	if (blocks_path != NULL) {
		struct block *b = calloc(1, sizeof *b);
		if (b == NULL)
			return;
		b->vaddr = qemu_plugin_tb_vaddr(tb);
		b->next = blocks;
		blocks = b;
		qemu_plugin_register_vcpu_tb_exec_inline(tb, inline_add_u64, &b->executed, n);
	}
}

static void write_blocks(void)
{
	FILE *f = fopen(blocks_path, "w");
	if (f == NULL) {
		qemu_plugin_outs("insncount: cannot write the blocks file\n");
		return;
	}
	for (struct block *b = blocks; b != NULL; b = b->next)
		if (b->executed != 0)
			fprintf(f, "%llx %llu\n", (unsigned long long)b->vaddr, (unsigned long long)b->executed);
	fclose(f);
}

static void mark(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num,
	uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
	uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8)
{
	char line[64];
	if ((num != getpid_arm64 && num != getpid_arm) || (a1 & 0xffffffffULL) != MARK_MAGIC)
		return;
	int64_t tag = (int32_t)a2;
	snprintf(line, sizeof line, "insnmark %lld %llu\n", (long long)tag,
		(unsigned long long)executed);
	qemu_plugin_outs(line);
	if (blocks_path == NULL || !window_marks)
		return;
	if (window_state == 0 && tag == window_from) {
		for (struct block *b = blocks; b != NULL; b = b->next)
			b->executed = 0;
		window_state = 1;
	} else if (window_state == 1 && tag == window_to) {
		write_blocks();
		window_state = 2;
	}
}

static void report(qemu_plugin_id_t id, void *userdata)
{
	char line[48];
	snprintf(line, sizeof line, "insncount: %llu\n", (unsigned long long)executed);
	qemu_plugin_outs(line);
	if (blocks_path != NULL && !window_marks)
		write_blocks();
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
	const struct qemu_info_t *info, int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "blocks=", 7) == 0)
			blocks_path = argv[i] + 7;
		else if (strncmp(argv[i], "from=", 5) == 0)
			window_from = strtoll(argv[i] + 5, NULL, 10), window_marks = 1;
		else if (strncmp(argv[i], "to=", 3) == 0)
			window_to = strtoll(argv[i] + 3, NULL, 10), window_marks = 1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, count_block);
	qemu_plugin_register_vcpu_syscall_cb(id, mark);
	qemu_plugin_register_atexit_cb(id, report, NULL);
	return 0;
}

#include "swk_devices_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { MAX_INSNS = 4096 };

struct prog {
    struct bpf_insn insns[MAX_INSNS];
    int n;
};

static int emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    if (p->n >= MAX_INSNS) return -1;
    struct bpf_insn *i = &p->insns[p->n++];
    memset(i, 0, sizeof *i);
    i->code = code;
    i->dst_reg = dst;
    i->src_reg = src;
    i->off = off;
    i->imm = imm;
    return p->n - 1;
}

// One rule: a chain of "if this field differs, skip the rule" tests, then the verdict.
// Returns 1 when the rule has no test (it decides everything that reaches it), 0, or -1.
static int emit_rule(struct prog *p, const struct swk_dev_rule *r) {
    int jumps[4], nj = 0;
    if (r->type == 'b' || r->type == 'c') {
        int t = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
        jumps[nj++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0, t);
    }
    unsigned all = SWK_DEV_MKNOD | SWK_DEV_READ | SWK_DEV_WRITE;
    if ((r->access & all) != all) {
        // Matches when every requested access bit is one the rule names.
        emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 6, 3, 0, 0);
        emit(p, BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, (int32_t)(~r->access & all));
        jumps[nj++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, 6, 0, 0, 0);
    }
    if (r->major >= 0) jumps[nj++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int32_t)r->major);
    if (r->minor >= 0) jumps[nj++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)r->minor);
    emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
    int last = emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    if (last < 0) return -1;
    for (int j = 0; j < nj; j++) {
        if (jumps[j] < 0) return -1;
        p->insns[jumps[j]].off = (int16_t)(last - jumps[j]);
    }
    return nj == 0;
}

int swk_attach_device_filter(const char *cgroup_dir, const struct swk_dev_rule *rules, int n) {
    static struct prog p;
    p.n = 0;
    // r2 = device type, r3 = requested access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx).
    emit(&p, BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0);
    emit(&p, BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
    emit(&p, BPF_LDX | BPF_W | BPF_MEM, 3, 1, 0, 0);
    emit(&p, BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
    emit(&p, BPF_LDX | BPF_W | BPF_MEM, 4, 1, 4, 0);
    emit(&p, BPF_LDX | BPF_W | BPF_MEM, 5, 1, 8, 0);
    // The verifier refuses unreachable instructions: stop after a rule without tests.
    int decided = 0;
    for (int i = n - 1; i >= 0 && !decided; i--) {
        decided = emit_rule(&p, &rules[i]);
        if (decided < 0) { errno = E2BIG; return -1; }
    }
    if (!decided) {
        emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
        if (emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0) < 0) { errno = E2BIG; return -1; }
    }

    union bpf_attr load;
    memset(&load, 0, sizeof load);
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insn_cnt = (uint32_t)p.n;
    load.insns = (uint64_t)(uintptr_t)p.insns;
    load.license = (uint64_t)(uintptr_t)"Apache-2.0";
    int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
    if (prog < 0) return -1;
    int dir = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        int e = errno;
        close(prog);
        errno = e;
        return -1;
    }
    union bpf_attr attach;
    memset(&attach, 0, sizeof attach);
    attach.target_fd = (uint32_t)dir;
    attach.attach_bpf_fd = (uint32_t)prog;
    attach.attach_type = BPF_CGROUP_DEVICE;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    int rc = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
    int e = errno;
    close(dir);
    close(prog);  // the attachment keeps the program until the cgroup goes
    errno = e;
    return rc < 0 ? -1 : 0;
}

#ifndef SWK_DEVICES_BPF_H
#define SWK_DEVICES_BPF_H

/// One device cgroup rule. type: 'a' (all), 'b' or 'c'; major/minor -1 for any; access a mask of
/// SWK_DEV_MKNOD | SWK_DEV_READ | SWK_DEV_WRITE (the kernel's BPF_DEVCG_ACC_* values).
struct swk_dev_rule {
    int allow;
    char type;
    long long major;
    long long minor;
    unsigned access;
};

enum { SWK_DEV_MKNOD = 1, SWK_DEV_READ = 2, SWK_DEV_WRITE = 4 };

/// cgroup2 has no devices.allow/deny: compiles `rules` into a BPF_PROG_TYPE_CGROUP_DEVICE program
/// (the last matching rule decides, as successive v1 writes do; no match allows, as an unrestricted
/// v1 parent does) and attaches it to the cgroup directory. Returns 0, or -1 with errno set.
int swk_attach_device_filter(const char *cgroup_dir, const struct swk_dev_rule *rules, int n);

#endif

#!/bin/bash
# Builds swkube's demo image from Debian's busybox-static as an OCI image-layout archive.
#   usage: scripts/build-demo-image.sh OUT.tar [NAME]     (NAME defaults to localhost/swkube-demo:1.0)
# The rootfs holds /bin/busybox with its applets as symlinks, /etc/passwd and /etc/group (root and
# nobody), /root and /tmp. Only bash, coreutils, tar, gzip and sha256sum are used. The output is
# deterministic (fixed mtimes, sorted entries, numeric owner 0:0, gzip without name or time), so the
# same busybox and name always give the same digests.
# The name goes to index.json as io.containerd.image.name, the tag as org.opencontainers.image.ref.name
# (what `docker save` writes), so `skopeo inspect oci-archive:OUT.tar:TAG` works too.
set -euo pipefail

out=${1:?usage: build-demo-image.sh OUT.tar [NAME]}
name=${2:-localhost/swkube-demo:1.0}
busybox=${BUSYBOX:-/bin/busybox}
[[ $name =~ ^[a-z0-9][a-z0-9._/:-]*:[A-Za-z0-9_][A-Za-z0-9._-]*$ ]] || { echo "build-demo-image: invalid NAME $name (want repo:tag)" >&2; exit 1; }
[[ -x $busybox ]] || { echo "build-demo-image: $busybox not found (apt-get install busybox-static)" >&2; exit 1; }
tag=${name##*:}

case $(dpkg --print-architecture 2>/dev/null || uname -m) in
  amd64|x86_64) arch=amd64 variant= ;;
  arm64|aarch64) arch=arm64 variant= ;;
  armhf|armv7l) arch=arm variant=v7 ;;
  i386|i686) arch=386 variant= ;;
  *) arch=$(dpkg --print-architecture) variant= ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 022
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$work/layout/blobs/sha256"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [[ $applet == busybox || $applet == */* ]] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
chmod 0644 "$root/etc/passwd" "$root/etc/group"
chmod 0755 "$root/bin" "$root/etc"
chmod 0700 "$root/root"
chmod 1777 "$root/tmp"

# Reproducible tar: sorted, fixed times and owners, no pax headers that carry a pid or atime.
det_tar() {
  tar --sort=name --format=posix --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
      --mtime=@0 --owner=0 --group=0 --numeric-owner "$@"
}
det_tar -C "$root" -cf "$work/layer.tar" bin etc root tmp
gzip -9 -n -c "$work/layer.tar" >"$work/layer.tar.gz"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c <"$1" | tr -d ' '; }
# Stores a file as a blob; prints its digest hex.
put() { local h; h=$(sha "$1"); cp "$1" "$work/layout/blobs/sha256/$h"; echo "$h"; }

diff_id=$(sha "$work/layer.tar")
layer=$(put "$work/layer.tar.gz")
layer_size=$(size "$work/layer.tar.gz")
variant_json=${variant:+,\"variant\":\"$variant\"}

printf '%s' '{"architecture":"'"$arch"'","config":{"Cmd":["sh"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Labels":{"org.opencontainers.image.title":"swkube-demo"},"WorkingDir":"/"},"created":"1970-01-01T00:00:00Z","history":[{"created":"1970-01-01T00:00:00Z","created_by":"swkube scripts/build-demo-image.sh"}],"os":"linux","rootfs":{"diff_ids":["sha256:'"$diff_id"'"],"type":"layers"}'"$variant_json"'}' >"$work/config.json"
config=$(put "$work/config.json")
config_size=$(size "$work/config.json")

printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$config"'","size":'"$config_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'"$layer"'","size":'"$layer_size"'}]}' >"$work/manifest.json"
manifest=$(put "$work/manifest.json")
manifest_size=$(size "$work/manifest.json")

printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$manifest"'","size":'"$manifest_size"',"annotations":{"io.containerd.image.name":"'"$name"'","org.opencontainers.image.ref.name":"'"$tag"'"},"platform":{"architecture":"'"$arch"'","os":"linux"'"$variant_json"'}}]}' >"$work/layout/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
chmod 0644 "$work/layout/index.json" "$work/layout/oci-layout" "$work/layout/blobs/sha256/"*
chmod 0755 "$work/layout/blobs" "$work/layout/blobs/sha256"

det_tar -C "$work/layout" -cf "$out.tmp.$$" oci-layout index.json blobs
mv -f "$out.tmp.$$" "$out"
echo "$name sha256:$manifest"

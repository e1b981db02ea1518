#!/usr/bin/env python3
"""Builds OCI image layouts (and archives of them) for the image tests.

usage: make-oci-layout.py SPEC.json

SPEC:
{
  "layout": "/out/layout",              # the OCI layout directory to write (or add to)
  "archive": "/out/image.tar",          # optional: also write a tar of the layout
  "docker": false,                      # Docker v2 media types instead of OCI ones
  "images": [
    {"tag": "v1",                       # optional org.opencontainers.image.ref.name
     "platform": "linux/amd64",
     "layers": [LAYER, ...],
     "env": ["PATH=/bin"], "entrypoint": [...], "cmd": [...], "workingDir": "/"},
    {"tag": "multi",
     "index": [IMAGE, IMAGE, ...],      # an image index with one entry per platform
     "attestation": true}               # add an unknown/unknown attestation entry
  ]
}

LAYER is one of
  {"dir": "/tree", "compression": "gzip"|"zstd"|"none"}   # the tree, sorted, owned by root
  {"entries": [{"name": "x", "type": "file", "content": "...", "mode": 420},
               {"name": "l", "type": "symlink", "target": "/etc"},
               {"name": "h", "type": "hardlink", "target": "x"},
               {"name": "d", "type": "dir"}], "compression": ...}

Files named .wh.NAME and .wh..wh..opq in a tree become whiteouts, as in any
layer. Prints a JSON summary: per image its tag, the digest of what the tag
names and the platform manifests' digests.
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MTIME = 1700000000


def media(docker, kind, compression="gzip"):
    if docker:
        return {
            "index": "application/vnd.docker.distribution.manifest.list.v2+json",
            "manifest": "application/vnd.docker.distribution.manifest.v2+json",
            "config": "application/vnd.docker.container.image.v1+json",
            "layer": "application/vnd.docker.image.rootfs.diff.tar.gzip" if compression == "gzip"
            else "application/vnd.docker.image.rootfs.diff.tar",
        }[kind]
    suffix = {"gzip": "+gzip", "zstd": "+zstd", "none": ""}[compression]
    return {
        "index": "application/vnd.oci.image.index.v1+json",
        "manifest": "application/vnd.oci.image.manifest.v1+json",
        "config": "application/vnd.oci.image.config.v1+json",
        "layer": "application/vnd.oci.image.layer.v1.tar" + suffix,
    }[kind]


class Layout:
    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        index_path = os.path.join(root, "index.json")
        if os.path.exists(index_path):
            with open(index_path) as f:
                self.index = json.load(f)
        else:
            self.index = {"schemaVersion": 2, "mediaType": media(False, "index"), "manifests": []}

    def blob(self, data, media_type):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.root, "blobs", "sha256", digest), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

    def save(self):
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump(self.index, f, indent=2)


def tar_tree(root):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for current, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(current, name)
                info = tar.gettarinfo(path, arcname=os.path.relpath(path, root))
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = MTIME
                if info.isreg():
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)
    return out.getvalue()


def tar_entries(entries):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry["name"])
            info.mtime = MTIME
            info.mode = entry.get("mode", 0o644 if entry["type"] == "file" else 0o755)
            kind = entry["type"]
            if kind == "file":
                data = entry.get("content", "").encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = entry["target"]
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = entry["target"]
            elif kind == "chardev":
                info.type = tarfile.CHRTYPE
                info.devmajor, info.devminor = 1, 3
            tar.addfile(info)
    return out.getvalue()


def compress(data, compression):
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data


def build_image(layout, spec, docker):
    layers, diff_ids = [], []
    for layer in spec.get("layers", []):
        raw = tar_tree(layer["dir"]) if "dir" in layer else tar_entries(layer["entries"])
        compression = layer.get("compression", "gzip")
        layers.append(layout.blob(compress(raw, compression), media(docker, "layer", compression)))
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    os_name, arch, *variant = spec.get("platform", "linux/amd64").split("/")
    config = {
        "architecture": arch, "os": os_name,
        "config": {key: spec[key] for key in ("env", "entrypoint", "cmd", "workingDir") if key in spec},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    config["config"] = {{"env": "Env", "entrypoint": "Entrypoint", "cmd": "Cmd", "workingDir": "WorkingDir"}[k]: v
                        for k, v in config["config"].items()}
    if variant:
        config["variant"] = variant[0]
    config_descriptor = layout.blob(json.dumps(config, sort_keys=True).encode(), media(docker, "config"))
    manifest = {"schemaVersion": 2, "mediaType": media(docker, "manifest"), "config": config_descriptor, "layers": layers}
    descriptor = layout.blob(json.dumps(manifest, indent=2).encode(), media(docker, "manifest"))
    platform = {"os": os_name, "architecture": arch}
    if variant:
        platform["variant"] = variant[0]
    return descriptor, platform


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    docker = spec.get("docker", False)
    layout = Layout(spec["layout"])
    summary = []
    for image in spec["images"]:
        manifests = {}
        if "index" in image:
            entries = []
            for sub in image["index"]:
                descriptor, platform = build_image(layout, sub, docker)
                manifests["/".join(platform.values())] = descriptor["digest"]
                entries.append(dict(descriptor, platform=platform))
            if image.get("attestation"):
                statement = layout.blob(b'{"_type": "https://in-toto.io/Statement/v0.1"}', "application/vnd.in-toto+json")
                config = layout.blob(b"{}", "application/vnd.oci.image.config.v1+json")
                attestation = layout.blob(json.dumps({
                    "schemaVersion": 2, "mediaType": media(False, "manifest"), "config": config,
                    "layers": [statement]}).encode(), media(False, "manifest"))
                entries.append(dict(attestation, platform={"os": "unknown", "architecture": "unknown"},
                                    annotations={"vnd.docker.reference.type": "attestation-manifest"}))
            index = {"schemaVersion": 2, "mediaType": media(docker, "index"), "manifests": entries}
            top = layout.blob(json.dumps(index, indent=2).encode(), media(docker, "index"))
        else:
            top, platform = build_image(layout, image, docker)
            manifests["/".join(platform.values())] = top["digest"]
        entry = dict(top)
        if "tag" in image:
            entry["annotations"] = {"org.opencontainers.image.ref.name": image["tag"]}
            layout.index["manifests"] = [m for m in layout.index["manifests"]
                                         if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != image["tag"]]
        layout.index["manifests"].append(entry)
        summary.append({"tag": image.get("tag"), "digest": top["digest"], "manifests": manifests})
    layout.save()
    if "archive" in spec:
        with tarfile.open(spec["archive"], "w", format=tarfile.PAX_FORMAT) as tar:
            for current, dirs, files in os.walk(layout.root):
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(current, name)
                    tar.add(path, arcname=os.path.relpath(path, layout.root), recursive=False)
    json.dump({"images": summary}, sys.stdout)


if __name__ == "__main__":
    main()
